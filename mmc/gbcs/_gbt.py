"""General Block Transfer: a long GBCS message sent as numbered blocks (DLMS GBT).

An ESME whose response is too long for one transfer cuts the whole GBCS message (its
general-ciphering or general-signing APDU, MAC or signature included) into blocks.
Each block travels behind a *Message Routing Header* (GBCS; laid out as public GBCS
parsers read it), which is a general-ciphering header whose fields are filled in::

    DD
    09  CRA-flag(1) originator-counter(8)          transaction id
    08  originator system title(8)
    08  recipient system title(8)
    00                                             date-time (none)
    L   message-code(2) [...]                      other-information
    00                                             key-info (none)
    BER length  security header(5)  GBT APDU       ciphered content

and the GBT APDU is DLMS's: tag ``E0``, block-control (bit 7 last block, bit 6
streaming, bits 0-5 window), block-number (2), block-number-ack (2), block-data
(A-XDR length and bytes). Blocks are numbered from 1; the data of blocks 1..n, in
order, is the original message, whose own MAC or signature authenticates it: the
routing header is not protected, so nothing in it is trusted beyond routing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mmc.gbcs._cursor import Reader
from mmc.gbcs._envelope import CRA, MAX_MESSAGE, Envelope, read_envelope, read_parties
from mmc.gbcs._errors import GBCSFormatError

__all__ = ["GBT_TAG", "GBTBlock", "read_block", "read_blocks", "reassemble_blocks"]

GBT_TAG = 0xE0
_SECURITY_HEADER = 5
_LAST = 0x80
_STREAMING = 0x40
_WINDOW = 0x3F


@dataclass(frozen=True)
class GBTBlock:
    """One block of a General Block Transfer, with its routing header's fields."""

    raw: bytes
    cra: CRA
    counter: int
    originator: bytes
    recipient: bytes
    message_code: int
    security_header: bytes
    last: bool
    streaming: bool
    window: int
    number: int
    ack: int
    data_start: int
    data_end: int
    #: Where the block-number field is in ``raw`` (errors about the number point here).
    number_offset: int = 0

    @property
    def data(self) -> bytes:
        """This block's part of the original message."""
        return self.raw[self.data_start : self.data_end]

    @property
    def transfer(self) -> tuple[CRA, int, bytes, bytes, int]:
        """What every block of one transfer shares (CRA, counter, titles, message code)."""
        return (self.cra, self.counter, self.originator, self.recipient, self.message_code)


def read_block(data: bytes, *, start: int = 0, end: int | None = None) -> GBTBlock:
    """Read one GBT block (Message Routing Header and GBT APDU) from ``data[start:end]``."""
    reader = Reader(data, start, end)
    at = reader.pos
    if reader.byte("routing header tag") != 0xDD:
        raise reader.fail("a General Block Transfer block starts with DD", at)
    cra, counter, originator, recipient = read_parties(reader)
    if reader.byte("date-time length") != 0:
        raise reader.fail("Message Routing Header: date-time must be empty (00)", reader.pos - 1)
    other_at = reader.pos
    other = reader.sub(reader.length("other-information", shortest=True), "other-information")
    if other.remaining < 2:
        raise other.fail("other-information shorter than its 2-byte message code", other_at)
    message_code = other.uint(2, "message code")
    if reader.byte("key-info") != 0:
        raise reader.fail("Message Routing Header: key-info must be absent (00)", reader.pos - 1)
    content = reader.sub(reader.length("ciphered content", shortest=True), "ciphered content")
    if not reader.at_end():
        raise reader.fail(f"{reader.remaining} unexpected bytes after the GBT block")
    security_header = content.take(_SECURITY_HEADER, "security header")
    tag_at = content.pos
    if content.byte("GBT tag") != GBT_TAG:
        raise content.fail(
            f"not a General Block Transfer APDU (tag E0): 0x{data[tag_at]:02X}", tag_at
        )
    control = content.byte("block-control")
    number_at = content.pos
    number = content.uint(2, "block-number")
    if number == 0:
        raise content.fail("block-number 0: GBT blocks are numbered from 1", number_at)
    ack = content.uint(2, "block-number-ack")
    block = content.sub(content.length("block-data"), "block-data")
    if not content.at_end():
        raise content.fail(f"{content.remaining} unexpected bytes after the block-data")
    return GBTBlock(
        raw=data,
        cra=cra,
        counter=counter,
        originator=originator,
        recipient=recipient,
        message_code=message_code,
        security_header=security_header,
        last=bool(control & _LAST),
        streaming=bool(control & _STREAMING),
        window=control & _WINDOW,
        number=number,
        ack=ack,
        data_start=block.pos,
        data_end=block.end,
        number_offset=number_at,
    )


def reassemble_blocks(blocks: Iterable[bytes | GBTBlock]) -> bytes:
    """The original message from all the blocks of one transfer, in any order.

    Refuses (``GBCSFormatError``) blocks of different transfers, a missing, repeated
    or out-of-range block number, a last block that is not the highest, and a message
    over the size limit. An error's offset is in the block at fault (its transaction
    id, its block-number field, its data), or 0 when the set as a whole is at fault.
    """
    read = [b if isinstance(b, GBTBlock) else read_block(bytes(b)) for b in blocks]
    if not read:
        raise GBCSFormatError("no General Block Transfer blocks given", 0)
    first = read[0]
    by_number: dict[int, GBTBlock] = {}
    total = 0
    for block in read:
        if block.transfer != first.transfer:
            raise GBCSFormatError(
                f"block {block.number} belongs to another transfer (its CRA flag, counter, "
                "system titles or message code differ from block "
                f"{first.number}'s)",
                1,
            )
        if block.number in by_number:
            raise GBCSFormatError(f"block {block.number} given twice", block.number_offset)
        by_number[block.number] = block
        total += block.data_end - block.data_start
        if total > MAX_MESSAGE:
            raise GBCSFormatError(
                f"reassembled message exceeds the {MAX_MESSAGE}-byte limit", block.data_start
            )
    count = len(by_number)
    missing = sorted(set(range(1, count + 1)) - set(by_number))
    if missing:
        raise GBCSFormatError(
            f"General Block Transfer incomplete: block {missing[0]} missing "
            f"(given: {', '.join(map(str, sorted(by_number)))})",
            0,
        )
    for number, block in sorted(by_number.items()):
        if block.last != (number == count):
            what = (
                "marked last but is not the highest"
                if block.last
                else "the highest but not marked last"
            )
            raise GBCSFormatError(
                f"block {number} is {what}: the transfer is incomplete or inconsistent", 0
            )
    return b"".join(by_number[n].data for n in range(1, count + 1))


def read_blocks(blocks: Iterable[bytes | GBTBlock]) -> Envelope:
    """The grouping header of the message the blocks of one transfer carry."""
    return read_envelope(reassemble_blocks(blocks))
