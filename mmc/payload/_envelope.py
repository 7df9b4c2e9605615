"""The GBCS grouping header around a payload: who, when, which use case, and the seal.

A device's response arrives either general-ciphered (``DD``: a 5-byte security header,
a general-signing style grouping header with the payload, and a 12-byte AES-GCM MAC) or
general-signed (``DF``: the grouping header, the payload and an ECDSA P-256 signature);
alerts are usually the latter. This module reads only what decoding and authentication
need; it keeps every offset so the MAC's authenticated data and the signed bytes are
exact slices of the input.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from mmc.payload._dlmsdate import read_date_time
from mmc.payload._reader import Reader

__all__ = ["CRA", "Envelope", "read_envelope"]

#: General-ciphering tag and general-signing tag (DLMS APDU tags used by GBCS).
GENERAL_CIPHERING = 0xDD
GENERAL_SIGNING = 0xDF
MAC_LENGTH = 12
#: Hard limit on a GBCS message: GBCS messages are far below this; anything larger is
#: refused before any work so memory and time stay bounded.
MAX_MESSAGE = 1 << 20


class CRA(enum.IntEnum):
    """The CRA flag: what kind of message this is (it also selects the MAC key)."""

    COMMAND = 1
    RESPONSE = 2
    ALERT = 3


@dataclass(frozen=True)
class Envelope:
    """A GBCS message's grouping header, payload and seal, with offsets into the bytes."""

    raw: bytes
    kind: str  # "general-ciphering" or "general-signing"
    cra: CRA
    counter: int
    originator: bytes
    recipient: bytes
    date_time: datetime | None
    message_code: int
    supplementary_remote_party: bytes | None
    supplementary_originator_counter: bytes | None
    payload_start: int
    payload_end: int
    #: Bytes covered by the ECDSA signature (after the DF tag up to the payload's end).
    signed_range: tuple[int, int]
    signature: bytes | None
    signature_offset: int | None
    #: For general ciphering: security header, additional authenticated data range, MAC.
    security_control: int | None = None
    mac_range: tuple[int, int] | None = None
    mac: bytes | None = None
    mac_offset: int | None = None

    @property
    def payload(self) -> bytes:
        return self.raw[self.payload_start : self.payload_end]

    @property
    def counter_bytes(self) -> bytes:
        return self.counter.to_bytes(8, "big")


def read_envelope(data: bytes) -> Envelope:
    """Read the grouping header of a GBCS message (``DD`` or ``DF``)."""
    reader = Reader(data)
    if len(data) > MAX_MESSAGE:
        raise reader.fail(f"message of {len(data)} bytes exceeds the {MAX_MESSAGE}-byte limit")
    tag = reader.byte("APDU tag")
    if tag == GENERAL_SIGNING:
        return _signing(data, reader, reader.end, kind="general-signing")
    if tag != GENERAL_CIPHERING:
        raise reader.fail(
            f"not a GBCS message: tag 0x{tag:02X} is neither general-ciphering (DD) "
            "nor general-signing (DF)",
            0,
        )
    fixed = reader.take(6, "general-ciphering header")
    if fixed != bytes(6):
        raise reader.fail(
            "general-ciphering header: transaction-id, system titles, date-time, "
            "other-information and key-info must be empty in GBCS (general block "
            "transfer is not supported)",
            1,
        )
    length = reader.length("ciphered content length")
    content = reader.sub(length, "ciphered content")
    if not reader.at_end():
        raise reader.fail("bytes after the ciphered content")
    if length < 5 + MAC_LENGTH + 1:
        raise content.fail("ciphered content too short for security header and MAC")
    security_control = content.byte("security control")
    content.take(4, "invocation counter")
    inner_start = content.pos
    mac_offset = content.end - MAC_LENGTH
    if content.peek() != GENERAL_SIGNING:
        raise content.fail("general-ciphering content is not a general-signing grouping header")
    content.byte()
    env = _signing(data, content, mac_offset, kind="general-ciphering")
    return Envelope(
        **{
            **env.__dict__,
            "security_control": security_control,
            "mac_range": (inner_start, mac_offset),
            "mac": data[mac_offset : content.end],
            "mac_offset": mac_offset,
        }
    )


def _signing(data: bytes, outer: Reader, end: int, *, kind: str) -> Envelope:
    reader = Reader(data, outer.pos, end)
    signed_start = reader.pos
    if reader.byte("transaction-id length") != 9:
        raise reader.fail("transaction-id must be 9 bytes (CRA flag and counter)", reader.pos - 1)
    flag_at = reader.pos
    flag = reader.byte("CRA flag")
    if flag not in (1, 2, 3):
        raise reader.fail(f"CRA flag {flag} is not 1, 2 or 3", flag_at)
    counter = reader.uint(8, "originator counter")
    originator = _title(reader, "originator system title")
    recipient = _title(reader, "recipient system title")
    date_time = _date_time(reader)
    other = reader.sub(reader.length("other-information length"), "other-information")
    if other.remaining not in (2, 10, 18, 26) and other.remaining <= 26:
        raise other.fail(f"other-information of {other.remaining} bytes")
    message_code = other.uint(2, "message code")
    remote_party = other.take(8) if other.remaining >= 8 else None
    originator_counter = None
    if other.remaining >= 8:
        other.take(8, "supplementary remote party counter")
        if other.remaining == 8:
            originator_counter = other.take(8)
    content_length = reader.length("content length")
    payload_start = reader.pos
    reader.take(content_length, "content")
    payload_end = reader.pos
    signature = None
    signature_offset = None
    if not reader.at_end():
        signature_offset = reader.pos
        size = reader.length("signature length")
        if size:
            if size != 64:
                raise reader.fail(f"signature of {size} bytes; GBCS signatures are 64")
            signature = reader.take(size, "signature")
    if not reader.at_end():
        raise reader.fail("bytes after the signature")
    return Envelope(
        raw=data,
        kind=kind,
        cra=CRA(flag),
        counter=counter,
        originator=originator,
        recipient=recipient,
        date_time=date_time,
        message_code=message_code,
        supplementary_remote_party=remote_party,
        supplementary_originator_counter=originator_counter,
        payload_start=payload_start,
        payload_end=payload_end,
        signed_range=(signed_start, payload_end),
        signature=signature,
        signature_offset=signature_offset,
    )


def _title(reader: Reader, what: str) -> bytes:
    if reader.byte(what) != 8:
        raise reader.fail(f"{what} must be 8 bytes", reader.pos - 1)
    return reader.take(8, what)


def _date_time(reader: Reader) -> datetime | None:
    size = reader.byte("date-time length")
    if size == 0:
        return None
    if size != 12:
        raise reader.fail(f"date-time must be 0 or 12 bytes, not {size}", reader.pos - 1)
    value = read_date_time(reader)
    return value if isinstance(value, datetime) else None
