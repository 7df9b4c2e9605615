"""Read the grouping header of a GBCS message into a typed, frozen value.

Two forms reach a DUIS user, and the DCC's RTDS holds only these two:

* a **general-signing** message (tag ``DF``): what a ``PreCommand`` carries (without a
  signature) and what the User signs;
* the same message inside a **MAC header** (tag ``DD``, six zero-length fields, a
  length, security control ``11``, a 4-byte invocation counter, the general-signing
  message, a 12-byte MAC): what a command, response or alert looks like on the wire.

General-signing layout (GBCS; checked on every RTDS file)::

    DF
    09  CRA-flag(1)  originator-counter(8, big-endian)     transaction id
    08  business originator EUI-64(8)
    08  business target EUI-64(8)
    00 | 0C date-time(12, DLMS)
    L   message-code(2) [extras(L-2)]                     other-information
    BER content-length  payload
    [BER signature-length signature]  (40 r||s, 64 bytes; absent when the message
                                       is not signed: a Pre-Command, most responses)

Lengths are BER: one byte below 0x80, else ``81 nn`` or ``82 nnnn``. The signed bytes
run from just after ``DF`` to the end of the payload. Every read is bounds-checked and
the reader only walks forward, so time is linear in the input and nothing is read past
its end: a fault is a :class:`GBCSFormatError` with the byte offset.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from duis.ids import EUI64
from mmc.gbcs._codes import MessageCode, message_code
from mmc.gbcs._errors import GBCSFormatError

__all__ = ["CRAFlag", "GBCSMessage", "MessageKind", "read_message"]

GENERAL_SIGNING_TAG = 0xDF
MAC_HEADER_TAG = 0xDD
_SECURITY_CONTROL = 0x11
_MAC_LENGTH = 12
_DATE_TIME_LENGTH = 12
SIGNATURE_LENGTH = 64


class MessageKind(str, enum.Enum):
    """Which grouping header the bytes start with."""

    GENERAL_SIGNING = "general-signing"
    MAC_HEADER = "mac-header"

    def __str__(self) -> str:
        return self.value


class CRAFlag(enum.IntEnum):
    """The first byte of the transaction id: command, response or alert."""

    COMMAND = 1
    RESPONSE = 2
    ALERT = 3

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class GBCSMessage:
    """One GBCS message's header, body and trailer, with offsets into ``raw``.

    ``signature`` is empty for an unsigned message, such as a Pre-Command (which in
    the RTDS ends after its payload: ``has_signature_field`` false; an empty field
    ``00`` is read too), and 64 bytes (r || s) for a signed one. ``mac`` and
    ``invocation_counter`` are set only for the MAC-header form. ``signing_start`` and
    ``signing_end`` bound the general-signing message inside ``raw`` (from its ``DF``
    to its last byte) and ``signature_field`` is where the signature field starts (or
    would start: the end of the payload).
    """

    raw: bytes
    kind: MessageKind
    cra_flag: CRAFlag
    counter: int
    originator: EUI64
    target: EUI64
    date_time: bytes | None
    message_code: MessageCode
    other_information: bytes
    payload: bytes
    signature: bytes
    mac: bytes | None
    invocation_counter: int | None
    signing_start: int
    signature_field: int
    signing_end: int
    has_signature_field: bool = True

    @property
    def general_signing(self) -> bytes:
        """The general-signing message alone (``DF`` to the end of its signature)."""
        return self.raw[self.signing_start : self.signing_end]

    @property
    def signed_bytes(self) -> bytes:
        """What the ECDSA signature covers: after ``DF`` up to the signature length."""
        return self.raw[self.signing_start + 1 : self.signature_field]

    @property
    def is_signed(self) -> bool:
        return bool(self.signature)

    @property
    def is_pre_command(self) -> bool:
        """A command without a signature, as the DCC returns it in a ``PreCommand``.

        Every RTDS Pre-Command simply ends after its payload (no signature field); an
        empty field (``00``) is accepted too.
        """
        return self.cra_flag is CRAFlag.COMMAND and not self.signature

    def describe(self) -> str:
        """One line for people: kind, use case, counter, originator -> target."""
        sig = f"signature {len(self.signature)} bytes" if self.signature else "unsigned"
        return (
            f"{self.kind} {self.cra_flag} {self.message_code} counter {self.counter} "
            f"{self.originator} -> {self.target}, payload {len(self.payload)} bytes, {sig}"
        )


class _Cursor:
    """Bounds-checked forward reading over ``data[pos:end]``."""

    def __init__(self, data: bytes, pos: int, end: int, source: str | None) -> None:
        self.data, self.pos, self.end, self.source = data, pos, end, source

    def fail(self, message: str, at: int | None = None) -> GBCSFormatError:
        return GBCSFormatError(message, offset=self.pos if at is None else at, source=self.source)

    def take(self, n: int, what: str) -> bytes:
        if n > self.end - self.pos:
            raise self.fail(f"truncated {what}: needs {n} bytes, {self.end - self.pos} left")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def byte(self, what: str) -> int:
        pos = self.pos
        if pos >= self.end:
            raise self.fail(f"truncated {what}: needs 1 bytes, 0 left")
        self.pos = pos + 1
        return self.data[pos]

    def expect(self, value: int, what: str) -> None:
        at = self.pos
        got = self.byte(what)
        if got != value:
            raise self.fail(f"{what}: expected 0x{value:02X}, found 0x{got:02X}", at)

    def length(self, what: str) -> int:
        at = self.pos
        first = self.byte(f"{what} length")
        if first < 0x80:
            return first
        if first == 0x81:
            n = self.byte(f"{what} length")
            if n < 0x80:
                raise self.fail(f"{what} length: 81 {n:02X} is not the shortest BER form", at)
            return n
        if first == 0x82:
            n = int.from_bytes(self.take(2, f"{what} length"), "big")
            if n < 0x100:
                raise self.fail(f"{what} length: 82 {n:04X} is not the shortest BER form", at)
            return n
        raise self.fail(f"{what} length: 0x{first:02X} is not a BER length GBCS uses", at)


def read_message(data: bytes, *, source: str | None = None) -> GBCSMessage:
    """Read one GBCS message (general-signing or MAC-header form) from ``data``.

    Raises :class:`GBCSFormatError` (with the byte offset) for anything truncated,
    malformed or followed by extra bytes.
    """
    data = bytes(data)
    cur = _Cursor(data, 0, len(data), source)
    tag = cur.byte("grouping header tag")
    if tag == GENERAL_SIGNING_TAG:
        return _general_signing(cur, 0, MessageKind.GENERAL_SIGNING, None, None)
    if tag != MAC_HEADER_TAG:
        raise cur.fail(
            f"grouping header tag 0x{tag:02X}: expected DF (general signing) or DD (MAC header)",
            0,
        )
    for _ in range(6):
        cur.expect(0x00, "MAC header field (zero length)")
    size = cur.length("MAC header")
    if size != cur.end - cur.pos:
        raise cur.fail(f"MAC header length {size} but {cur.end - cur.pos} bytes follow")
    cur.expect(_SECURITY_CONTROL, "security control")
    ic = int.from_bytes(cur.take(4, "invocation counter"), "big")
    if cur.end - cur.pos < _MAC_LENGTH:
        raise cur.fail("truncated MAC header: no room for the 12-byte MAC")
    mac = data[cur.end - _MAC_LENGTH :]
    inner = _Cursor(data, cur.pos, cur.end - _MAC_LENGTH, source)
    start = inner.pos
    inner.expect(GENERAL_SIGNING_TAG, "protected message tag (general signing)")
    return _general_signing(inner, start, MessageKind.MAC_HEADER, mac, ic)


def _general_signing(
    cur: _Cursor, start: int, kind: MessageKind, mac: bytes | None, ic: int | None
) -> GBCSMessage:
    d, p = cur.data, cur.pos
    if (
        cur.end - p >= 28
        and d[p] == 0x09
        and d[p + 1] in (1, 2, 3)
        and d[p + 10] == 0x08
        and (d[p + 19] == 0x08)
    ):
        # The fixed 28 bytes are well formed: slice them at once (the common case).
        cra = d[p + 1]
        counter = int.from_bytes(d[p + 2 : p + 10], "big")
        originator = EUI64(int.from_bytes(d[p + 11 : p + 19], "big"))
        target = EUI64(int.from_bytes(d[p + 20 : p + 28], "big"))
        cur.pos = p + 28
    else:  # read field by field to say where and why it is wrong
        cur.expect(0x09, "transaction id length")
        at = cur.pos
        cra = cur.byte("CRA flag")
        if cra not in (1, 2, 3):
            raise cur.fail(f"CRA flag {cra}: expected 1 (command), 2 (response) or 3 (alert)", at)
        counter = int.from_bytes(cur.take(8, "originator counter"), "big")
        cur.expect(0x08, "business originator length")
        originator = EUI64.from_bytes(cur.take(8, "business originator"))
        cur.expect(0x08, "business target length")
        target = EUI64.from_bytes(cur.take(8, "business target"))
    at = cur.pos
    dt_len = cur.byte("date-time length")
    if dt_len not in (0, _DATE_TIME_LENGTH):
        raise cur.fail(f"date-time length {dt_len}: expected 0 or 12", at)
    date_time = cur.take(dt_len, "date-time") if dt_len else None
    at = cur.pos
    other = cur.take(cur.length("other-information"), "other-information")
    if len(other) < 2:
        raise cur.fail("other-information shorter than its 2-byte message code", at)
    payload = cur.take(cur.length("content"), "content")
    sig_field = cur.pos
    has_field = cur.pos != cur.end
    signature = b""
    if has_field:
        sig_len = cur.length("signature")
        if sig_len not in (0, SIGNATURE_LENGTH):
            raise cur.fail(f"signature length {sig_len}: expected 0 or 64", sig_field)
        signature = cur.take(sig_len, "signature")
    if cur.pos != cur.end:
        raise cur.fail(f"{cur.end - cur.pos} unexpected bytes after the signature")
    return GBCSMessage(
        raw=cur.data,
        kind=kind,
        cra_flag=CRAFlag(cra),
        counter=counter,
        originator=originator,
        target=target,
        date_time=date_time,
        message_code=message_code(int.from_bytes(other[:2], "big")),
        other_information=other,
        payload=payload,
        signature=signature,
        mac=mac,
        invocation_counter=ic,
        signing_start=start,
        signature_field=sig_field,
        has_signature_field=has_field,
        signing_end=cur.pos,
    )
