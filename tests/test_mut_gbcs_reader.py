"""The GBCS reader's building blocks, pinned by literal bytes (mutation run of mmc/gbcs).

The cursor every decoder reads through, COSEM date-times, the three input forms and
message-code names were reached only through whole RTDS messages, whose values the
decoders then read: a cursor error naming the wrong offset, a date read from the
wrong octet or a hex error counting digits from 0 passed. Each expected value here
is worked out by hand from the bytes written in the test.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from lxml import etree

from duis._exceptions import MalformedXMLError, XMLLimitError
from duis._xsdlexical import is_base64
from mmc.gbcs import GBCSFormatError, message_code, read_message
from mmc.gbcs._cursor import Reader
from mmc.gbcs._datetime import DateTimePattern, read_date_time
from mmc.gbcs._input import gbcs_input, parse_hex, payload_bytes
from tests.gbcs_builders import general_signing


def refused(call: object, *args: object, **kwargs: object) -> tuple[int, str]:
    with pytest.raises(GBCSFormatError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    return info.value.offset, info.value.message


# -- the cursor ---------------------------------------------------------------------


def test_a_reader_over_a_slice_reads_only_it_and_counts_from_the_whole() -> None:
    data = bytes(range(10))
    r = Reader(data, 2, 6)
    assert (r.pos, r.end, r.remaining, r.at_end()) == (2, 6, 4, False)
    assert r.peek() == 2 and r.pos == 2  # peek does not move
    assert r.byte() == 2 and r.pos == 3
    assert r.take(2) == b"\x03\x04" and r.pos == 5
    r.skip(1)
    assert (r.pos, r.remaining, r.at_end()) == (6, 0, True)
    assert refused(r.peek) == (6, "byte 6: unexpected end of data")
    assert refused(r.byte, "tag") == (6, "byte 6: truncated: tag missing")
    assert refused(r.byte) == (6, "byte 6: truncated: byte missing")
    whole = Reader(data)
    assert (whole.pos, whole.end) == (0, 10)


@pytest.mark.parametrize("method", ["take", "skip", "sub"])
def test_reading_past_the_end_or_a_negative_count_names_the_offset(method: str) -> None:
    r = Reader(b"\x00\x01\x02\x03", 1)
    assert refused(getattr(r, method), 4, "body") == (
        1,
        "byte 1: truncated: body needs 4 bytes, 3 left",
    )
    assert refused(getattr(r, method), -1) == (1, "byte 1: truncated: field needs -1 bytes, 3 left")
    assert r.pos == 1  # a refused read moves nothing
    getattr(r, method)(3)  # exactly what is left
    assert r.pos == 4


def test_sub_reads_the_next_bytes_and_skips_them_here() -> None:
    r = Reader(b"\xaa\xbb\xcc\xdd\xee", 1)
    child = r.sub(3)
    assert (child.pos, child.end, r.pos) == (1, 4, 4)
    assert child.take(3) == b"\xbb\xcc\xdd"
    assert refused(child.byte) == (4, "byte 4: truncated: byte missing")


def test_integers_big_and_little_signed_and_unsigned() -> None:
    r = Reader(b"\xff\xfe\x01\x00" * 4)
    assert r.uint(2) == 0xFFFE
    assert r.uint(2, little=True) == 1
    assert r.sint(2) == -2
    assert r.sint(2, little=True) == 1
    assert r.sint(2, little=False) == -2
    assert r.uint(2, "x", little=True) == 1
    assert refused(r.sint, 5, "value") == (12, "byte 12: truncated: value needs 5 bytes, 4 left")
    assert refused(r.uint, 5) == (12, "byte 12: truncated: integer needs 5 bytes, 4 left")


@pytest.mark.parametrize(
    ("data", "value", "pos"),
    [
        (b"\x00", 0, 1),
        (b"\x7f", 0x7F, 1),
        (b"\x81\x80", 0x80, 2),
        (b"\x82\x01\x00", 0x100, 3),
        (b"\x83\x01\x00\x00", 0x10000, 4),
    ],
)
def test_ber_lengths_in_their_shortest_forms(data: bytes, value: int, pos: int) -> None:
    for shortest in (False, True):
        r = Reader(b"\xee" + data, 1)
        assert r.length(shortest=shortest) == value
        assert r.pos == pos + 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x81\x05", "byte 1: length: 81 05 is not the shortest BER form"),
        (b"\x81\x7f", "byte 1: length: 81 7F is not the shortest BER form"),
        (b"\x82\x00\xff", "byte 1: length: 82 00 FF is not the shortest BER form"),
        (b"\x83\x00\xff\xff", "byte 1: length: 83 00 FF FF is not the shortest BER form"),
    ],
)
def test_a_longer_length_form_than_needed_is_refused_when_asked(data: bytes, message: str) -> None:
    assert refused(Reader(b"\xee" + data, 1).length, shortest=True) == (1, message)
    assert Reader(b"\xee" + data, 1).length() == int.from_bytes(data[1:], "big")


@pytest.mark.parametrize("first", [0x80, 0x84, 0xFF])
def test_unsupported_length_forms_name_the_first_byte(first: int) -> None:
    r = Reader(b"\xee" + bytes([first]) + b"\x00" * 8, 1)
    assert refused(r.length, "APDU length") == (
        1,
        f"byte 1: APDU length: unsupported length form 0x{first:02X}",
    )


def test_a_truncated_long_length_names_where_its_bytes_ran_out() -> None:
    assert refused(Reader(b"\x82\x01").length) == (
        1,
        "byte 1: truncated: length needs 2 bytes, 1 left",
    )


# -- COSEM date-time ------------------------------------------------------------------


def _dt(
    year: int = 2024,
    month: int = 3,
    day: int = 9,
    hour: int = 13,
    minute: int = 45,
    second: int = 30,
    hundredths: int = 0,
    deviation: int = -0x8000,
    weekday: int = 0xFF,
    status: int = 0,
) -> bytes:
    return (
        year.to_bytes(2, "big")
        + bytes([month, day, weekday, hour, minute, second, hundredths])
        + deviation.to_bytes(2, "big", signed=True)
        + bytes([status])
    )


def test_a_concrete_time_reads_each_octet_in_its_place() -> None:
    r = Reader(b"\x00" + _dt(hundredths=25) + b"\x99", 1)
    assert read_date_time(r) == datetime(2024, 3, 9, 13, 45, 30, 250_000, tzinfo=timezone.utc)
    assert r.pos == 13
    assert read_date_time(Reader(_dt(hundredths=0xFF))) == datetime(
        2024, 3, 9, 13, 45, 30, tzinfo=timezone.utc
    )


@pytest.mark.parametrize(
    ("deviation", "offset"),
    [(-0x8000, 0), (0, 0), (-60, 60), (120, -120), (840, -840), (-840, 840)],
)
def test_the_deviation_is_minutes_local_time_is_behind_utc(deviation: int, offset: int) -> None:
    # COSEM: deviation = local time to UTC in minutes (UTC = local + deviation), so
    # -60 is UTC+01:00; 0x8000 is "not specified", read as UTC (GBCS clocks are UTC).
    value = read_date_time(Reader(_dt(deviation=deviation)))
    assert isinstance(value, datetime)
    assert value.utcoffset() == timedelta(minutes=offset)


@pytest.mark.parametrize("deviation", [841, -841, 0x7FFF])
def test_a_deviation_out_of_range_is_refused_at_its_octet(deviation: int) -> None:
    assert refused(read_date_time, Reader(b"\x00\x00" + _dt(deviation=deviation), 2)) == (
        11,
        f"byte 11: date-time deviation {deviation} minutes out of range",
    )


def test_an_impossible_date_is_refused_at_the_start_of_the_field() -> None:
    offset, message = refused(read_date_time, Reader(b"\x00" + _dt(month=2, day=30), 1))
    assert offset == 1
    assert message == "byte 1: date-time is not a real time: day is out of range for month"
    assert refused(read_date_time, Reader(_dt()[:11]))[1] == (
        "byte 0: truncated: date-time needs 12 bytes, 11 left"
    )


@pytest.mark.parametrize(
    ("fields", "pattern", "text"),
    [
        ({"year": 0xFFFF}, DateTimePattern(None, 3, 9, 13, 45, 30), "****-03-09T13:45:30"),
        ({"month": 0xFF}, DateTimePattern(2024, None, 9, 13, 45, 30), "2024-**-09T13:45:30"),
        ({"day": 0xFF}, DateTimePattern(2024, 3, None, 13, 45, 30), "2024-03-**T13:45:30"),
        ({"hour": 0xFF}, DateTimePattern(2024, 3, 9, None, 45, 30), "2024-03-09T**:45:30"),
        ({"minute": 0xFF}, DateTimePattern(2024, 3, 9, 13, None, 30), "2024-03-09T13:**:30"),
        ({"second": 0xFF}, DateTimePattern(2024, 3, 9, 13, 45, None), "2024-03-09T13:45:**"),
        # 0xFD/0xFE (DST begin/end, last day of month) are schedule markers: any
        ({"month": 0xFD}, DateTimePattern(2024, None, 9, 13, 45, 30), "2024-**-09T13:45:30"),
        ({"month": 0xFE}, DateTimePattern(2024, None, 9, 13, 45, 30), "2024-**-09T13:45:30"),
        ({"day": 0xFD}, DateTimePattern(2024, 3, None, 13, 45, 30), "2024-03-**T13:45:30"),
        ({"day": 0xFE}, DateTimePattern(2024, 3, None, 13, 45, 30), "2024-03-**T13:45:30"),
        # an impossible month or day without a wildcard is kept as a pattern, not a date
        ({"month": 13}, DateTimePattern(2024, 13, 9, 13, 45, 30), "2024-13-09T13:45:30"),
        ({"day": 32}, DateTimePattern(2024, 3, 32, 13, 45, 30), "2024-03-32T13:45:30"),
        ({"year": 7, "hour": 0xFF}, DateTimePattern(7, 3, 9, None, 45, 30), "0007-03-09T**:45:30"),
    ],
)
def test_wildcards_make_a_pattern_never_a_made_up_date(
    fields: dict[str, int], pattern: DateTimePattern, text: str
) -> None:
    value = read_date_time(Reader(_dt(**fields)))
    assert value == pattern
    assert str(value) == text


def test_a_year_of_0xfffe_and_hour_0xfe_are_values_not_wildcards() -> None:
    # Only 0xFFFF (year) and 0xFF (other fields) mean "any"; 0xFD/0xFE only in
    # month and day. An hour of 0xFE makes no real time but is not a wildcard.
    assert read_date_time(Reader(_dt(year=0xFFFE, hour=0xFF))) == DateTimePattern(
        0xFFFE, 3, 9, None, 45, 30
    )
    assert refused(read_date_time, Reader(_dt(hour=0xFE)))[1].startswith(
        "byte 0: date-time is not a real time: hour must be in 0..23"
    )
    assert read_date_time(Reader(_dt(month=12, day=31))) == datetime(
        2024, 12, 31, 13, 45, 30, tzinfo=timezone.utc
    )


# -- input forms -----------------------------------------------------------------------


def test_hex_text_with_any_whitespace() -> None:
    assert parse_hex("DF 09\n0a\tBc\r\n") == b"\xdf\x09\x0a\xbc"
    assert parse_hex(b"df09") == b"\xdf\x09"
    assert parse_hex("") == b""


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("DF0", 1, "byte 1: hex text has an odd number of digits (3)"),
        ("DF 09 0", 2, "byte 2: hex text has an odd number of digits (5)"),
        ("DFxx", 1, "byte 1: not hexadecimal text (digit 3)"),
        ("G0", 0, "byte 0: not hexadecimal text (digit 1)"),
        ("DF 0g", 1, "byte 1: not hexadecimal text (digit 4)"),
        ("DF09\u00e9", 2, "byte 2: not hexadecimal text (digit 5)"),
        ("DFXX", 1, "byte 1: not hexadecimal text (digit 3)"),  # X is not a hex digit
        ("df0g", 1, "byte 1: not hexadecimal text (digit 4)"),  # lower case is hex
    ],
)
def test_bad_hex_names_the_digit_and_its_byte(text: str, offset: int, message: str) -> None:
    with pytest.raises(GBCSFormatError) as info:
        parse_hex(text, source="m.hex")
    assert (info.value.offset, info.value.message, info.value.source) == (offset, message, "m.hex")


def test_hex_bytes_that_are_not_ascii_are_refused_not_decoded_as_latin1() -> None:
    with pytest.raises(GBCSFormatError) as info:
        parse_hex(b"DF\xe909")
    assert info.value.message == "byte 1: not hexadecimal text (digit 3)"


_SR = "http://www.dccinterface.co.uk/ServiceUserGateway"


def _payload(text: str, line_breaks: int = 0) -> etree._Element:
    doc = (
        f'<x xmlns:sr="{_SR}">'
        + "\n" * line_breaks
        + (f"<sr:GBCSPayload>{text}</sr:GBCSPayload></x>")
    )
    root = etree.fromstring(doc.encode())
    return root[0]


def test_a_payload_is_base64_with_xml_whitespace_anywhere() -> None:
    assert payload_bytes(_payload(" 3wkC\n AAA= ")) == b"\xdf\x09\x02\x00\x00"
    assert payload_bytes(_payload("3w kC")) == b"\xdf\x09\x02"


@pytest.mark.parametrize("text", ["3wkC*", "3wk", "3w==kC", "\u00e93wkC"])
def test_a_payload_that_is_not_base64_names_its_line_and_what_to_do(text: str) -> None:
    with pytest.raises(GBCSFormatError) as info:
        payload_bytes(_payload(text, line_breaks=2), source="r.xml")
    assert (info.value.offset, info.value.source) == (0, "r.xml")
    assert info.value.message == (
        "byte 0: GBCSPayload (line 3) is not base64: fix or re-export the message"
    )


def test_a_payload_made_in_code_has_no_line_to_name() -> None:
    el = etree.Element(f"{{{_SR}}}GBCSPayload")
    el.text = "***"
    with pytest.raises(GBCSFormatError) as info:
        payload_bytes(el)
    assert info.value.message == "byte 0: GBCSPayload is not base64: fix or re-export the message"


def _duis(*payloads: bytes, srv: str | None = "4.1.1") -> bytes:
    body = "".join(
        f"<sr:GBCSPayload>{base64.b64encode(p).decode()}</sr:GBCSPayload>" for p in payloads
    )
    head = f"<sr:ServiceReferenceVariant> {srv} </sr:ServiceReferenceVariant>" if srv else ""
    return f'<sr:Response xmlns:sr="{_SR}">{head}{body}</sr:Response>'.encode()


def test_the_first_byte_decides_the_input_form() -> None:
    message = b"\xdf\x09\x01\x02"
    duis = gbcs_input(_duis(message, b"\xdd\x00"))
    assert duis.payloads == (message, b"\xdd\x00") and duis.form == "duis"
    assert duis.srv == "4.1.1"  # XML whitespace around it removed
    assert gbcs_input(_duis(message, srv=None)).srv is None
    assert gbcs_input(_duis(message, srv=" ")).srv is None  # empty counts as none
    assert gbcs_input(b"\xef\xbb\xbf \n" + _duis(message)).form == "duis"  # BOM, space
    hexed = gbcs_input(b"\n DF 09 01 02\n")
    assert (hexed.payloads, hexed.form, hexed.srv) == ((message,), "hex", None)
    raw = gbcs_input(message)
    assert (raw.payloads, raw.form) == ((message,), "binary")
    assert gbcs_input(b"").form == "binary"
    # hex digits first but not hex throughout the first 64 bytes: binary
    assert gbcs_input(b"DF\x00\x01").form == "binary"


def test_hex_is_judged_on_its_first_64_bytes() -> None:
    head = b"DF" * 32  # 64 hex digits
    with pytest.raises(GBCSFormatError) as info:
        gbcs_input(head + b"zz")  # hex by its head, then not hex: refused, not binary
    assert info.value.message == "byte 32: not hexadecimal text (digit 65)"
    assert gbcs_input(b"DF" * 31 + b"D\x00").form == "binary"  # a NUL in the head


def test_message_codes_print_what_they_name() -> None:
    assert str(message_code(0x0027)) == "0x0027 ECS17b"
    assert str(message_code(0xFFF0)) == "0xFFF0 unknown message code"


@given(st.text(alphabet="AQgw+/=Zz9 ", max_size=24))
@example("QQ==")
@example("QUI=")
@example("Q Q = =")
@example("QQ=A")
def test_what_the_base64_lexical_check_admits_always_decodes(value: str) -> None:
    # payload_bytes decodes without a fallback: is_base64 must admit nothing that
    # base64 with validation refuses.
    if is_base64(value):
        base64.b64decode(value.replace(" ", ""), validate=True)


def test_zero_bytes_can_be_taken_or_skipped_anywhere() -> None:
    r = Reader(b"\x01", 1)
    assert r.take(0) == b"" and r.pos == 1
    r.skip(0)
    assert r.pos == 1
    assert refused(Reader(b"").length) == (0, "byte 0: truncated: length missing")


def test_a_deviation_of_one_minute_is_a_deviation() -> None:
    value = read_date_time(Reader(_dt(deviation=1)))
    assert isinstance(value, datetime) and value.utcoffset() == timedelta(minutes=-1)


def test_input_sniffing_strips_only_a_bom_and_xml_whitespace() -> None:
    assert gbcs_input(b"XX<a/>").form == "binary"  # X is not whitespace

    with pytest.raises(MalformedXMLError) as info:
        gbcs_input(b" <a", source="f.xml")
    assert info.value.source == "f.xml"


def test_a_duis_input_over_the_size_limit_is_refused() -> None:

    with pytest.raises(XMLLimitError) as info:
        gbcs_input(_duis(b"\xdf" * 40), source="big.xml", max_bytes=64)
    assert info.value.source == "big.xml"


def test_a_message_describes_itself_in_one_line() -> None:

    unsigned = read_message(general_signing(code=0x0027)).describe()
    assert unsigned == (
        "general-signing command 0x0027 ECS17b counter 1110 90-B3-D5-1F-30-01-00-00 -> "
        "00-DB-12-34-56-78-90-A0, payload 3 bytes, unsigned"
    )
    signed = read_message(general_signing(code=0x0027, signature=bytes(64))).describe()
    assert signed.endswith(", payload 3 bytes, signature 64 bytes")


def test_signed_integers_name_themselves_when_cut() -> None:
    assert refused(Reader(b"\x01").sint, 2) == (
        0,
        "byte 0: truncated: integer needs 2 bytes, 1 left",
    )
