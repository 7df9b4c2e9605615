"""Reading settings from ``duis.toml`` or ``[tool.duis]`` in ``pyproject.toml``, like ruff.

A repository of requests checked in CI keeps its settings beside the files (which
role each originator has, the DCC's EUI, rules to ignore), so ``duis validate`` run
from anywhere inside it behaves the same. Command-line options then override the
file through :func:`apply_options`. Every mistake is a :class:`~duis.ConfigError`
naming the file, the key and what to write instead.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from duis._exceptions import ConfigError
from duis._ruletable import check_patterns
from duis.config import (
    Config,
    to_counter_location,
    to_eui,
    to_lengths,
    to_max_bytes,
    to_originators,
    to_path,
    to_role,
    to_severities,
    to_smets,
    to_strings,
)

__all__ = [
    "CONFIG_FILES",
    "ENV_CONFIG",
    "ENV_KEYSTORE",
    "SETTING_NAMES",
    "apply_options",
    "config_from_mapping",
    "find_config",
    "load_config",
    "load_settings",
    "settings_file_from_environment",
    "with_environment",
]

#: File names looked for in each folder, first match wins (a ``pyproject.toml``
#: counts only when it has a ``[tool.duis]`` table).
CONFIG_FILES = ("duis.toml", "pyproject.toml")

_KEYS = (
    "schema-dirs",
    "role",
    "dcc-eui",
    "smets",
    "install-code-lengths",
    "select",
    "ignore",
    "severity",
    "originators",
    "keystore",
    "counter-db",
    "max-bytes",
    # Which files a folder walk picks: read by the CLI (duis.cli._settings), not Config.
    "exclude",
    "extend-exclude",
    "respect-gitignore",
)
_FILE_SELECTION = ("exclude", "extend-exclude", "respect-gitignore")
#: Every setting a settings file may hold (``--show-settings`` prints each of them).
SETTING_NAMES = _KEYS
#: Environment variables :func:`load_settings` reads (``$DUIS_SCHEMA_DIR`` is read by
#: :func:`duis.schemas.default_registry` when no settings name schema folders, and
#: ``$DUIS_COUNTER_DB`` by the counter store when none names a store).
ENV_CONFIG = "DUIS_CONFIG"
ENV_KEYSTORE = "DUIS_KEYSTORE"


def find_config(start: Path | None = None) -> Path | None:
    """The nearest ``duis.toml`` or ``pyproject.toml`` with ``[tool.duis]``, walking up."""
    here = (start or Path.cwd()).resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            if name == "pyproject.toml" and settings_table(candidate) is None:
                continue
            return candidate
    return None


def load_config(start: Path | None = None, *, explicit: Path | None = None) -> Config:
    """The Config of the nearest settings file (or ``explicit``); defaults when none."""
    path = explicit if explicit is not None else find_config(start)
    if path is None:
        return Config()
    if not path.is_file():
        raise ConfigError("no such configuration file", source=str(path))
    table = settings_table(path)
    if table is None:
        if path.name == "pyproject.toml":
            raise ConfigError("has no [tool.duis] table", source=str(path))
        table = {}
    return config_from_mapping(table, source=str(path), base=path.parent)


#: A settings file (or a pyproject.toml) larger than this is refused unread: a few KiB
#: is usual, and the TOML parser holds the whole text and its table in memory.
MAX_SETTINGS_BYTES = 4 * 1024 * 1024


def _read(path: Path) -> dict[str, Any]:
    # Imported here, not at import: ``duis validate --isolated`` and ``duis.validate``
    # never parse TOML, and tomllib compiles its regexes when it is imported.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_SETTINGS_BYTES + 1)
        if len(raw) > MAX_SETTINGS_BYTES:
            raise ConfigError(
                f"is larger than {MAX_SETTINGS_BYTES} bytes, which no settings file "
                "needs; is this the right file?",
                source=str(path),
            )
        try:
            text = raw.decode("utf-8")  # what tomllib.load would do, with the place
        except UnicodeDecodeError as exc:
            at = exc.start
            raise ConfigError(
                f"not valid TOML: byte {raw[at]:#04x} is not UTF-8 (TOML files are UTF-8)",
                source=str(path),
                line=raw.count(b"\n", 0, at) + 1,
                column=at - (raw.rfind(b"\n", 0, at) + 1) + 1,
            ) from None
        data: dict[str, Any] = tomllib.loads(text)
        return data
    except tomllib.TOMLDecodeError as exc:
        text = str(exc)
        found = re.search(r"\(at line (\d+), column (\d+)\)", text)
        line = int(found.group(1)) if found else None
        column = int(found.group(2)) if found else None
        text = re.sub(r"\s*\(at line \d+, column \d+\)", "", text)
        raise ConfigError(
            f"not valid TOML: {text}", source=str(path), line=line, column=column
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", source=str(path)) from None


def settings_table(path: Path) -> Mapping[str, Any] | None:
    """The duis table of a settings file (``[tool.duis]``, or a duis.toml's top level).

    The one TOML reader for settings: the CLI's file selection (``exclude`` ...) reads
    its keys from here too, so both parts judge one table, parsed once per file
    version (cached on path, size and modification time; read-only). None for a
    ``pyproject.toml`` without ``[tool.duis]``.
    """
    try:
        st = path.stat()
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", source=str(path)) from None
    return _cached_table(path, st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _cached_table(path: Path, _size: int, _mtime_ns: int) -> Mapping[str, Any] | None:
    found = _table(_read(path), path)
    return None if found is None else MappingProxyType(found)


def _table(doc: Mapping[str, Any], path: Path) -> dict[str, Any] | None:
    """``[tool.duis]`` when present; otherwise a duis.toml's top level, else None."""
    tool = doc.get("tool")
    if isinstance(tool, dict) and "duis" in tool:
        found = tool["duis"]
        if not isinstance(found, dict):
            raise ConfigError("[tool.duis] must be a table", source=str(path))
        return found
    if path.name == "pyproject.toml":
        return None
    return dict(doc)


def config_from_mapping(
    table: Mapping[str, Any], *, source: str = "<settings>", base: Path | None = None
) -> Config:
    """Build a Config from a ``[tool.duis]``-shaped mapping (keys in kebab or snake case)."""
    values: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = str(raw_key).replace("_", "-")
        where = f"[tool.duis] {key}"
        if key not in _KEYS:
            raise ConfigError(
                f"unknown setting {raw_key!r}; known settings: {', '.join(_KEYS)}", source=source
            )
        if key in _FILE_SELECTION:
            continue
        if key == "schema-dirs":
            dirs = _str_list(value, where, source)
            values["schema_dirs"] = tuple(
                (base / d if base is not None and not Path(d).is_absolute() else Path(d))
                for d in dirs
            )
        elif key == "role":
            values["role"] = to_role(value, where, source)
        elif key == "dcc-eui":
            values["dcc_eui"] = to_eui(value, where, source)
        elif key == "smets":
            values["smets"] = to_smets(value, where, source)
        elif key == "install-code-lengths":
            values["install_code_lengths"] = to_lengths(value, where, source)
        elif key == "select":
            values["select"] = _rules(_str_list(value, where, source), where, source)
        elif key == "ignore":
            values["ignore"] = _rules(_str_list(value, where, source), where, source)
        elif key == "severity":
            values["severity"] = to_severities(value, where, source)
        elif key == "originators":
            values["originators"] = to_originators(value, where, source)
        elif key in ("keystore", "counter-db"):
            location = (
                to_counter_location(value, where, source)
                if key == "counter-db"
                else to_path(value, where, source)
            )
            if isinstance(location, Path) and base is not None and not location.is_absolute():
                location = base / location
            values[key.replace("-", "_")] = location
        elif key == "max-bytes":
            values["max_bytes"] = to_max_bytes(value, where, source)
    return Config(source=source, **values)


def apply_options(
    config: Config,
    *,
    role: str | None = None,
    smets: int | str | None = None,
    dcc_eui: str | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    severity: Iterable[str] = (),
    schema_dirs: Iterable[str | Path] = (),
    keystore: str | Path | None = None,
    counter_db: str | Path | None = None,
    max_bytes: int | None = None,
) -> Config:
    """``config`` with command-line options laid over it.

    Scalars replace the file's value. ``--select`` replaces the file's list (as in
    ruff); ``--ignore`` and ``--severity RULE=LEVEL`` add to it; ``--schema-dir``
    folders come before the file's. List options accept repeats and commas.
    """
    source = "command line"
    changes: dict[str, Any] = {}
    if role is not None:
        changes["role"] = to_role(role, "--role", source)
    if smets is not None:
        changes["smets"] = to_smets(smets, "--smets", source)
    if dcc_eui is not None:
        changes["dcc_eui"] = to_eui(dcc_eui, "--dcc-eui", source)
    if keystore is not None:
        changes["keystore"] = to_path(keystore, "--keystore", source)
    if counter_db is not None:
        changes["counter_db"] = to_counter_location(counter_db, "--counter-db", source)
    if max_bytes is not None:
        changes["max_bytes"] = to_max_bytes(max_bytes, "--max-bytes", source)
    selected = _split(select)
    if selected:
        changes["select"] = _rules(selected, "--select", source)
    ignored = _split(ignore)
    if ignored:
        changes["ignore"] = (*config.ignore, *_rules(ignored, "--ignore", source))
    pairs = _split(severity)
    if pairs:
        table: dict[str, str] = {}
        for pair in pairs:
            rule_id, sep, level = pair.partition("=")
            if not sep:
                raise ConfigError(
                    f"--severity {pair!r}: write RULE=LEVEL, e.g. eligibility.role=warning",
                    source=source,
                )
            table[rule_id.strip()] = level.strip()
        changes["severity"] = {
            **config.severity,
            **to_severities(table, "--severity", source),
        }
    dirs = tuple(Path(d) for d in schema_dirs)
    if dirs:
        changes["schema_dirs"] = (*dirs, *config.schema_dirs)
    return replace(config, **changes) if changes else config


def load_settings(
    start: Path | None = None,
    *,
    explicit: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
    **options: Any,
) -> Config:
    """The settings of a run: file, then environment, then options (each wins over the last).

    The file is ``explicit``, else ``$DUIS_CONFIG``, else the nearest ``duis.toml`` or
    ``pyproject.toml`` with ``[tool.duis]`` walking up from ``start`` (default: the
    current folder). ``$DUIS_KEYSTORE`` names the keystore when the file does not.
    ``options`` are :func:`apply_options`'s keywords (``role="IS"``, ``select=[...]``).
    Every command and the serve app build their settings here, so the same folder
    gives the same verdict everywhere. Raises :class:`~duis.ConfigError`.
    """
    env = os.environ if environ is None else environ
    chosen = Path(explicit) if explicit is not None else settings_file_from_environment(env)
    config = load_config(start, explicit=chosen)
    return apply_options(with_environment(config, env), **options)


def settings_file_from_environment(environ: Mapping[str, str] | None = None) -> Path | None:
    """``$DUIS_CONFIG``: the settings file for every input when no option names one."""
    env = os.environ if environ is None else environ
    chosen = env.get(ENV_CONFIG) or None
    return Path(chosen) if chosen is not None else None


def with_environment(config: Config, environ: Mapping[str, str] | None = None) -> Config:
    """``config`` with what the environment adds: ``$DUIS_KEYSTORE`` when the file
    names no keystore. (``$DUIS_COUNTER_DB`` is the counter store's own default.) The
    one place this is done, for the CLI's per-file settings and :func:`load_settings`.
    """
    env = os.environ if environ is None else environ
    keystore = env.get(ENV_KEYSTORE)
    if keystore and config.keystore is None:
        config = replace(config, keystore=to_path(keystore, f"${ENV_KEYSTORE}", "environment"))
    return config


def _split(values: Iterable[str]) -> list[str]:
    return [part.strip() for v in values for part in str(v).split(",") if part.strip()]


def _str_list(value: object, where: str, source: str) -> list[str]:
    return list(to_strings(value, where, source))


def _rules(patterns: list[str], where: str, source: str) -> tuple[str, ...]:
    """Refuse any id or prefix no rule in the rule table has (like ruff)."""
    return check_patterns(patterns, where, source)
