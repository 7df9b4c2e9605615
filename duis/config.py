"""Settings that change what ``validate`` checks and how findings are graded.

One frozen :class:`Config` serves the API and the CLI; files (``[tool.duis]`` in
``pyproject.toml`` or ``duis.toml``) and command-line options both end up here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from duis.catalogue import UserRole
from duis.ids import EUI64
from duis.report import Message, Severity

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


@dataclass(frozen=True)
class Config:
    """Everything configurable about a validation run."""

    schema_dirs: tuple[Path, ...] = ()
    role: UserRole | None = None
    dcc_eui: EUI64 | None = None
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
    #: Where the settings came from (a file), for messages; None when built in code.
    source: str | None = None

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
        if self.select is not None and not any(_matches(rule, s) for s in self.select):
            return False
        return not any(_matches(rule, i) for i in self.ignore)

    def grade(self, message: Message) -> Message | None:
        """The message as the user wants it: dropped, kept, or re-graded."""
        if not self.wants(message.rule):
            return None
        for key in sorted(self.severity, key=len, reverse=True):
            if _matches(message.rule, key):
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


def _matches(rule: str, pattern: str) -> bool:
    return rule == pattern or rule.startswith(pattern + ".") or pattern in ("ALL", "*")
