"""The one settings object: what every command and the API read.

One frozen :class:`Config` serves ``duis.validate``, ``signing.sign``/``verify``,
``duis inspect``, ``duis schemas`` and the CLI; settings files (``[tool.duis]`` in
``pyproject.toml`` or ``duis.toml``), the environment and command-line options all
end up here (:func:`duis.configfile.load_settings`). It extends the original
validation settings rather than wrapping them in a second object, so there is one
place each setting is named, checked and defaulted: a ``Settings`` holding a
``Config`` would have given two objects to pass and two places for ``schema_dirs``.

Every field is checked and converted when the object is made: ``Config(role="IS")``
holds :attr:`UserRole.IS <duis.UserRole.IS>`, ``Config(role="XX")`` or
``Config(ignore=("xsdd",))`` raise :class:`~duis.ConfigError`; nothing is silently off.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

from duis._exceptions import ConfigError
from duis._ruletable import check_patterns, matches
from duis.catalogue import UserRole
from duis.ids import EUI64
from duis.report import Message, Severity
from duis.schemas import SchemaRegistry, registry_for
from duis.xml import DEFAULT_MAX_BYTES

__all__ = [
    "DEFAULT_INSTALL_CODE_LENGTHS",
    "GENERATION_KEYS",
    "Config",
    "DeviceGenerationLookup",
]

#: Install-code lengths in octets (CRC excluded) by device generation. ZigBee defines
#: 6, 8, 12 and 16; the SMETS2+ rule of 16 only is this project's reading of CR 1277.
DEFAULT_INSTALL_CODE_LENGTHS: Mapping[str, tuple[int, ...]] = MappingProxyType(
    {"smets1": (6, 8, 12, 16), "smets2": (16,), "unknown": (6, 8, 12, 16)}
)

#: The keys of the install-code table: a generation, or ``unknown`` when none is given.
GENERATION_KEYS = ("smets1", "smets2", "unknown")

#: Looks a DeviceID up in the user's inventory: 1 for SMETS1, 2 for SMETS2+, None if unknown.
DeviceGenerationLookup = Callable[[EUI64], "int | None"]

_ROLES = ", ".join(r.value for r in UserRole)
_SEVERITIES = ", ".join(s.value for s in Severity)


@dataclass(frozen=True)
class Config:
    """Every setting of a run: what validate checks, how findings are graded, where
    schemas, certificates and counters are.

    Fields accept the forms a user writes (strings for roles, EUIs, severities and
    paths; lists for tuples) and hold the converted values.
    """

    #: Folders of DCC's official XSD bundles; empty: the embedded schemas (plus
    #: ``$DUIS_SCHEMA_DIR``).
    schema_dirs: tuple[Path, ...] = ()
    #: The sender's User Role for every request (``--role``).
    role: UserRole | None = None
    #: The DCC's EUI-64: target of non-device requests, signer of responses.
    dcc_eui: EUI64 | None = None
    #: The device generation for install-code lengths: 1 (SMETS1) or 2 (SMETS2+).
    smets: int | None = None
    device_generation: DeviceGenerationLookup | None = None
    install_code_lengths: Mapping[str, tuple[int, ...]] = field(
        default_factory=lambda: DEFAULT_INSTALL_CODE_LENGTHS
    )
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    #: Roles of each originator EUI (``[tool.duis.originators]``): one repository of
    #: requests often holds several Users' requests, so one ``role`` is not enough.
    originators: Mapping[EUI64, tuple[UserRole, ...]] = field(default_factory=dict)
    #: The keystore folder (certificates and keys) for sign and verify.
    keystore: Path | None = None
    #: The originator-counter store; None: signing's default (``$DUIS_COUNTER_DB`` or
    #: the per-user data folder).
    #: A ``postgresql://`` URL stays a string (a Path would fold its ``//``).
    counter_db: Path | str | None = None
    #: Documents larger than this many bytes are refused (``xml.too-large``).
    max_bytes: int = DEFAULT_MAX_BYTES
    #: Where the settings came from (a file), for messages; None when built in code.
    source: str | None = None

    def __post_init__(self) -> None:
        src = self.source if self.source is not None else "Config"
        converted: dict[str, Any] = {
            "schema_dirs": to_paths(self.schema_dirs, "schema_dirs", src),
            "role": None if self.role is None else to_role(self.role, "role", src),
            "dcc_eui": None if self.dcc_eui is None else to_eui(self.dcc_eui, "dcc_eui", src),
            "smets": None if self.smets is None else to_smets(self.smets, "smets", src),
            "install_code_lengths": to_lengths(
                self.install_code_lengths, "install_code_lengths", src
            ),
            "select": None
            if self.select is None
            else check_patterns(to_strings(self.select, "select", src), "select", src),
            "ignore": check_patterns(to_strings(self.ignore, "ignore", src), "ignore", src),
            "severity": MappingProxyType(to_severities(self.severity, "severity", src)),
            "originators": MappingProxyType(to_originators(self.originators, "originators", src)),
            "keystore": None if self.keystore is None else to_path(self.keystore, "keystore", src),
            "counter_db": None
            if self.counter_db is None
            else to_counter_location(self.counter_db, "counter_db", src),
            "max_bytes": to_max_bytes(self.max_bytes, "max_bytes", src),
        }
        if self.device_generation is not None and not callable(self.device_generation):
            raise ConfigError(
                "device_generation must be a function EUI64 -> 1, 2 or None", source=src
            )
        for name, value in converted.items():
            object.__setattr__(self, name, value)

    def registry(self) -> SchemaRegistry:
        """The schemas this run is judged by: ``schema_dirs``, else the default registry.

        Registries are cached per folder list, so calling this per message is cheap.
        """
        return registry_for(self.schema_dirs)

    def roles_for(self, originator: EUI64 | None) -> tuple[tuple[UserRole, ...], bool] | None:
        """The sender's roles and whether they came from the originators table.

        The table is specific to one EUI, so it wins over the run-wide ``role``.
        """
        if originator is not None and self.originators:
            roles = self.originators.get(originator)
            if roles:
                return roles, True
        if self.role is not None:
            return (self.role,), False
        return None

    def generation_of(self, device: EUI64 | None) -> tuple[int | None, str]:
        """The device's SMETS generation (1, 2 or None) and how it was learnt.

        The inventory callback knows the device, so it wins over the run-wide
        ``smets``; it may answer None for a device it does not hold.
        """
        if device is not None and self.device_generation is not None:
            found = self.device_generation(device)
            if found is not None:
                return found, "the device inventory"
        if self.smets is not None:
            return self.smets, "the smets setting"
        return None, ""

    def wants(self, rule: str) -> bool:
        """Whether findings of ``rule`` are kept; prefixes select families (``srv``)."""
        if self.select is not None and not any(matches(rule, s) for s in self.select):
            return False
        return not any(matches(rule, i) for i in self.ignore)

    def grade(self, message: Message) -> Message | None:
        """The message as the user wants it: dropped, kept, or re-graded."""
        if not self.wants(message.rule):
            return None
        for key in sorted(self.severity, key=len, reverse=True):
            if matches(message.rule, key):
                sev = self.severity[key]
                if sev is not message.severity:
                    return Message(
                        sev, message.rule, message.text, message.line, message.path, message.column
                    )
                break
        return message

    @property
    def filters(self) -> bool:
        """True when grading can change anything (lets the hot path skip it)."""
        return self.select is not None or bool(self.ignore) or bool(self.severity)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The settings' names in Python spelling (files use kebab case)."""
        return tuple(f.name for f in fields(cls))


# -- converters: shared by Config itself and the settings-file reader, so a value is
# -- checked the same way wherever it comes from; ``where`` names the key or option.


def to_strings(value: object, where: str, source: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable) and not isinstance(value, (bytes, Mapping)):
        items = tuple(value)
        if all(isinstance(v, str) for v in items):
            return items
    raise ConfigError(f'{where} must be a list of strings, e.g. ["srv", "cv"]', source=source)


def to_path(value: object, where: str, source: str) -> Path:
    if isinstance(value, (str, os.PathLike)) and str(value):
        return Path(value)
    raise ConfigError(f"{where} must be a path, not {value!r}", source=source)


#: Schemes that name a PostgreSQL counter store instead of a SQLite file.
COUNTER_URL_SCHEMES = ("postgresql://", "postgres://")


def is_counter_url(location: object) -> bool:
    """Whether ``location`` names a PostgreSQL counter store (``postgresql://...``)."""
    return isinstance(location, str) and location.lower().startswith(COUNTER_URL_SCHEMES)


def to_counter_location(value: object, where: str, source: str) -> Path | str:
    """A counter store: a database URL as given, anything else a path."""
    if is_counter_url(value):
        return str(value)
    return to_path(value, where, source)


def to_paths(value: object, where: str, source: str) -> tuple[Path, ...]:
    if isinstance(value, (str, os.PathLike)):
        return (to_path(value, where, source),)
    if isinstance(value, Iterable) and not isinstance(value, (bytes, Mapping)):
        return tuple(to_path(v, where, source) for v in value)
    raise ConfigError(f"{where} must be a path or a list of paths", source=source)


def to_role(value: object, where: str, source: str) -> UserRole:
    if isinstance(value, UserRole):
        return value
    text = value.strip().upper() if isinstance(value, str) else None
    try:
        return UserRole(text)
    except ValueError:
        raise ConfigError(
            f"{where}: {value!r} is not a User Role; use one of {_ROLES}", source=source
        ) from None


def to_eui(value: object, where: str, source: str) -> EUI64:
    if isinstance(value, EUI64):
        return value
    if not isinstance(value, str):
        raise ConfigError(
            f"{where} must be a string such as 90-B3-D5-1F-30-00-00-02", source=source
        )
    try:
        return EUI64.parse(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}", source=source) from None


def to_smets(value: object, where: str, source: str) -> int:
    if not isinstance(value, bool) and isinstance(value, (int, str)):
        text = str(value).strip().lower().removeprefix("smets").rstrip("+")
        if text in ("1", "2"):
            return int(text)
    raise ConfigError(
        f"{where}: {value!r} is not a SMETS generation; use 1 (SMETS1) or 2 (SMETS2+)",
        source=source,
    )


def to_max_bytes(value: object, where: str, source: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise ConfigError(f"{where} must be a whole number of bytes >= 1, not {value!r}", source=source)


def to_lengths(value: object, where: str, source: str) -> Mapping[str, tuple[int, ...]]:
    if value is DEFAULT_INSTALL_CODE_LENGTHS:
        return DEFAULT_INSTALL_CODE_LENGTHS
    if not isinstance(value, Mapping):
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
            not isinstance(lengths, (list, tuple))
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


def to_severities(value: object, where: str, source: str) -> dict[str, Severity]:
    if not isinstance(value, Mapping):
        raise ConfigError(
            f'{where} must be a table of rule = level, e.g. {{ "eligibility.role" = "warning" }}',
            source=source,
        )
    out: dict[str, Severity] = {}
    for rule_id, level in value.items():
        (pattern,) = check_patterns([str(rule_id)], where, source)
        if isinstance(level, Severity):
            out[pattern] = level
            continue
        try:
            out[pattern] = Severity(str(level).strip().lower())
        except ValueError:
            raise ConfigError(
                f"{where}: {rule_id} = {level!r} is not a severity; use {_SEVERITIES}",
                source=source,
            ) from None
    return out


def to_originators(value: object, where: str, source: str) -> dict[EUI64, tuple[UserRole, ...]]:
    if not isinstance(value, Mapping):
        raise ConfigError(
            f'{where} must be a table of EUI = role(s), e.g. "90-B3-D5-1F-30-01-00-00" = "IS"',
            source=source,
        )
    out: dict[EUI64, tuple[UserRole, ...]] = {}
    for eui, roles in value.items():
        key = to_eui(eui, where, source)
        names = [roles] if isinstance(roles, (str, UserRole)) else roles
        if not isinstance(names, (list, tuple)) or not names:
            raise ConfigError(
                f'{where}: {eui} must map to a role or a list of roles, e.g. ["IS", "GS"]',
                source=source,
            )
        out[key] = tuple(to_role(n, f"{where} {eui}", source) for n in names)
    return out
