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

__all__ = ["DEFAULT_INSTALL_CODE_LENGTHS", "Config", "DeviceGenerationLookup"]

#: Install-code lengths in octets (CRC excluded) by device generation. ZigBee defines
#: 6, 8, 12 and 16; the SMETS2+ rule of 16 only is this project's reading of CR 1277.
DEFAULT_INSTALL_CODE_LENGTHS: Mapping[str, tuple[int, ...]] = MappingProxyType(
    {"smets1": (6, 8, 12, 16), "smets2": (16,), "unknown": (6, 8, 12, 16)}
)

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
