"""The typed values a decoded payload is made of (beside int, str, bytes, bool, datetime).

Numbers stay ``int``, times ``datetime`` and text ``str``; these small frozen types
cover what Python has no type for: a named enumeration, a bit string, an encrypted part
not opened, bytes this decoder leaves undecoded, and a tagged ASN.1 value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Union

from mmc.gbcs._datetime import DateTimePattern

__all__ = ["BitString", "Encrypted", "Named", "Opaque", "Record", "Tagged", "Value"]


@dataclass(frozen=True)
class Named:
    """An enumeration value with its name (``None`` when GBCS gives it no name here)."""

    value: int
    name: str | None = None

    def __str__(self) -> str:
        return f"{self.name} ({self.value})" if self.name else str(self.value)


@dataclass(frozen=True)
class BitString:
    """A bit string, most significant bit first (``"0101"``)."""

    bits: str


@dataclass(frozen=True)
class Encrypted:
    """An encrypted part left closed (no keystore): its ciphertext and tag."""

    ciphertext: bytes


@dataclass(frozen=True)
class Opaque:
    """Bytes the decoder does not interpret, with what they are."""

    what: str
    data: bytes


@dataclass(frozen=True)
class Tagged:
    """An ASN.1 context- or application-tagged value."""

    tag: int
    value: Value


@dataclass(frozen=True)
class Record:
    """A named group of fields, e.g. a ZCL attribute or an access-response item."""

    kind: str
    fields: tuple[tuple[str, Value], ...]

    def get(self, name: str) -> Value | None:
        for key, value in self.fields:
            if key == name:
                return value
        return None


Value = Union[  # noqa: UP007 (a recursive alias needs Union and a string forward reference)
    None,
    bool,
    int,
    str,
    bytes,
    datetime,
    DateTimePattern,
    Named,
    BitString,
    Encrypted,
    Opaque,
    Tagged,
    Record,
    tuple["Value", ...],
]
