"""EUI-64 identifiers and DUIS RequestIDs as values.

DUIS writes an EUI-64 as eight hex pairs joined by ``-`` in either case; SMKI
certificates carry the same identifier as eight raw bytes. Comparing the two is the
heart of binding a signature to a message, so both forms normalise to one value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["EUI64", "MAX_COUNTER", "RequestID", "parse_decimal"]

#: The largest OriginatorCounter DUIS allows (2**64 - 1).
MAX_COUNTER = 2**64 - 1

_DASHED = re.compile(r"[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){7}")
_COMPACT = re.compile(r"[0-9A-Fa-f]{16}")
_DIGITS = re.compile(r"[0-9]+")  # [0-9] is ASCII only: no Arabic-Indic or superscript digits


def parse_decimal(text: str, *, max_value: int, leading_zeros: bool = True) -> int:
    """Read an unsigned decimal of ASCII digits, at most ``max_value``; ValueError if not.

    The one reader of decimals in hostile input (OriginatorCounter, CommandVariant,
    serial numbers...). Python's ``int()`` and ``str.isdigit()`` accept ``"٨"`` (an
    Arabic-Indic eight), ``"1_0"`` and surrounding whitespace, and ``int()`` fails on
    ``"²"`` (which ``isdigit()`` accepts) or on more than 4,300 digits; none of these
    is a decimal to an XSD, so none is one here. The length is checked before any
    conversion, so a megabyte of digits costs nothing.
    """
    if not _DIGITS.fullmatch(text):
        raise ValueError(f"not a decimal of ASCII digits: {text[:40]!r}")
    if not leading_zeros and len(text) > 1 and text[0] == "0":
        raise ValueError(f"decimal with a leading zero: {text[:40]!r}")
    significant = text.lstrip("0") or "0"
    if len(significant) > len(str(max_value)) or int(significant) > max_value:
        raise ValueError(f"decimal out of range 0..{max_value}: {text[:40]!r}")
    return int(significant)


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
        t = text.strip(" \t\r\n")  # XML whitespace only, as the XSD collapses it
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
        parts = text.strip(" \t\r\n").split(":")
        if len(parts) != 3:
            raise ValueError(
                f"not a RequestID: {text!r} (expected originator:target:counter, "
                "e.g. 90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A2:1002)"
            )
        try:
            counter = parse_decimal(parts[2], max_value=MAX_COUNTER, leading_zeros=False)
        except ValueError as exc:
            raise ValueError(
                f"not an OriginatorCounter: {parts[2][:40]!r} ({exc}; decimal 0..{MAX_COUNTER}, "
                "no leading zeros)"
            ) from None
        return cls(EUI64.parse(parts[0]), EUI64.parse(parts[1]), counter)

    def with_counter(self, counter: int) -> RequestID:
        return RequestID(self.originator, self.target, counter)

    def __str__(self) -> str:
        return f"{self.originator}:{self.target}:{self.counter}"
