"""How bad a finding is: its own module so the rule table and reports share it without a cycle."""

from __future__ import annotations

import enum

__all__ = ["Severity"]


class Severity(str, enum.Enum):
    """How bad a finding is; only ``error`` makes a document invalid."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    def __str__(self) -> str:
        return self.value
