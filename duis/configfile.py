"""Reading settings from ``duis.toml`` or ``[tool.duis]`` in ``pyproject.toml``, like ruff.

A repository of requests checked in CI keeps its settings beside the files (which
role each originator has, the DCC's EUI, rules to ignore), so ``duis validate`` run
from anywhere inside it behaves the same. Command-line options then override the
file through :func:`apply_options`. Every mistake is a :class:`~duis.ConfigError`
naming the file, the key and what to write instead.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from duis._exceptions import ConfigError
from duis.catalogue import UserRole
from duis.config import DEFAULT_INSTALL_CODE_LENGTHS, GENERATION_KEYS, Config
from duis.ids import EUI64
from duis.report import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = ["CONFIG_FILES", "apply_options", "config_from_mapping", "find_config", "load_config"]

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
    # Which files a folder walk picks: read by the CLI (duis.cli._settings), not Config.
    "exclude",
    "extend-exclude",
    "respect-gitignore",
)
_FILE_SELECTION = ("exclude", "extend-exclude", "respect-gitignore")
_ROLES = ", ".join(r.value for r in UserRole)
_SEVERITIES = ", ".join(s.value for s in Severity)


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
            if name == "pyproject.toml" and _table(_read(candidate), candidate) is None:
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
    table = _table(_read(path), path)
    if table is None:
        if path.name == "pyproject.toml":
            raise ConfigError("has no [tool.duis] table", source=str(path))
        table = {}
    return config_from_mapping(table, source=str(path), base=path.parent)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
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
            values["role"] = _role(value, where, source)
        elif key == "dcc-eui":
            values["dcc_eui"] = _eui(value, where, source)
        elif key == "smets":
            values["smets"] = _smets(value, where, source)
        elif key == "install-code-lengths":
            values["install_code_lengths"] = _lengths(value, where, source)
        elif key == "select":
            values["select"] = _rules(_str_list(value, where, source), where, source)
        elif key == "ignore":
            values["ignore"] = _rules(_str_list(value, where, source), where, source)
        elif key == "severity":
            values["severity"] = _severities(value, where, source)
        elif key == "originators":
            values["originators"] = _originators(value, where, source)
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
) -> Config:
    """``config`` with command-line options laid over it.

    Scalars replace the file's value. ``--select`` replaces the file's list (as in
    ruff); ``--ignore`` and ``--severity RULE=LEVEL`` add to it; ``--schema-dir``
    folders come before the file's. List options accept repeats and commas.
    """
    source = "command line"
    changes: dict[str, Any] = {}
    if role is not None:
        changes["role"] = _role(role, "--role", source)
    if smets is not None:
        changes["smets"] = _smets(smets, "--smets", source)
    if dcc_eui is not None:
        changes["dcc_eui"] = _eui(dcc_eui, "--dcc-eui", source)
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
            **_severities(table, "--severity", source),
        }
    dirs = tuple(Path(d) for d in schema_dirs)
    if dirs:
        changes["schema_dirs"] = (*dirs, *config.schema_dirs)
    return replace(config, **changes) if changes else config


def _split(values: Iterable[str]) -> list[str]:
    return [part.strip() for v in values for part in str(v).split(",") if part.strip()]


def _str_list(value: object, where: str, source: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f'{where} must be a list of strings, e.g. ["srv", "cv"]', source=source)


def _role(value: object, where: str, source: str) -> UserRole:
    text = str(value).strip().upper() if isinstance(value, str) else None
    try:
        return UserRole(text)
    except ValueError:
        raise ConfigError(
            f"{where}: {value!r} is not a User Role; use one of {_ROLES}", source=source
        ) from None


def _eui(value: object, where: str, source: str) -> EUI64:
    if not isinstance(value, str):
        raise ConfigError(
            f"{where} must be a string such as 90-B3-D5-1F-30-00-00-02", source=source
        )
    try:
        return EUI64.parse(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}", source=source) from None


def _smets(value: object, where: str, source: str) -> int:
    text = str(value).strip().lower().removeprefix("smets").rstrip("+")
    if text in ("1", "2") and not isinstance(value, bool):
        return int(text)
    raise ConfigError(
        f"{where}: {value!r} is not a SMETS generation; use 1 (SMETS1) or 2 (SMETS2+)",
        source=source,
    )


def _lengths(value: object, where: str, source: str) -> Mapping[str, tuple[int, ...]]:
    if not isinstance(value, dict):
        raise ConfigError(
            f"{where} must be a table such as {{ smets1 = [6, 8, 12, 16], smets2 = [16] }}",
            source=source,
        )
    table = dict(DEFAULT_INSTALL_CODE_LENGTHS)
    for key, lengths in value.items():
        if key not in GENERATION_KEYS:
            raise ConfigError(
                f"{where}: unknown generation {key!r}; use {', '.join(GENERATION_KEYS)}",
                source=source,
            )
        if (
            not isinstance(lengths, list)
            or not lengths
            or not all(isinstance(n, int) and not isinstance(n, bool) for n in lengths)
            or not all(1 <= n <= 64 for n in lengths)
        ):
            raise ConfigError(
                f"{where}.{key} must be a non-empty list of octet counts, e.g. [16]",
                source=source,
            )
        table[key] = tuple(sorted(set(lengths)))
    return MappingProxyType(table)


def _rules(patterns: list[str], where: str, source: str) -> tuple[str, ...]:
    """Refuse a misspelt id in a family the rules own; other families pass through
    (the validate pipeline has its own ids, such as ``xsd`` and ``schema-version``)."""
    from duis.rules import families, get_rule

    owned = families()
    for pattern in patterns:
        if pattern in ("ALL", "*") or pattern in owned:
            continue
        family = pattern.split(".", 1)[0]
        if family in owned and get_rule(pattern) is None:
            known = sorted(r.id for r in _family_rules(family))
            raise ConfigError(
                f"{where}: no rule {pattern!r}; the {family} rules are {', '.join(known)}",
                source=source,
            )
    return tuple(patterns)


def _family_rules(family: str) -> list[Any]:
    from duis.rules import all_rules

    return [r for r in all_rules() if r.family == family]


def _severities(value: object, where: str, source: str) -> dict[str, Severity]:
    if not isinstance(value, dict):
        raise ConfigError(
            f'{where} must be a table of rule = level, e.g. {{ "eligibility.role" = "warning" }}',
            source=source,
        )
    out: dict[str, Severity] = {}
    for rule_id, level in value.items():
        _rules([str(rule_id)], where, source)
        try:
            out[str(rule_id)] = Severity(str(level).strip().lower())
        except ValueError:
            raise ConfigError(
                f"{where}: {rule_id} = {level!r} is not a severity; use {_SEVERITIES}",
                source=source,
            ) from None
    return out


def _originators(value: object, where: str, source: str) -> dict[EUI64, tuple[UserRole, ...]]:
    if not isinstance(value, dict):
        raise ConfigError(
            f'{where} must be a table of EUI = role(s), e.g. "90-B3-D5-1F-30-01-00-00" = "IS"',
            source=source,
        )
    out: dict[EUI64, tuple[UserRole, ...]] = {}
    for eui, roles in value.items():
        key = _eui(eui, where, source)
        names = [roles] if isinstance(roles, str) else roles
        if not isinstance(names, list) or not names:
            raise ConfigError(
                f'{where}: {eui} must map to a role or a list of roles, e.g. ["IS", "GS"]',
                source=source,
            )
        out[key] = tuple(_role(n, f"{where} {eui}", source) for n in names)
    return out
