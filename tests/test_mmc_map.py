"""The MMC mapping engine and its table, on messages built here byte by byte.

Expected values come from the bytes written in each test (DLMS/ZCL/ASN.1 encodings
spelled out in the comments) and from DCC's MMC schema facts (element names,
enumerations), never from the engine's own output.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from importlib import resources

import pytest
from lxml import etree

import mmc
from duis import catalogue
from duis.model._common import RA
from mmc.gbcs._codes import message_codes
from mmc.payload import RESPONSE_MAPPINGS, Named, Record, decode, to_mmc
from mmc.payload._mmcmap import (
    Field,
    Repeat,
    UseCaseMap,
    fill,
    mapping_for,
    mappings,
    resolve,
    success,
)
from tests.gbcs_builders import general_signing

DEVICE = bytes.fromhex("00DB1234567890A0")
USER = bytes.fromhex("90B3D51F30010000")


def _response(code: int, payload: bytes) -> bytes:
    """An unsealed general-signing response (CRA 2) from the device to the User."""
    return general_signing(
        cra=2, code=code, payload=payload, signature=None, originator=DEVICE, target=USER
    )


def _rsp(xml: bytes) -> etree._Element:
    root = etree.fromstring(xml)
    smets = root.find(f"{{{RA}}}Body/{{{RA}}}ResponseMessage/{{{RA}}}SMETSData")
    assert smets is not None, xml.decode()
    return smets[0]


def _text(rsp: etree._Element, path: str) -> str | None:
    el = rsp.find("/".join(f"{{{RA}}}{p}" for p in path.split("/")))
    return None if el is None else el.text


def test_supply_status_enumeration_from_dlms_bytes() -> None:
    # ECS45 (message code 0x0052). ACCESS-Response DA, invoke id 200003E8, no date-time
    # (00), no request spec (00), one data item 16 02 (enum 2, DLMS disconnect control
    # ready_for_reconnection), one result: get (01), success (00). MMC: "Armed".
    xml = to_mmc(decode(_response(0x0052, bytes.fromhex("DA200003E80000011602010100")), None))
    rsp = _rsp(xml)
    assert etree.QName(rsp).localname == "ReadSupplyStatusRsp"
    assert _text(rsp, "SupplyState") == "Armed"
    assert rsp.get("MessageSuccess") == "true"
    assert mmc.validate(xml).valid


def test_failed_item_gives_message_success_false_and_no_value() -> None:
    # ECS52 (0x0059): one item whose data is absent and whose result is 01
    # (hardware-fault): the Rsp says MessageSuccess false and carries no version.
    payload = bytes.fromhex("DA200003E8000001" + "00" + "010101")
    message = decode(_response(0x0059, payload), None)
    rsp = _rsp(to_mmc(message))
    assert etree.QName(rsp).localname == "ReadFirmwareVersionRsp"
    assert rsp.get("MessageSuccess") == "false"
    assert _text(rsp, "FirmwareVersion") is None


def test_firmware_version_octet_string() -> None:
    # 09 04 02 01 00 07: octet-string of 4 bytes -> "02010007".
    payload = bytes.fromhex("DA200003E80000" + "01" + "090402010007" + "010100")
    xml = to_mmc(decode(_response(0x0059, payload), None))
    assert _text(_rsp(xml), "FirmwareVersion") == "02010007"
    assert b"<ra:ServiceReferenceVariant>11.2</ra:ServiceReferenceVariant>" in xml


def test_use_case_with_several_srvs_needs_the_srv() -> None:
    # ECS70 answers 6.11 (Synchronise Clock) and 8.1.1 (Commission Device): its bytes
    # do not say which, so without the SRV there is no Rsp element; with it, the right one.
    assert mapping_for("ECS70") is None
    six = mapping_for("ECS70", "6.11")
    eight = mapping_for("ECS70", "8.1.1")
    assert six is not None and six.element == "SynchroniseClockRsp"
    assert eight is not None and eight.element == "CommissionDeviceSynchroniseClockRsp"
    assert mapping_for("ECS70", "4.1.1") is None


def test_paths_select_records_tuples_and_attributes() -> None:
    attr = Record("attribute", (("attribute", 0x0206), ("value", b"\x01")))
    other = Record("attribute", (("attribute", 0x0000), ("value", 5)))
    comp = Record("component", (("cluster", Named(0x0702, "Metering")), ("payload", (other, attr))))
    root = Record("gbz", (("components", (comp,)),))
    assert resolve(root, "components/[cluster=0x0702]/payload/[attribute=0x0206]/value") == b"\x01"
    assert resolve(root, "components/[cluster=1794]/payload/1/value") == b"\x01"
    assert resolve(root, "components/[cluster=0x0700]/payload") is None
    assert resolve(root, "components/5") is None
    assert resolve(root, "components/0/nothing") is None
    assert resolve(5, "a") is None


def test_gbz_success_reads_every_status() -> None:
    ok = Record("attribute", (("attribute", 1), ("status", Named(0, "Success"))))
    bad = Record("attribute", (("attribute", 2), ("status", Named(0xC0, "Hardware Failure"))))
    comp = Record("component", (("payload", (ok, bad)),))
    assert success(None, Record("gbz", (("components", (comp,)),))) is False
    comp = Record("component", (("payload", (ok,)),))
    assert success(None, Record("gbz", (("components", (comp,)),))) is True
    # A component this decoder leaves opaque: success is not known, the attribute is left out.
    opaque = Record("component", (("payload", b"\x00"),))
    assert success(None, Record("gbz", (("components", (opaque,)),))) is None
    assert success(None, Record("asn1", (("value", (1,)),))) is None


def test_every_table_srv_has_its_element_and_every_use_case_is_gbcs() -> None:
    names = {c.use_case for c in message_codes().values() if c.use_case}
    seen = set()
    for m in mappings():
        row = catalogue.get(m.srv)
        assert row is not None and row.mmc_response == m.element, m
        assert m.use_case in names, f"{m.use_case} is not a GBCS use case code"
        assert (m.use_case, m.srv) not in seen, f"{m.use_case} {m.srv} declared twice"
        seen.add((m.use_case, m.srv))
    assert len(seen) >= 124
    assert set(RESPONSE_MAPPINGS) == {u for u, _ in seen}


def test_table_conversions_and_enums_are_known() -> None:
    text = resources.files("mmc.payload").joinpath("data/mmc-responses.json").read_text("utf-8")
    table = json.loads(text)
    known = {"int", "decimal", "hex", "text", "datetime", "bool", "code", "const"}
    known |= {"alert-name", "utc-seconds-2000", "eui", "index"}

    def check(field: dict[str, object]) -> None:
        if "each" in field:
            for sub in field["fields"]:  # type: ignore[attr-defined]
                check(sub)
            return
        kind = str(field["as"])
        if kind.startswith("enum:"):
            assert kind[5:] in table["enums"], kind
        else:
            assert kind in known, kind

    for entry in table["use_cases"]:
        for field in entry.get("fields", ()):
            check(field)


def test_log_times_count_from_2000() -> None:
    # ZigBee/GBCS log time 0x1C35F900 = 473299200 s = 5478 days after 2000-01-01
    # (15 years, 4 of them leap: 5479 days to 2015-01-01) -> 2014-12-31T00:00:00Z.
    from mmc.payload._mmcmap import Field, _convert

    spec = Field(element="Timestamp", source="", convert="utc-seconds-2000")
    assert _convert(spec, None, 0x1C35F900) == "2014-12-31T00:00:00Z"
    assert datetime(2014, 12, 31, tzinfo=timezone.utc).timestamp() - 946684800 == 473299200


@pytest.mark.parametrize("code", [0x0059, 0x0052])
def test_alert_cra_never_maps_a_response(code: int) -> None:
    # The same message code sent as an alert (CRA 3) is not a response: no Rsp element.
    data = general_signing(
        cra=3,
        code=code,
        payload=bytes.fromhex("DA200003E80000011602010100"),
        signature=None,
        originator=DEVICE,
        target=USER,
    )
    message = decode(data, None)
    assert message.cra.name == "ALERT"
    assert b"SMETSData" not in to_mmc(message)


def test_a_plus_step_starts_a_fresh_element_and_booleans_convert() -> None:
    rows = (
        Field("+Group/Phase", "", "const", value="1"),
        Field("Group/Flag", "0", "bool"),
        Field("+Group/Phase", "", "const", value="2"),
        Field("Group/Flag", "1", "bool"),
    )
    mapping = UseCaseMap("X", "0.0", "Rsp", (), rows, None, None)
    rsp = etree.Element(f"{{{RA}}}Rsp")
    fill(mapping, (True, False), rsp)
    groups = rsp.findall(f"{{{RA}}}Group")
    assert [(g.findtext(f"{{{RA}}}Phase"), g.findtext(f"{{{RA}}}Flag")) for g in groups] == [
        ("1", "true"),
        ("2", "false"),
    ]


def test_a_list_of_bare_values_is_numbered_from_one() -> None:
    # MMC's ...WithIndex types: <X index="1">value</X>, one per entry, in entry order;
    # an entry whose value does not convert (not an int) gets no element, since an
    # empty one is invalid, and the numbers of the others stay their positions.
    each = Repeat(
        "Matrix/Value",
        "0",
        (Field(".", "", "int"), Field("@index", "", "index")),
        limit=4,
    )
    mapping = UseCaseMap("X", "0.0", "Rsp", (), (each,), None, None)
    rsp = etree.Element(f"{{{RA}}}Rsp")
    fill(mapping, ((7, 9, b"x", 11, 13),), rsp)
    values = rsp.findall(f"{{{RA}}}Matrix/{{{RA}}}Value")
    assert [(v.get("index"), v.text) for v in values] == [("1", "7"), ("2", "9"), ("4", "11")]


def test_nested_lists_a_length_guard_and_negative_indices() -> None:
    # Two entry shapes share one table: (time, [3 values], [2 values]) and
    # (time, extra, [3 values], [2 values]). The 3-list sits at 1 or 2, told apart by
    # its length; the 2-list is last in both (-1).
    def numbered(element: str, source: str, length: int) -> Repeat:
        fields = (Field(".", "", "int"), Field("@index", "", "index"))
        return Repeat(element, source, fields, limit=length, length=length)

    entry = Repeat(
        "Entry",
        "",
        (
            Field("Time", "0", "int"),
            numbered("Three", "1", 3),
            numbered("Three", "2", 3),
            numbered("Two", "-1", 2),
        ),
        limit=5,
    )
    mapping = UseCaseMap("X", "0.0", "Rsp", (), (entry,), None, None)
    rsp = etree.Element(f"{{{RA}}}Rsp")
    fill(mapping, ((1, (4, 5, 6), (7, 8)), (2, 99, (14, 15, 16), (17, 18))), rsp)
    out = [
        [(etree.QName(e).localname, e.get("index"), e.text) for e in node]
        for node in rsp.findall(f"{{{RA}}}Entry")
    ]
    assert out == [
        [("Time", None, "1")]
        + [("Three", str(i), str(v)) for i, v in ((1, 4), (2, 5), (3, 6))]
        + [("Two", "1", "7"), ("Two", "2", "8")],
        [("Time", None, "2")]
        + [("Three", str(i), str(v)) for i, v in ((1, 14), (2, 15), (3, 16))]
        + [("Two", "1", "17"), ("Two", "2", "18")],
    ]
    assert resolve((1, 2, 3), "-3") == 1 and resolve((1, 2, 3), "-4") is None
