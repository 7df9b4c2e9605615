"""Settings for each file, like ruff: the nearest ``duis.toml`` / ``[tool.duis]`` wins.

A repository may hold several Users' requests in folders with their own settings, so
every file is judged by the settings file nearest to it (walking up from its folder),
with command-line options laid over it. ``--config FILE`` uses one file for all,
``--isolated`` none. Which files a folder walk picks is also set there: ``exclude``
(replaces the default list), ``extend-exclude`` (adds to it), both gitignore-style
patterns relative to the settings file's folder, and ``respect-gitignore`` (default
true: ``.gitignore`` files from the repository root down are honoured).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from duis._exceptions import ConfigError
from duis.config import Config
from duis.configfile import apply_options, find_config, load_config, with_environment

__all__ = ["DEFAULT_EXCLUDE", "FileSelection", "Resolver"]

#: Folders never walked unless ``exclude`` says otherwise (hidden ones are skipped too).
DEFAULT_EXCLUDE = (
    "__pycache__",
    "node_modules",
    "venv",
    "build",
    "dist",
    "site-packages",
)


@dataclass(frozen=True)
class FileSelection:
    """Which files a folder walk picks, from one settings file."""

    base: Path
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    source: str | None = None

    def patterns(self) -> tuple[str, ...]:
        return (*self.exclude, *self.extend_exclude)


@dataclass
class Resolver:
    """The Config for each file, cached per folder (a batch has few folders)."""

    overrides: Mapping[str, Any] = field(default_factory=dict)
    explicit: Path | None = None
    isolated: bool = False
    respect_gitignore: bool | None = None
    _by_folder: dict[Path, Path | None] = field(default_factory=dict)
    _by_file: dict[Path | None, Config] = field(default_factory=dict)
    #: config_for's answer per folder as the path spells it: the hot path of a batch
    #: is then one dirname and one dict lookup, no Path built.
    _by_dirname: dict[str, Config] = field(default_factory=dict)
    _selection: dict[Path | None, FileSelection] = field(default_factory=dict)
    _gitignores: dict[Path, Any] = field(default_factory=dict)

    def settings_file(self, folder: Path) -> Path | None:
        """The settings file that governs ``folder`` (None: defaults)."""
        if self.isolated:
            return None
        if self.explicit is not None:
            return self.explicit
        key = folder
        if key not in self._by_folder:
            self._by_folder[key] = find_config(folder)
        return self._by_folder[key]

    def config_for(self, path: str | Path | None) -> Config:
        """The Config for a file (None: standard input, judged from the current folder).

        Raises ConfigError for a settings file or option that is wrong.
        """
        dirname = os.path.dirname(path) if path is not None else None
        if dirname is not None:
            known = self._by_dirname.get(dirname)
            if known is not None:
                return known
        folder = Path(dirname) if dirname else Path(".") if dirname is not None else Path.cwd()
        source = self.settings_file(folder)
        found = self._by_file.get(source)
        if found is None:
            base = load_config(explicit=source) if source is not None else Config()
            # The environment as load_settings adds it (serve, counters, the API).
            found = apply_options(with_environment(base), **self.overrides)
            self._by_file[source] = found
        if dirname is not None and len(self._by_dirname) < 4096:
            self._by_dirname[dirname] = found
        return found

    def selection(self, root: str) -> FileSelection:
        """The file selection for a walk starting at ``root``."""
        start = Path(root)
        folder = start if start.is_dir() else start.parent
        source = self.settings_file(folder if str(folder) else Path("."))
        found = self._selection.get(source)
        if found is None:
            found = _selection_of(source)
            if self.respect_gitignore is not None:
                found = FileSelection(
                    found.base,
                    found.exclude,
                    found.extend_exclude,
                    self.respect_gitignore,
                    found.source,
                )
            self._selection[source] = found
        return found

    def excluder(self, root: str) -> Callable[[str, bool], bool]:
        """``(path, is_dir) -> bool``: whether a walk from ``root`` leaves ``path`` out."""
        selection = self.selection(root)
        patterns = selection.patterns()
        names = _literal_names(patterns)
        spec = _spec(patterns) if patterns and names is None else None
        base = selection.base.resolve()
        gitignore = selection.respect_gitignore
        repo = _repo_root(Path(root).resolve()) if gitignore else None
        # Walked paths are relative to the current folder or absolute: made absolute
        # by joining, as Path.resolve did, but its symlink lookups only for the root.
        cwd = str(Path.cwd().resolve())

        # A file's folders are judged once per folder, not again for every file in it.
        folder_verdicts: dict[str, bool] = {}

        def names_excluded(text: str, is_dir: bool) -> bool:
            assert names is not None
            if is_dir:
                return _names_match(names, text, base, True)
            folder, _, leaf = text.rpartition(os.sep)
            verdict = folder_verdicts.get(folder)
            if verdict is None:
                try:
                    inside = _relative(folder, base, False) != "."
                except ValueError:
                    inside = False  # outside the settings' folder: the name alone decides
                verdict = inside and _names_match(names, folder, base, True)
                if len(folder_verdicts) < 65536:
                    folder_verdicts[folder] = verdict
            return verdict or leaf in names[0]

        def excluded(path: str, is_dir: bool) -> bool:
            text = path if os.path.isabs(path) else os.path.join(cwd, path)
            if _UNTIDY in text or _DOUBLE in text:  # "./", "../" or "//" (given, not walked)
                text = os.path.normpath(text)
            absolute = Path(text) if (spec is not None or repo is not None) else None
            if names is not None and names_excluded(text, is_dir):
                return True
            if absolute is not None and spec is not None and _matches(spec, absolute, base, is_dir):
                return True
            if absolute is not None and repo is not None:
                return self._git_ignored(absolute, is_dir, repo)
            return False

        return excluded

    def _git_ignored(self, path: Path, is_dir: bool, repo: Path) -> bool:
        ignored = False
        folder = path.parent
        chain = [folder, *folder.parents]
        for above in reversed(chain):
            if above != repo and repo not in above.parents:
                continue
            spec = self._gitignores.get(above)
            if spec is None:
                spec = _read_gitignore(above)
                self._gitignores[above] = spec
            if spec is not False:
                result = spec.check_file(_relative(path, above, is_dir))
                if result.include is not None:
                    ignored = bool(result.include)
        return ignored


_UNTIDY = os.sep + "."
_DOUBLE = os.sep + os.sep


def _literal_names(patterns: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]] | None:
    """``(names, folder names)`` when every pattern is a plain name (``venv``, ``build/``).

    Such a pattern matches any path with a component of that name (with a trailing
    ``/``, a folder's only), which a set lookup per component decides: the default
    list is of this kind, and matching it through pathspec for every file walked was
    most of the parent's serial work in a parallel run. Anything else (globs, slashes
    inside, negations, escapes, comments): None, and pathspec decides.
    """
    names: set[str] = set()
    folders: set[str] = set()
    for pattern in patterns:
        name = pattern[:-1] if pattern.endswith("/") else pattern
        if (
            not name
            or name in (".", "..")
            or name[0] in "!#"
            or any(c in name for c in "/*?[]\\")
            or name != name.strip()
        ):
            return None
        (folders if pattern.endswith("/") else names).add(name)
    return frozenset(names), frozenset(folders)


def _names_match(
    names: tuple[frozenset[str], frozenset[str]], path: str, base: Path, is_dir: bool
) -> bool:
    try:
        rel = _relative(path, base, False)
    except ValueError:  # outside the settings' folder: match on the name alone
        rel = os.path.basename(path)
    parts = rel.split("/")
    anywhere, folders = names
    if not anywhere.isdisjoint(parts):
        return True
    if not folders:
        return False
    return not folders.isdisjoint(parts if is_dir else parts[:-1])


def _spec(patterns: tuple[str, ...]) -> Any:
    import pathspec  # only when there is something to match

    return pathspec.GitIgnoreSpec.from_lines(patterns)


def _relative(path: str | Path, base: Path, is_dir: bool) -> str:
    """``path`` relative to ``base`` (posix form), ValueError when not under it.

    Lexical, as ``Path.relative_to``; on POSIX done on the strings (paths print
    normalised: no "//", no "/./", no trailing "/"), since it runs for every file of a
    walk in the parent process.
    """
    if os.name == "posix":
        text, head = str(path), str(base)
        if text == head:
            rel = "."
        elif head == "." and not text.startswith("/"):
            rel = text  # Path(".") has no parts: every relative path is under it
        else:
            head = head if head.endswith("/") else head + "/"
            if not text.startswith(head):
                raise ValueError(f"{path} is not under {base}")
            rel = text[len(head) :]
    else:  # pragma: no cover - Windows: case and drive rules, leave them to pathlib
        rel = Path(path).relative_to(base).as_posix()
    return rel + "/" if is_dir else rel


def _matches(spec: Any, path: Path, base: Path, is_dir: bool) -> bool:
    try:
        rel = _relative(path, base, is_dir)
    except ValueError:  # outside the settings' folder: match on the name alone
        rel = path.name + ("/" if is_dir else "")
    return bool(spec.match_file(rel))


def _repo_root(start: Path) -> Path | None:
    folder = start if start.is_dir() else start.parent
    for above in (folder, *folder.parents):
        if (above / ".git").exists():
            return above
    return None


def _read_gitignore(folder: Path) -> Any:
    target = folder / ".gitignore"
    try:
        lines = target.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return False
    return _spec(tuple(lines)) if lines else False


_SELECTION_KEYS = ("exclude", "extend-exclude", "respect-gitignore")


def _selection_of(source: Path | None) -> FileSelection:
    """Read the file-selection keys of a settings file (the rest is Config's)."""
    if source is None:
        return FileSelection(Path.cwd())
    from duis.configfile import settings_table

    table = settings_table(source) or {}
    values: dict[str, Any] = {}
    for key in _SELECTION_KEYS:
        value = table.get(key, table.get(key.replace("-", "_")))
        if value is None:
            continue
        where = f"[tool.duis] {key}"
        if key == "respect-gitignore":
            if not isinstance(value, bool):
                raise ConfigError(f"{where} must be true or false", source=str(source))
            values["respect_gitignore"] = value
        else:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(
                    f'{where} must be a list of patterns, e.g. ["pom.xml", "fixtures/"]',
                    source=str(source),
                )
            values[key.replace("-", "_")] = tuple(value)
    return FileSelection(source.parent, source=str(source), **values)
