"""Identifiers: the exact error texts and the edges the mutation run found unpinned.

Expected values are literals: the DUIS RequestID form, the 2**64-1 counter limit,
the 40-character cut of hostile input in messages.
"""

from __future__ import annotations

import pytest

from duis.ids import EUI64, RequestID, parse_decimal

USER = "90-B3-D5-1F-30-01-00-00"
HUB = "00-DB-12-34-56-78-90-A2"
LIMIT = "18446744073709551615"  # 2**64 - 1, written out


def _error(call: object) -> str:
    assert callable(call)
    with pytest.raises(ValueError) as info:
        call()
    return str(info.value)


def test_hostile_input_is_quoted_to_40_characters() -> None:
    forty_x = "x" * 40
    assert _error(lambda: parse_decimal("x" * 50, max_value=9)) == (
        f"not a decimal of ASCII digits: '{forty_x}'"
    )
    assert _error(lambda: parse_decimal("0" + "1" * 50, max_value=99, leading_zeros=False)) == (
        "decimal with a leading zero: '0" + "1" * 39 + "'"
    )
    assert _error(lambda: parse_decimal("5" * 50, max_value=9)) == (
        "decimal out of range 0..9: '" + "5" * 40 + "'"
    )


def test_request_id_errors_say_the_form() -> None:
    assert _error(lambda: RequestID.parse("a:b")) == (
        "not a RequestID: 'a:b' (expected originator:target:counter, "
        "e.g. 90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A2:1002)"
    )
    counter = "0" + "1" * 50
    quoted = "'0" + "1" * 39 + "'"
    assert _error(lambda: RequestID.parse(f"{USER}:{HUB}:{counter}")) == (
        f"not an OriginatorCounter: {quoted} (decimal with a leading zero: {quoted}; "
        f"decimal 0..{LIMIT}, no leading zeros)"
    )
    assert _error(lambda: RequestID(EUI64(0), EUI64(1), -1)) == (
        f"OriginatorCounter out of range 0..{LIMIT}: -1"
    )
    assert _error(lambda: RequestID(EUI64(0), EUI64(1), 2**64)) == (
        f"OriginatorCounter out of range 0..{LIMIT}: 18446744073709551616"
    )


@pytest.mark.parametrize(
    "text",
    [
        f"X{USER}",  # a letter that is not a hex digit is not whitespace
        f"{USER}X",
        f"x{USER}",
    ],
)
def test_eui64_strips_only_whitespace(text: str) -> None:
    with pytest.raises(ValueError, match="not an EUI-64"):
        EUI64.parse(text)


@pytest.mark.parametrize("text", [f"X{USER}:{HUB}:1", f"{USER}:{HUB}:1X", f"{USER}:{HUB}:1 X"])
def test_request_id_strips_only_whitespace(text: str) -> None:
    with pytest.raises(ValueError):
        RequestID.parse(text)


def test_request_id_whitespace_around_is_ignored() -> None:
    rid = RequestID.parse(f" \t\r\n{USER}:{HUB}:1002\n ")
    assert (rid.originator.value, rid.target.value, rid.counter) == (
        0x90B3D51F30010000,
        0x00DB1234567890A2,
        1002,
    )


def test_with_counter_keeps_the_euis() -> None:
    rid = RequestID.parse(f"{USER}:{HUB}:7")
    moved = rid.with_counter(8)
    assert str(moved) == f"{USER}:{HUB}:8"
    assert str(rid) == f"{USER}:{HUB}:7"  # the original is unchanged
    with pytest.raises(ValueError, match="out of range"):
        rid.with_counter(2**64)


def test_bytes_are_big_endian() -> None:
    assert EUI64.from_bytes(bytes.fromhex("90B3D51F30010000")) == EUI64(0x90B3D51F30010000)
    assert EUI64(0x90B3D51F30010000).to_bytes() == b"\x90\xb3\xd5\x1f\x30\x01\x00\x00"


def test_counter_zero_is_a_counter() -> None:
    # DUIS: OriginatorCounter is 0..2**64-1; 0 is the smallest, written "0"
    assert RequestID.parse(f"{USER}:{HUB}:0").counter == 0
    assert str(RequestID(EUI64(0), EUI64(1), 0)).endswith(":0")
