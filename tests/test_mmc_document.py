"""MMC GBCSResponse documents: reading, the SRV mapping check, mmc.validate."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mmc
from duis import ModelError, UnsafeXMLError
from duis.ids import EUI64
from duis.schemas import SchemaRegistry

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "mmc"


def test_read_registers() -> None:
    doc = mmc.parse(EXAMPLES / "read-instantaneous-import-registers-electricity.xml")
    assert doc.originator == EUI64.parse("00-DB-12-34-56-78-90-A2")
    assert doc.counter == 1717171717000
    assert doc.srv == "4.1.1" and doc.message_code == "0018"
    assert doc.rsp_name == "ReadInstantaneousImportRegistersRsp" and doc.message_success is True
    assert doc.body_kind is mmc.MMCBodyKind.RESPONSE_MESSAGE


def test_gbcs_data_is_decoded() -> None:
    doc = mmc.parse(EXAMPLES / "read-firmware-version.xml")
    (part,) = doc.gbcs_data
    assert (part.name, part.type, part.format, part.sequence) == (
        "ReadFirmwareVersion",
        "gbcs",
        "plain",
        0,
    )
    assert part.data[:1] == b"\xdd"


def test_device_alert() -> None:
    doc = mmc.parse(EXAMPLES / "device-alert.xml")
    assert doc.body_kind is mmc.MMCBodyKind.DEVICE_ALERT
    assert doc.alert_code == "8F35" and doc.rsp is None
    assert mmc.check_response_element(doc, "4.1.1") == []


def test_not_mmc() -> None:
    with pytest.raises(ModelError, match="not an MMC"):
        mmc.parse(b"<a/>")
    with pytest.raises(UnsafeXMLError):
        mmc.parse(b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')


def _doc(originator: str, counter: str, rsp: str = "<ra:UpdateHANDeviceLogRsp/>") -> bytes:
    return (
        '<ra:GBCSResponse xmlns:ra="http://www.dccinterface.co.uk/ResponseAndAlert" '
        f'schemaVersion="5.4"><ra:Header><ra:BusinessOriginatorID>{originator}'
        "</ra:BusinessOriginatorID><ra:BusinessTargetID>00-24-13-01-00-00-00-01"
        f"</ra:BusinessTargetID><ra:OriginatorCounter>{counter}</ra:OriginatorCounter>"
        f"</ra:Header><ra:Body><ra:ResponseMessage><ra:SMETSData>{rsp}</ra:SMETSData>"
        "</ra:ResponseMessage></ra:Body></ra:GBCSResponse>"
    ).encode()


@given(st.integers(min_value=0, max_value=2**64 - 1), st.integers(0, 2**64 - 1), st.booleans())
def test_header_round_trip(eui: int, counter: int, lower: bool) -> None:
    text = str(EUI64(eui))
    doc = mmc.parse(_doc(text.lower() if lower else text, str(counter)))
    assert doc.originator == EUI64(eui) and doc.counter == counter


@given(st.integers(min_value=2**64, max_value=2**70) | st.integers(max_value=-1))
def test_counter_out_of_range_is_a_model_error(counter: int) -> None:
    with pytest.raises(ModelError, match="counter"):
        mmc.parse(_doc("00-DB-12-34-56-78-90-A2", str(counter)))


def test_element_mismatch_rule() -> None:
    doc = mmc.parse(EXAMPLES / "read-firmware-version.xml")
    assert mmc.check_response_element(doc) == []
    assert mmc.check_response_element(doc, "11.2") == []
    (msg, *rest) = mmc.check_response_element(doc, "4.1.1")
    assert msg.rule == "mmc.srv-header-mismatch"
    (mismatch,) = rest
    assert (
        mismatch.rule == "mmc.element-mismatch"
        and "ReadInstantaneousImportRegistersRsp" in mismatch.text
    )
    assert mismatch.line is not None and mismatch.line > 1


def test_srv_without_mmc_element() -> None:
    doc = mmc.parse(_doc("00-DB-12-34-56-78-90-A2", "1"))
    assert [m.rule for m in mmc.check_response_element(doc, "8.2")] == ["mmc.no-response-element"]
    assert [m.rule for m in mmc.check_response_element(doc, "99.9")] == ["mmc.srv-unknown"]
    assert [m.rule for m in mmc.check_response_element(doc)] == ["mmc.srv-missing"]


def test_mapping_works_on_trees_too() -> None:
    from duis.xml import parse

    tree = parse(EXAMPLES / "read-instantaneous-import-registers-gas.xml")
    assert [m.rule for m in mmc.check_response_element(tree, "11.2")] == ["mmc.element-mismatch"]
    assert mmc.check_response_element(tree.getroot(), "4.1.1") == []


def test_expected_element_and_owners() -> None:
    assert mmc.expected_element("4.1.1") == "ReadInstantaneousImportRegistersRsp"
    assert mmc.expected_element("8.2") is None
    assert mmc.srvs_for_element("ReadFirmwareVersionRsp") == ("11.2",)


def test_validate_adds_the_mapping_rule() -> None:
    registry = SchemaRegistry()
    ok = mmc.validate(
        EXAMPLES / "read-instantaneous-import-registers-gas.xml", srv="4.1.1", schemas=registry
    )
    assert ok.valid, ok.messages
    wrong = mmc.validate(
        EXAMPLES / "wrong-element" / "firmware-srv-with-registers.xml", schemas=registry
    )
    assert not wrong.valid and wrong.rules() == {"mmc.element-mismatch"}
    bad = mmc.validate(EXAMPLES / "invalid" / "unit-kwh.xml", schemas=registry)
    assert "xsd" in bad.rules()
    other = mmc.validate(b"<x/>", schemas=registry)
    assert other.rules() == {"mmc.not-mmc"}
    unsafe = mmc.validate(b"<!DOCTYPE x><x/>", schemas=registry)
    assert unsafe.rules() == {"xml.unsafe"}


@pytest.mark.parametrize("counter", ["\u0668", "\u00b2", "1_0", "9" * 5000, "\u0661\u0662"])
def test_counter_is_ascii_digits_only(counter: str) -> None:
    with pytest.raises(ModelError, match="ASCII digits"):
        mmc.parse(_doc("00-DB-12-34-56-78-90-A2", counter))


def test_counter_split_by_a_comment_reads_as_the_xsd_does() -> None:
    assert mmc.parse(_doc("00-DB-12-34-56-78-90-A2", "1<!-- n -->999")).counter == 1999
