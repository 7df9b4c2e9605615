"""The one GBCS grouping-header reader: who, when, which use case, and the seal.

Every GBCS message this library reads goes through :func:`read_envelope`: the decoder
(``mmc.payload``), the Pre-Command signer and checks (``signing``), ``duis decode``,
``duis inspect`` and ``duis precommand``. Three forms reach a DUIS user:

* **general-signing** (``DF``): the grouping header, the payload and, when signed, an
  ECDSA P-256 signature; what a ``PreCommand`` carries (unsigned) and most alerts;
* **general-ciphering**, GBCS's "MAC header" (``DD 00``): six zero-length fields, a
  length, security control ``11``, a 4-byte invocation counter, a general-signing
  message and a 12-byte AES-GCM MAC; what commands and most responses look like;
* **General Block Transfer** (``DD 09``, DLMS GBT): a long message cut into blocks, each
  behind a Message Routing Header (see :mod:`mmc.gbcs._gbt`); a one-block transfer is
  read in place, a longer one is put together by :func:`~mmc.gbcs.reassemble_blocks`.

General-signing layout (GBCS; checked on every RTDS file)::

    DF
    09  CRA-flag(1)  originator-counter(8, big-endian)     transaction id
    08  business originator EUI-64(8)
    08  business target EUI-64(8)
    00 | 0C date-time(12, COSEM)
    L   message-code(2) [supplementary remote party(8) [its counter(8)
        [supplementary originator counter(8) | its KA certificate]]]   other-information
    BER content-length  payload
    [BER signature-length signature]   (40 r||s; absent or 00 when not signed)

Header lengths are BER in their shortest form. Every offset is kept, so the MAC's
authenticated data and the signed bytes are exact slices of the input. Every read is
bounds-checked and the walk only goes forward, so time is linear in the input: a fault
is a :class:`~mmc.gbcs.GBCSFormatError` with the byte offset.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from mmc.gbcs._cursor import Reader
from mmc.gbcs._datetime import read_date_time

__all__ = ["CRA", "MAX_MESSAGE", "Envelope", "MessageKind", "read_envelope"]

#: General-ciphering tag and general-signing tag (DLMS APDU tags used by GBCS).
GENERAL_CIPHERING = 0xDD
GENERAL_SIGNING = 0xDF
#: The one security control byte GBCS's MAC header carries (authenticated, key set 1).
SECURITY_CONTROL = 0x11
MAC_LENGTH = 12
SIGNATURE_LENGTH = 64
_DATE_TIME_LENGTH = 12
#: Hard limit on a GBCS message: GBCS messages are far below this; anything larger is
#: refused before any work so memory and time stay bounded.
MAX_MESSAGE = 1 << 20
#: Other-information lengths GBCS defines: the code, then 8-byte supplementary fields.
_OTHER_INFORMATION = (2, 10, 18, 26)


class CRA(enum.IntEnum):
    """The CRA flag, the transaction id's first byte: command, response or alert.

    It also selects the MAC key (the KDF's "use"). ``mmc.gbcs.CRAFlag`` is this enum.
    """

    COMMAND = 1
    RESPONSE = 2
    ALERT = 3

    def __str__(self) -> str:
        return self.name.lower()


class MessageKind(str, enum.Enum):
    """Which grouping header the message has: general signing, or GBCS's MAC header.

    The MAC header is DLMS general-ciphering, which is what its value says (and what
    ``duis decode`` shows as the frame); ``GENERAL_CIPHERING`` is the same member.
    """

    GENERAL_SIGNING = "general-signing"
    MAC_HEADER = "general-ciphering"
    GENERAL_CIPHERING = "general-ciphering"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Envelope:
    """A GBCS message's grouping header, payload and seal, with offsets into ``raw``."""

    raw: bytes
    kind: MessageKind
    cra: CRA
    counter: int
    originator: bytes
    recipient: bytes
    #: The header's date-time when it is a concrete time (None when absent or a pattern).
    date_time: datetime | None
    message_code: int
    supplementary_remote_party: bytes | None
    supplementary_originator_counter: bytes | None
    payload_start: int
    payload_end: int
    #: Bytes covered by the ECDSA signature (after the DF tag up to the payload's end).
    signed_range: tuple[int, int]
    #: The signature (64 bytes r || s), None when the field is absent or empty (``00``).
    signature: bytes | None
    #: Where the signature field starts; None when the message ends after its payload.
    signature_offset: int | None
    #: For general ciphering: security header, additional authenticated data range, MAC.
    security_control: int | None = None
    mac_range: tuple[int, int] | None = None
    mac: bytes | None = None
    mac_offset: int | None = None
    #: The MAC header's invocation counter (general ciphering only).
    invocation_counter: int | None = None
    #: The header's 12 date-time bytes as sent (None when the field is empty).
    date_time_raw: bytes | None = None
    #: The whole other-information field (message code first).
    other_information: bytes = b""
    #: One past the general-signing message's last byte (its signature, or its payload).
    signing_end: int = 0

    @property
    def payload(self) -> bytes:
        return self.raw[self.payload_start : self.payload_end]

    @property
    def counter_bytes(self) -> bytes:
        return self.counter.to_bytes(8, "big")

    @property
    def signing_start(self) -> int:
        """Where the general-signing message starts (its ``DF`` tag)."""
        return self.signed_range[0] - 1


def read_envelope(data: bytes) -> Envelope:
    """Read the grouping header of a GBCS message (``DF``, ``DD 00`` or one GBT block).

    Raises :class:`~mmc.gbcs.GBCSFormatError` (with the byte offset) for anything
    truncated, malformed or followed by extra bytes, and for one block of a longer
    General Block Transfer (the message needs all its blocks).
    """
    data = bytes(data)
    reader = Reader(data)
    if len(data) > MAX_MESSAGE:
        raise reader.fail(f"message of {len(data)} bytes exceeds the {MAX_MESSAGE}-byte limit")
    return _read(reader)


def _read(reader: Reader, *, in_block: bool = False) -> Envelope:
    data = reader.data
    start = reader.pos
    tag = reader.byte("grouping header tag")
    if tag == GENERAL_SIGNING:
        return _signing(data, reader, reader.end, kind=MessageKind.GENERAL_SIGNING)
    if tag != GENERAL_CIPHERING:
        raise reader.fail(
            f"grouping header tag 0x{tag:02X}: not a GBCS message (expected DF for "
            "general signing or DD for general ciphering)",
            start,
        )
    if not reader.at_end() and reader.peek() != 0x00:
        if in_block:  # a block carries a message, never another block (bounded depth)
            raise reader.fail("a General Block Transfer block inside a block", start)
        from mmc.gbcs._gbt import read_block  # the GBT reader builds on this module

        block = read_block(data, start=start, end=reader.end)
        if not (block.number == 1 and block.last):
            raise reader.fail(
                f"General Block Transfer block {block.number}"
                f"{' (the last)' if block.last else ''} of a longer message: "
                "pass all its blocks to reassemble_blocks (mmc.gbcs) or decode_blocks "
                "(mmc.payload)",
                start + 1,
            )
        return _read(Reader(data, block.data_start, block.data_end), in_block=True)
    for _ in range(6):
        at = reader.pos
        if reader.byte("MAC header field (zero length)") != 0x00:
            raise reader.fail(
                "MAC header: transaction-id, system titles, date-time, other-information "
                "and key-info must be empty (00) in GBCS",
                at,
            )
    length = reader.length("MAC header", shortest=True)
    if length != reader.remaining:
        raise reader.fail(f"MAC header length {length} but {reader.remaining} bytes follow")
    content = reader.sub(length, "ciphered content")
    at = content.pos
    if content.byte("security control") != SECURITY_CONTROL:
        raise content.fail(f"security control 0x{data[at]:02X}: GBCS's MAC header uses 0x11", at)
    invocation_counter = content.uint(4, "invocation counter")
    inner_start = content.pos
    if content.remaining < MAC_LENGTH + 1:
        raise content.fail("truncated MAC header: no room for a message and the 12-byte MAC")
    mac_offset = content.end - MAC_LENGTH
    if content.peek() != GENERAL_SIGNING:
        raise content.fail(
            f"protected message tag 0x{content.peek():02X}: expected DF (general signing)"
        )
    content.byte()
    return _signing(
        data,
        content,
        mac_offset,
        kind=MessageKind.GENERAL_CIPHERING,
        seal=(inner_start, mac_offset, content.end, invocation_counter),
    )


def _signing(
    data: bytes,
    outer: Reader,
    end: int,
    *,
    kind: MessageKind,
    seal: tuple[int, int, int, int] | None = None,
) -> Envelope:
    """The general-signing message in ``data[outer.pos:end]``; ``seal`` is the MAC
    header's (protected start, MAC offset, MAC end, invocation counter), if any."""
    reader = Reader(data, outer.pos, end)
    signed_start = reader.pos
    flag, counter, originator, recipient = read_parties(reader)
    date_time_raw, date_time = _date_time(reader)
    other_at = reader.pos
    other = reader.sub(reader.length("other-information", shortest=True), "other-information")
    other_information = data[other.pos : other.end]
    if other.remaining not in _OTHER_INFORMATION and other.remaining <= 26:
        raise other.fail(
            f"other-information of {other.remaining} bytes: GBCS gives 2 (message code), "
            "10, 18 or 26 (with supplementary fields)",
            other_at,
        )
    message_code = other.uint(2, "message code")
    remote_party = other.take(8) if other.remaining >= 8 else None
    originator_counter = None
    if other.remaining >= 8:
        other.take(8, "supplementary remote party counter")
        if other.remaining == 8:
            originator_counter = other.take(8)
    content_length = reader.length("content", shortest=True)
    payload_start = reader.pos
    reader.skip(content_length, "content")
    payload_end = reader.pos
    signature = None
    signature_offset = None
    if not reader.at_end():
        signature_offset = reader.pos
        size = reader.length("signature", shortest=True)
        if size:
            if size != SIGNATURE_LENGTH:
                raise reader.fail(
                    f"signature length {size}: GBCS signatures are 64 bytes", signature_offset
                )
            signature = reader.take(size, "signature")
    if not reader.at_end():
        raise reader.fail(f"{reader.remaining} unexpected bytes after the signature")
    mac_range = mac = mac_offset = invocation_counter = None
    if seal is not None:
        inner_start, mac_at, mac_end, invocation_counter = seal
        mac_range, mac, mac_offset = (inner_start, mac_at), data[mac_at:mac_end], mac_at
    return Envelope(
        raw=data,
        kind=kind,
        cra=flag,
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
        date_time_raw=date_time_raw,
        other_information=other_information,
        signing_end=reader.pos,
        security_control=None if seal is None else SECURITY_CONTROL,
        mac_range=mac_range,
        mac=mac,
        mac_offset=mac_offset,
        invocation_counter=invocation_counter,
    )


_CRA_OF = {int(c): c for c in CRA}


def read_parties(reader: Reader) -> tuple[CRA, int, bytes, bytes]:
    """The transaction id (CRA flag, counter) and the two system titles, as GBCS lays
    them out in a grouping header and in a GBT Message Routing Header alike."""
    d, p = reader.data, reader.pos
    if (
        reader.end - p >= 28
        and d[p] == 9
        and d[p + 1] in _CRA_OF
        and d[p + 10] == 8
        and d[p + 19] == 8
    ):
        # The fixed 28 bytes are well formed: slice them at once (the common case).
        reader.pos = p + 28
        counter = int.from_bytes(d[p + 2 : p + 10], "big")
        return _CRA_OF[d[p + 1]], counter, d[p + 11 : p + 19], d[p + 20 : p + 28]
    # read field by field to say where and why it is wrong
    if reader.byte("transaction-id length") != 9:
        raise reader.fail("transaction-id must be 9 bytes (CRA flag and counter)", reader.pos - 1)
    flag_at = reader.pos
    flag = reader.byte("CRA flag")
    if flag not in (1, 2, 3):
        raise reader.fail(
            f"CRA flag {flag}: expected 1 (command), 2 (response) or 3 (alert)", flag_at
        )
    counter = reader.uint(8, "originator counter")
    originator = _title(reader, "business originator")
    recipient = _title(reader, "business target")
    return _CRA_OF[flag], counter, originator, recipient


def _title(reader: Reader, what: str) -> bytes:
    if reader.byte(f"{what} length") != 8:
        raise reader.fail(f"{what} must be 8 bytes (an EUI-64)", reader.pos - 1)
    return reader.take(8, what)


def _date_time(reader: Reader) -> tuple[bytes | None, datetime | None]:
    size = reader.byte("date-time length")
    if size == 0:
        return None, None
    if size != _DATE_TIME_LENGTH:
        raise reader.fail(f"date-time length {size}: expected 0 or 12", reader.pos - 1)
    raw = reader.data[reader.pos : reader.pos + _DATE_TIME_LENGTH]
    value = read_date_time(reader)
    return raw, value if isinstance(value, datetime) else None
