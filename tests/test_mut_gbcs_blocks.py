"""GBT blocks and the grouping header's date-time, laid out byte by byte (mutation run).

Blocks were tested cut from a whole message by a builder, so a refusal naming the
wrong byte, a control bit read from the wrong place or a refusal text that says
nothing passed. Here each block is written out with its offsets counted by hand:

    0  DD                          routing header tag
    1  09 | 2 CRA | 3..10 counter  transaction id
    11 08 | 12..19 originator      system title
    20 08 | 21..28 recipient       system title
    29 00                          date-time (none)
    30 02 | 31..32 message code    other-information
    33 00                          key-info (none)
    34 L                           ciphered content length
    35..39 security header         (5 bytes)
    40 E0 | 41 control | 42..43 number | 44..45 ack | 46 data length | 47.. data
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mmc.gbcs import (
    CRA,
    GBCSFormatError,
    read_block,
    read_blocks,
    read_envelope,
    reassemble_blocks,
)
from mmc.gbcs._envelope import MAX_MESSAGE
from tests.gbcs_builders import general_signing, parties_cut

ORIGINATOR = bytes.fromhex("00DB1234567890A0")
RECIPIENT = bytes.fromhex("90B3D51F30010000")
SECURITY = bytes.fromhex("3100000000")


def block(
    number: int = 1,
    data: bytes = b"\x11\x22\x33",
    *,
    control: int = 0x80,
    ack: int = 0,
    cra: int = 2,
    counter: int = 0x0102030405060708,
    originator: bytes = ORIGINATOR,
    code: int = 0x0059,
    tag: int = 0xDD,
    date_time: bytes = b"\x00",
    other: bytes | None = None,
    key_info: int = 0,
    gbt_tag: int = 0xE0,
    after_data: bytes = b"",
    after_block: bytes = b"",
) -> bytes:
    other_information = other if other is not None else b"\x02" + code.to_bytes(2, "big")
    apdu = (
        bytes([gbt_tag, control])
        + number.to_bytes(2, "big")
        + ack.to_bytes(2, "big")
        + bytes([len(data)])
        + data
        + after_data
    )
    content = SECURITY + apdu
    return (
        bytes([tag, 0x09, cra])
        + counter.to_bytes(8, "big")
        + b"\x08"
        + originator
        + b"\x08"
        + RECIPIENT
        + date_time
        + other_information
        + bytes([key_info, len(content)])
        + content
        + after_block
    )


def refusal(data: bytes, **kwargs: int) -> tuple[int, str]:
    with pytest.raises(GBCSFormatError) as info:
        read_block(data, **kwargs)
    return info.value.offset, info.value.message


def test_every_field_of_a_block_is_read_from_its_place() -> None:
    raw = block(2, b"\xaa\xbb", control=0xC5, ack=0x0102)
    b = read_block(raw)
    assert (b.cra, b.counter, b.originator, b.recipient) == (
        CRA.RESPONSE,
        0x0102030405060708,
        ORIGINATOR,
        RECIPIENT,
    )
    assert (b.message_code, b.security_header) == (0x0059, SECURITY)
    assert (b.last, b.streaming, b.window) == (True, True, 5)
    assert (b.number, b.ack, b.number_offset) == (2, 0x0102, 42)
    assert (b.data_start, b.data_end, b.data) == (47, 49, b"\xaa\xbb")
    assert b.raw == raw
    assert b.transfer == (CRA.RESPONSE, 0x0102030405060708, ORIGINATOR, RECIPIENT, 0x0059)
    plain = read_block(block(control=0x3F))
    assert (plain.last, plain.streaming, plain.window) == (False, False, 63)
    assert read_block(block(control=0x40)).streaming is True


def test_a_block_inside_other_bytes_gives_offsets_in_the_whole() -> None:
    raw = b"\xff" * 4 + block(3) + b"\xee"
    b = read_block(raw, start=4, end=len(raw) - 1)
    assert (b.number, b.number_offset, b.data_start, b.data) == (3, 46, 51, b"\x11\x22\x33")
    assert refusal(b"\xff" * 4 + block(0), start=4) == (
        46,
        "byte 46: block-number 0: GBT blocks are numbered from 1",
    )


@pytest.mark.parametrize(
    ("raw", "offset", "message"),
    [
        (block(tag=0xDF), 0, "a General Block Transfer block starts with DD"),
        (
            block(date_time=b"\x0c" + bytes(12)),
            29,
            "Message Routing Header: date-time must be empty (00)",
        ),
        (block(other=b"\x01\x00"), 30, "other-information shorter than its 2-byte message code"),
        (block(other=b"\x00"), 30, "other-information shorter than its 2-byte message code"),
        (block(key_info=1), 33, "Message Routing Header: key-info must be absent (00)"),
        (block(after_block=b"\x00\x00"), 50, "2 unexpected bytes after the GBT block"),
        (block(gbt_tag=0xE1), 40, "not a General Block Transfer APDU (tag E0): 0xE1"),
        (block(0), 42, "block-number 0: GBT blocks are numbered from 1"),
        (block(after_data=b"\x00"), 50, "1 unexpected bytes after the block-data"),
    ],
    ids=[
        "tag",
        "date-time",
        "other-information-1",
        "other-information-0",
        "key-info",
        "after-block",
        "gbt-tag",
        "number-0",
        "after-data",
    ],
)
def test_each_malformed_block_is_refused_at_its_byte(raw: bytes, offset: int, message: str) -> None:
    assert refusal(raw) == (offset, f"byte {offset}: {message}")


def test_message_code_comes_from_the_first_two_bytes_of_longer_other_information() -> None:
    raw = block(other=b"\x0a\x00\x27" + bytes(8))
    b = read_block(raw)
    assert b.message_code == 0x0027 and b.number_offset == 50


# -- reassembly ---------------------------------------------------------------------------


def test_blocks_in_any_order_and_of_any_kind_give_the_message() -> None:
    one, two, three = block(1, b"ab", control=0), block(2, b"cd", control=0), block(3, b"e")
    assert reassemble_blocks([three, one, two]) == b"abcde"
    assert reassemble_blocks([bytearray(two), read_block(one), three]) == b"abcde"
    assert reassemble_blocks(iter([block(1, b"xyz")])) == b"xyz"


def _refused(blocks: list[bytes]) -> tuple[int, str]:
    with pytest.raises(GBCSFormatError) as info:
        reassemble_blocks(blocks)
    return info.value.offset, info.value.message


@pytest.mark.parametrize(
    "other",
    [
        {"cra": 1},
        {"counter": 0x0102030405060709},
        {"originator": bytes(8)},
        {"code": 0x005A},
    ],
)
def test_a_block_of_another_transfer_is_refused(other: dict[str, object]) -> None:
    blocks = [block(1, control=0), block(2, **other)]  # type: ignore[arg-type]
    assert _refused(blocks) == (
        1,
        "byte 1: block 2 belongs to another transfer (its CRA flag, counter, system titles "
        "or message code differ from block 1's)",
    )


def test_sets_of_blocks_that_do_not_make_one_message() -> None:
    assert _refused([]) == (0, "byte 0: no General Block Transfer blocks given")
    assert _refused([block(1, control=0), block(2, control=0), block(2)]) == (
        42,
        "byte 42: block 2 given twice",
    )
    assert _refused([block(1, control=0), block(3)]) == (
        0,
        "byte 0: General Block Transfer incomplete: block 2 missing (given: 1, 3)",
    )
    assert _refused([block(2), block(3)]) == (
        0,
        "byte 0: General Block Transfer incomplete: block 1 missing (given: 2, 3)",
    )
    assert _refused([block(1), block(2)]) == (
        0,
        "byte 0: block 1 is marked last but is not the highest: the transfer is "
        "incomplete or inconsistent",
    )
    assert _refused([block(1, control=0), block(2, control=0)]) == (
        0,
        "byte 0: block 2 is the highest but not marked last: the transfer is "
        "incomplete or inconsistent",
    )


def test_a_reassembled_message_over_the_limit_is_refused_at_the_block_that_passes_it() -> None:
    data = bytes(100)  # short lengths (< 0x80) keep the offsets above
    per_block = len(data)
    n = MAX_MESSAGE // per_block  # blocks that fit, with room for less than one more
    blocks = [block(i, data, control=0) for i in range(1, n + 1)]
    assert n * per_block <= MAX_MESSAGE < (n + 1) * per_block
    tail = MAX_MESSAGE - n * per_block
    exact = [*blocks, block(n + 1, bytes(tail))] if tail else blocks
    assert len(reassemble_blocks(exact)) == MAX_MESSAGE  # exactly the limit is a message
    over = [*blocks, block(n + 1, bytes(tail + 1))]
    assert _refused(over) == (
        47,
        f"byte 47: reassembled message exceeds the {MAX_MESSAGE}-byte limit",
    )


# -- the grouping header's date-time ---------------------------------------------------


_DATE_TIME = bytes.fromhex("07E80309FF0D2D1E00800000")  # 2024-03-09 13:45:30, UTC


def test_a_grouping_header_date_time_is_read_or_refused_at_its_length_byte() -> None:
    # general-signing: DF | 09 CRA counter (1..10) | 08 title (11..19) | 08 title
    # (20..28) | date-time length at 29.
    envelope = read_envelope(general_signing(date_time=_DATE_TIME))
    assert envelope.date_time == datetime(2024, 3, 9, 13, 45, 30, tzinfo=timezone.utc)
    assert envelope.date_time_raw == _DATE_TIME
    pattern = bytes.fromhex("FFFF0309FF0D2D1E00800000")  # any year: no single time
    envelope = read_envelope(general_signing(date_time=pattern))
    assert envelope.date_time is None and envelope.date_time_raw == pattern
    none = read_envelope(general_signing())
    assert none.date_time is None and none.date_time_raw is None
    raw = bytearray(general_signing(date_time=_DATE_TIME))
    raw[29] = 5
    with pytest.raises(GBCSFormatError) as info:
        read_envelope(bytes(raw))
    assert (info.value.offset, info.value.message) == (
        29,
        "byte 29: date-time length 5: expected 0 or 12",
    )
    with pytest.raises(GBCSFormatError) as info:
        read_envelope(general_signing()[:29])
    assert (info.value.offset, info.value.message) == (
        29,
        "byte 29: truncated: date-time length missing",
    )


# -- truncation: every cut names the field it fell in -------------------------------------


def _block_cut(n: int) -> str:
    if n == 0:
        return "byte 0: truncated: routing header tag missing"
    if n <= 28:
        return parties_cut(n)
    return {
        29: "byte 29: truncated: date-time length missing",
        30: "byte 30: truncated: other-information missing",
        31: "byte 31: truncated: other-information needs 2 bytes, 0 left",
        32: "byte 31: truncated: other-information needs 2 bytes, 1 left",
        33: "byte 33: truncated: key-info missing",
        34: "byte 34: truncated: ciphered content missing",
    }.get(n, f"byte 35: truncated: ciphered content needs 15 bytes, {n - 35} left")


@pytest.mark.parametrize("n", range(50))
def test_a_block_cut_anywhere_names_the_field_it_was_cut_in(n: int) -> None:
    raw = block()  # 50 bytes; its content (35..49) is 15 bytes
    assert len(raw) == 50
    assert refusal(raw[:n])[1] == _block_cut(n)


def _content_cut(k: int) -> str:
    if k < 5:
        return f"byte 35: truncated: security header needs 5 bytes, {k} left"
    return {
        5: "byte 40: truncated: GBT tag missing",
        6: "byte 41: truncated: block-control missing",
        7: "byte 42: truncated: block-number needs 2 bytes, 0 left",
        8: "byte 42: truncated: block-number needs 2 bytes, 1 left",
        9: "byte 44: truncated: block-number-ack needs 2 bytes, 0 left",
        10: "byte 44: truncated: block-number-ack needs 2 bytes, 1 left",
        11: "byte 46: truncated: block-data missing",
    }.get(k, f"byte 47: truncated: block-data needs 3 bytes, {k - 12} left")


@pytest.mark.parametrize("k", range(15))
def test_a_block_whose_content_is_short_names_the_apdu_field(k: int) -> None:
    # The content's own length says k: the routing header is whole, the APDU is not.
    raw = block()
    short = raw[:34] + bytes([k]) + raw[35 : 35 + k]
    assert refusal(short)[1] == _content_cut(k)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            block()[:30] + b"\x81\x02" + block()[31:],
            "byte 30: other-information: 81 02 is not the shortest BER form",
        ),
        (
            block()[:34] + b"\x81\x0f" + block()[35:],
            "byte 34: ciphered content: 81 0F is not the shortest BER form",
        ),
    ],
    ids=["other-information", "ciphered-content"],
)
def test_routing_header_lengths_must_be_in_shortest_form(raw: bytes, message: str) -> None:
    assert refusal(raw)[1] == message


def test_the_block_data_length_is_a_dlms_length_any_form() -> None:
    # A-XDR lengths inside the DLMS APDU are not held to the shortest form.
    raw = block()
    longer = raw[:34] + bytes([16]) + raw[35:46] + b"\x81\x03" + raw[47:]
    b = read_block(longer)
    assert (b.data, b.data_start) == (b"\x11\x22\x33", 48)


def test_read_blocks_gives_the_carried_messages_grouping_header() -> None:

    message = general_signing(cra=2, code=0x0059, payload=bytes(range(40)))
    blocks = [block(1, message[:30], control=0), block(2, message[30:])]
    envelope = read_blocks(blocks)
    assert (envelope.message_code, envelope.payload) == (0x0059, bytes(range(40)))
    assert envelope.raw == message
