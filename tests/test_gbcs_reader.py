"""mmc.gbcs.read_message: header fields from bytes built to the GBCS layout."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from duis import DuisError
from duis.ids import EUI64
from mmc.gbcs import CRAFlag, GBCSFormatError, MessageKind, read_message
from tests.gbcs_builders import general_signing, mac_header


def test_pre_command_fields() -> None:
    raw = general_signing(counter=0x0102030405060708, payload=b"\x05" * 200, signature=None)
    m = read_message(raw)
    assert m.kind is MessageKind.GENERAL_SIGNING
    assert m.cra_flag is CRAFlag.COMMAND
    assert m.counter == 0x0102030405060708
    assert m.originator == EUI64.parse("90-B3-D5-1F-30-01-00-00")
    assert m.target == EUI64.parse("00-DB-12-34-56-78-90-A0")
    assert m.date_time is None
    assert m.message_code.code == 0x0019
    assert m.message_code.use_case == "ECS01a"
    assert "1.1.1" in m.message_code.srvs
    assert m.payload == b"\x05" * 200
    assert m.is_pre_command and not m.is_signed
    # signed bytes: after DF up to (not including) the signature length byte
    assert m.signed_bytes == raw[1:]
    empty_field = read_message(general_signing(signature=b""))
    assert empty_field.is_pre_command and empty_field.has_signature_field


def test_mac_header_form() -> None:
    # COSEM date-time 2026-01-15 09:00:00, weekday unspecified, deviation unspecified
    when = bytes.fromhex("07EA010FFF09000000800000")
    inner = general_signing(signature=b"\x01" * 64, date_time=when, code=0x006B)
    raw = mac_header(inner, ic=0x01020304)
    m = read_message(raw)
    assert m.kind is MessageKind.MAC_HEADER
    assert m.invocation_counter == 0x01020304
    assert m.mac == b"\xaa" * 12
    assert m.general_signing == inner
    assert m.signature == b"\x01" * 64
    assert m.date_time == when
    assert m.message_code.use_case == "GCS01a"
    assert not m.is_pre_command


def test_response_without_signature_field() -> None:
    m = read_message(general_signing(cra=2, signature=None))
    assert m.cra_flag is CRAFlag.RESPONSE
    assert not m.has_signature_field and not m.is_pre_command


def test_unknown_code_is_read() -> None:
    m = read_message(general_signing(code=0x7FFE))
    assert m.message_code.use_case is None and m.message_code.srvs == ()


@pytest.mark.parametrize(
    ("raw", "offset"),
    [
        (b"", 0),
        (b"\xab", 0),
        (general_signing()[:10], 3),  # the counter field starts at byte 3
        (general_signing(cra=4), 2),
        (general_signing() + b"\x00", len(general_signing())),
        (general_signing(signature=b"\x01" * 10), len(general_signing(signature=None))),
        (b"\xdf\x09\x01" + b"\x00" * 8 + b"\x07", 11),
    ],
)
def test_malformed_offsets(raw: bytes, offset: int) -> None:
    with pytest.raises(GBCSFormatError) as info:
        read_message(raw, source="x.hex")
    assert info.value.offset == offset
    assert f"byte {offset}" in str(info.value)


def test_non_shortest_length_refused() -> None:
    raw = general_signing().replace(b"\x03\x01\x02\x03", b"\x81\x03\x01\x02\x03")
    with pytest.raises(GBCSFormatError, match="shortest"):
        read_message(raw)


@given(st.binary(max_size=300))
@example(b"\xdd\x00\x00\x00\x00\x00\x00\x82")
@example(b"\xdf\x09\x01")
def test_random_bytes_raise_only_library_errors(data: bytes) -> None:
    with contextlib.suppress(DuisError):
        read_message(data)


@given(st.integers(0, 200), st.binary(min_size=1, max_size=3), st.booleans())
def test_truncated_and_mutated(cut: int, junk: bytes, wrap: bool) -> None:
    raw = general_signing(payload=b"\x09" * 150, signature=b"\x02" * 64)
    if wrap:
        raw = mac_header(raw)
    for candidate in (raw[:cut], raw[:cut] + junk + raw[cut + len(junk) :]):
        try:
            m = read_message(candidate)
        except GBCSFormatError as exc:
            assert 0 <= exc.offset <= len(candidate)
        else:
            assert m.raw == candidate


def test_one_error_class_and_one_cra_enum() -> None:
    from mmc.gbcs import CRA, GBCSDecodeError
    from mmc.payload import GBCSDecodeError as DecoderError

    assert GBCSDecodeError is GBCSFormatError is DecoderError
    assert CRAFlag is CRA and str(CRA.ALERT) == "alert"


def test_source_is_named_in_errors() -> None:
    with pytest.raises(GBCSFormatError) as info:
        read_message(b"\xab", source="x.hex")
    assert info.value.source == "x.hex" and str(info.value).startswith("x.hex")


def test_one_code_table_names_messages_and_alerts() -> None:
    from mmc.gbcs import alert_code_name
    from mmc.payload import alert_name, message_code_name

    # facts of GBCS's tables (as gbcs-parser lists them)
    assert alert_code_name(0x8F35) == "Supply Outage Restored"
    assert alert_name(0x8F35) == alert_code_name(0x8F35)
    assert alert_code_name(0x1234) is None
    assert message_code_name(0x0059) == "ECS52 Read ESME/Comms Hub Firmware Version"
    assert message_code_name(0x7FFE) is None
