"""EUI-64 identifiers and DUIS RequestIDs as values.

DUIS writes an EUI-64 as eight hex pairs joined by ``-`` in either case; SMKI
certificates carry the same identifier as eight raw bytes. Comparing the two is the
heart of binding a signature to a message, so both forms normalise to one value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["EUI64", "MAX_COUNTER", "RequestID"]

#: The largest OriginatorCounter DUIS allows (2**64 - 1).
MAX_COUNTER = 2**64 - 1

_DASHED = re.compile(r"[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){7}")
_COMPACT = re.compile(r"[0-9A-Fa-f]{16}")
_COUNTER = re.compile(r"0|[1-9][0-9]{0,19}")


@dataclass(frozen=True, order=True)
class EUI64:
    """A 64-bit Extended Unique Identifier; ``str()`` gives the DUIS form."""

    value: int

    def __post_init__(self) -> None:
        if not 0 <= self.value < 2**64:
            raise ValueError(f"EUI-64 out of range: {self.value}")

    @classmethod
    def parse(cls, text: str) -> EUI64:
        """Read ``90-B3-D5-1F-30-01-00-00`` or ``90B3D51F30010000`` (either case)."""
        t = text.strip()
        if _DASHED.fullmatch(t):
            return cls(int(t.replace("-", ""), 16))
        if _COMPACT.fullmatch(t):
            return cls(int(t, 16))
        raise ValueError(
            f"not an EUI-64: {text!r} (expected eight hex pairs such as 90-B3-D5-1F-30-01-00-00)"
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> EUI64:
        if len(data) != 8:
            raise ValueError(f"an EUI-64 is 8 bytes, got {len(data)}")
        return cls(int.from_bytes(data, "big"))

    @property
    def hex(self) -> str:
        """Upper-case compact form, as in DCC's certificate file names."""
        return f"{self.value:016X}"

    def to_bytes(self) -> bytes:
        return self.value.to_bytes(8, "big")

    def __str__(self) -> str:
        h = self.hex
        return "-".join(h[i : i + 2] for i in range(0, 16, 2))


@dataclass(frozen=True)
class RequestID:
    """``BusinessOriginatorID:BusinessTargetID:OriginatorCounter``."""

    originator: EUI64
    target: EUI64
    counter: int

    def __post_init__(self) -> None:
        if not 0 <= self.counter <= MAX_COUNTER:
            raise ValueError(f"OriginatorCounter out of range 0..{MAX_COUNTER}: {self.counter}")

    @classmethod
    def parse(cls, text: str) -> RequestID:
        parts = text.strip().split(":")
        if len(parts) != 3:
            raise ValueError(
                f"not a RequestID: {text!r} (expected originator:target:counter, "
                "e.g. 90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A2:1002)"
            )
        if not _COUNTER.fullmatch(parts[2]):
            raise ValueError(f"not an OriginatorCounter: {parts[2]!r} (decimal, no leading zeros)")
        return cls(EUI64.parse(parts[0]), EUI64.parse(parts[1]), int(parts[2]))

    def with_counter(self, counter: int) -> RequestID:
        return RequestID(self.originator, self.target, counter)

    def __str__(self) -> str:
        return f"{self.originator}:{self.target}:{self.counter}"
