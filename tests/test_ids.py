from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from duis import EUI64, RequestID
from duis.ids import parse_decimal

#: DUIS: the OriginatorCounter is a decimal 0..2^64-1 (a fact, not the code's constant).
MAX_COUNTER = 18_446_744_073_709_551_615


def test_eui_forms_are_one_value() -> None:
    a = EUI64.parse("90-b3-d5-1f-30-01-00-00")
    assert (
        a == EUI64.parse("90B3D51F30010000") == EUI64.from_bytes(bytes.fromhex("90b3d51f30010000"))
    )
    assert str(a) == "90-B3-D5-1F-30-01-00-00"
    assert a.hex == "90B3D51F30010000"


@pytest.mark.parametrize(
    "text", ["90-B3-D5-1F-30-01-00", "90-B3-D5-1F-30-01-00-0G", "90:B3:D5:1F:30:01:00:00", ""]
)
def test_bad_euis_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="EUI-64"):
        EUI64.parse(text)


def test_request_id_parts_and_bounds() -> None:
    rid = RequestID.parse("90-B3-D5-1F-30-01-00-00:00-db-12-34-56-78-90-a2:1002")
    assert rid.counter == 1002 and str(rid.target) == "00-DB-12-34-56-78-90-A2"
    assert RequestID.parse(f"{rid.originator}:{rid.target}:{MAX_COUNTER}").counter == MAX_COUNTER
    for bad in (
        f"{rid.originator}:{rid.target}:{MAX_COUNTER + 1}",
        f"{rid.originator}:{rid.target}:01",
        f"{rid.originator}::{rid.target}:1",
        f"{rid.originator}:{rid.target}:-1",
    ):
        with pytest.raises(ValueError):
            RequestID.parse(bad)


@given(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1), st.integers(0, MAX_COUNTER))
def test_request_id_round_trips(o: int, t: int, c: int) -> None:
    # The oracle is the DUIS text form written here by hand: eight dash-separated upper
    # case hex octets, most significant first, then the decimal counter.
    def octets(v: int) -> str:
        return "-".join(f"{(v >> (8 * i)) & 0xFF:02X}" for i in range(7, -1, -1))

    text = f"{octets(o)}:{octets(t)}:{c}"
    rid = RequestID(EUI64(o), EUI64(t), c)
    assert str(rid) == text
    for written in (text, text.lower()):
        parsed = RequestID.parse(written)
        assert (parsed.originator.value, parsed.target.value, parsed.counter) == (o, t, c)


@pytest.mark.parametrize(
    "text",
    [
        "90B3D51F3001000",  # compact, 15 hex digits
        "90B3D51F300100",  # compact, 14
        "0",  # compact, 1
        "90B3D51F300100000",  # compact, 17
        "90-B3-D5-1F-30-01-00-000",  # a triple at the end
        "90-B3-D5-1F-30-01-0-00",  # a single digit
        "90-B3-D5-1F-30-01-00-00-",  # trailing dash
        "-90-B3-D5-1F-30-01-00-00",  # leading dash
        "90--B3-D5-1F-30-01-00-00",  # double dash
        "90B3-D51F-3001-0000",  # grouped in fours
        "90 B3 D5 1F 30 01 00 00",  # spaces
        "90-B3-D5-1F-30-01-00-0\u0660",  # Arabic-Indic zero
        "\uff19\uff10B3D51F30010000",  # full-width digits
        "0x90B3D51F30010000",
        "\u00a090-B3-D5-1F-30-01-00-00",  # no-break space is not XML whitespace
    ],
)
def test_each_malformed_eui_form_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not an EUI-64"):
        EUI64.parse(text)


def test_eui_tolerates_xml_whitespace_only() -> None:
    assert EUI64.parse(" \t90B3D51F30010000\r\n").value == 0x90B3D51F30010000


@pytest.mark.parametrize(
    "counter",
    ["\u0668", "1\u0668", "\u00b2", "1_000", " 1", "+1", "1.0", "", "9" * 5000, "01"],
)
def test_counter_is_ascii_digits_only(counter: str) -> None:
    with pytest.raises(ValueError, match="OriginatorCounter"):
        RequestID.parse(f"90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A2:{counter}")


@pytest.mark.parametrize(
    "text,value",
    [("0", 0), ("7", 7), ("007", 7), ("18446744073709551615", 2**64 - 1), ("0" * 500 + "9", 9)],
)
def test_parse_decimal_reads_ascii_decimals(text: str, value: int) -> None:
    assert parse_decimal(text, max_value=2**64 - 1) == value


@pytest.mark.parametrize(
    "text", ["\u0668", "\u00b2", "\u0661\u0662", "1_0", " 1", "1 ", "-1", "+1", "", "1e3", "10"]
)
def test_parse_decimal_refuses_everything_else(text: str) -> None:
    with pytest.raises(ValueError):
        parse_decimal(text, max_value=9)


def test_parse_decimal_bounds_before_converting() -> None:
    with pytest.raises(ValueError, match="out of range"):
        parse_decimal("9" * 100_000, max_value=2**64 - 1)  # int() would refuse 4,300+
    with pytest.raises(ValueError, match="leading zero"):
        parse_decimal("01", max_value=9, leading_zeros=False)


@given(st.text(max_size=30))
@example("\u0668")
@example("\u00b2")
@example("1_0")
@example("9" * 5000)
def test_parse_decimal_agrees_with_the_xsd_lexical_form(text: str) -> None:
    is_decimal = text != "" and all(c in "0123456789" for c in text)
    try:
        value = parse_decimal(text, max_value=10**40)
    except ValueError:
        significant = text.lstrip("0")
        assert not is_decimal or len(significant) > 41 or int(significant) > 10**40
        return
    assert is_decimal and value == int(text)


@given(st.binary(min_size=8, max_size=8), st.booleans(), st.booleans())
@example(bytes(8), True, False)
def test_eui_dashed_and_compact_forms_agree(raw: bytes, dashed: bool, lower: bool) -> None:
    h = raw.hex()
    text = "-".join(h[i : i + 2] for i in range(0, 16, 2)) if dashed else h
    text = text.lower() if lower else text.upper()
    eui = EUI64.parse(text)
    assert eui.to_bytes() == raw
    assert str(eui) == "-".join(h[i : i + 2] for i in range(0, 16, 2)).upper()


@given(st.text(alphabet="0123456789abcdefABCDEF-: \u0660\u00b2", max_size=25))
def test_eui_parse_accepts_only_the_two_forms(text: str) -> None:
    body = text.strip(" ")
    dashed = len(body) == 23 and all(
        (c == "-") if i % 3 == 2 else (c in "0123456789abcdefABCDEF") for i, c in enumerate(body)
    )
    compact = len(body) == 16 and all(c in "0123456789abcdefABCDEF" for c in body)
    try:
        EUI64.parse(text)
    except ValueError:
        assert not (dashed or compact)
        return
    assert dashed or compact


# Mutation-testing survivors (docs/testing.md), each killed by a fact-based case.
def test_eui64_value_range_is_exactly_64_bits() -> None:
    assert EUI64(2**64 - 1).to_bytes() == b"\xff" * 8
    with pytest.raises(ValueError, match="EUI-64"):
        EUI64(2**64)
    with pytest.raises(ValueError, match="EUI-64"):
        EUI64(-1)


def test_request_id_strips_xml_whitespace_only() -> None:
    text = "90-B3-D5-1F-30-01-00-00:00-12-4B-00-0A-51-7E-0C:1"
    assert RequestID.parse(f" \t\r\n{text}\n").counter == 1
    for other in ("\x0c", "\u00a0", "\u2003"):  # not XML whitespace
        with pytest.raises(ValueError):
            RequestID.parse(f"{other}{text}")


def test_errors_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="8 bytes, got 7"):
        EUI64.from_bytes(b"\x00" * 7)
    with pytest.raises(ValueError, match="not a decimal of ASCII digits"):
        parse_decimal("1x", max_value=9)
