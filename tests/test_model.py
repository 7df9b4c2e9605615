"""The typed model: reads what validate accepts, writes it back faithfully."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from lxml import etree

import duis
from duis import EUI64, CommandVariant, ModelError, RequestID, validate
from duis.model import Request, Response, parse

VALID = sorted(
    (Path(__file__).resolve().parents[1] / "examples" / "requests" / "valid").glob("*.xml")
)
SR = "http://www.dccinterface.co.uk/ServiceUserGateway"


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_round_trip_gives_an_equal_model_and_a_valid_document(path: Path) -> None:
    # The oracle is the example file itself, read with plain lxml (not the model): the
    # model's fields must be its header texts, and the document the model writes must
    # carry the same header texts and the same body, byte for byte after C14N.
    source = etree.parse(str(path)).getroot()
    header = _header_texts(source)
    first = parse(path)
    assert isinstance(first, Request)
    assert first.schema_version == source.get("schemaVersion") == "5.4"
    assert str(first.request_id) == header["RequestID"].upper()
    assert int(first.command_variant) == int(header["CommandVariant"])
    assert first.service_reference == header["ServiceReference"]
    assert first.srv == header["ServiceReferenceVariant"]
    xml = first.to_xml()
    written = etree.fromstring(xml)
    assert written.get("schemaVersion") == source.get("schemaVersion")
    assert _header_texts(written) == header
    assert _body_c14n(written) == _body_c14n(source)
    second = parse(xml)
    assert isinstance(second, Request)
    assert str(second.request_id) == header["RequestID"].upper()
    assert second.srv == header["ServiceReferenceVariant"]
    assert validate(xml).valid


def _header_texts(root: etree._Element) -> dict[str, str]:
    found = root.find(f"{{{SR}}}Header")
    assert found is not None
    return {etree.QName(el).localname: (el.text or "").strip() for el in found}


def _body_c14n(root: etree._Element) -> bytes:
    body = root.find(f"{{{SR}}}Body")
    assert body is not None and len(body) == 1
    return etree.tostring(body[0], method="c14n")


def test_fields_are_typed() -> None:
    req = parse(VALID[0].parent / "8.11-update-han-device-log-add.xml")
    assert isinstance(req, Request)
    assert req.request_id.originator == EUI64.parse("90-B3-D5-1F-30-01-00-00")
    assert req.command_variant is CommandVariant.SEND_OVER_WAN
    assert (req.service_reference, req.srv, req.body_name) == ("8.11", "8.11", "UpdateHANDeviceLog")
    assert req.entry is not None and req.entry.name == "Update HAN Device Log"


def test_changed_field_is_written_and_body_kept() -> None:
    req = parse(VALID[0].parent / "8.2-read-inventory.xml")
    assert isinstance(req, Request)
    moved = dataclasses.replace(req, request_id=req.request_id.with_counter(42))
    again = parse(moved.to_xml())
    assert isinstance(again, Request)
    assert again.request_id.counter == 42 and again != req
    assert etree.tostring(again.body, method="c14n") == etree.tostring(req.body, method="c14n")


def test_create_fills_sr_and_cv_from_the_catalogue() -> None:
    body = etree.Element(f"{{{SR}}}ReadFirmwareVersion")
    rid = RequestID.parse("90-B3-D5-1F-30-01-00-00:00-12-4B-00-0A-51-7E-01:7")
    req = Request.create(rid, "11.2", body)
    assert (req.service_reference, req.command_variant) == ("11.2", CommandVariant.SEND_OVER_WAN)
    assert validate(req.to_xml()).valid
    with pytest.raises(ModelError, match="unknown ServiceReferenceVariant"):
        Request.create(rid, "99.9", body)


def test_missing_header_part_is_a_model_error_with_place() -> None:
    text = (VALID[0].parent / "8.2-read-inventory.xml").read_bytes()
    broken = text.replace(b"    <sr:CommandVariant>8</sr:CommandVariant>\n", b"")
    with pytest.raises(ModelError, match="CommandVariant") as info:
        parse(broken, source="r.xml")
    assert info.value.source == "r.xml" and info.value.line == 3


def test_not_a_duis_root() -> None:
    with pytest.raises(ModelError, match="not a DUIS"):
        duis.parse(b"<a/>")


def test_response_header() -> None:
    doc = f"""<sr:Response xmlns:sr="{SR}" schemaVersion="5.4"><sr:Header>
    <sr:RequestID>90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:5</sr:RequestID>
    <sr:ResponseCode>I99</sr:ResponseCode><sr:ResponseDateTime>2026-11-28T10:00:00Z</sr:ResponseDateTime>
    </sr:Header><sr:Body><sr:ResponseMessage><sr:ServiceReference>8.3</sr:ServiceReference>
    <sr:ServiceReferenceVariant>8.3</sr:ServiceReferenceVariant></sr:ResponseMessage></sr:Body></sr:Response>"""
    resp = parse(doc)
    assert isinstance(resp, Response)
    assert resp.response_code == "I99" and resp.request_id is not None
    assert resp.request_id.counter == 5 and resp.body_kind == "ResponseMessage"


@pytest.mark.parametrize("cv", ["\u0668", "\u00b2", "1_0", "\uff11"])
def test_command_variant_is_ascii_digits_only(cv: str) -> None:
    data = VALID[0].read_bytes()
    text = data.decode()
    start = text.index("<sr:CommandVariant>") + len("<sr:CommandVariant>")
    end = text.index("</sr:CommandVariant>")
    with pytest.raises(ModelError, match="CommandVariant"):
        parse((text[:start] + cv + text[end:]).encode())


def test_equality_of_requests_whose_body_c14n_refuses() -> None:
    # A body built in code can carry a relative namespace URI (the parser refuses one).
    rid = RequestID.parse("90-B3-D5-1F-30-01-00-00:00-12-4B-00-0A-51-7E-01:7")
    a = Request.create(rid, "11.2", etree.Element("{rel/uri}ReadFirmwareVersion"))
    b = Request.create(rid, "11.2", etree.Element("{rel/uri}ReadFirmwareVersion"))
    c = Request.create(rid, "11.2", etree.Element("{rel/other}ReadFirmwareVersion"))
    assert a == b and a != c
    assert hash(a) == hash(b)


def test_relative_namespace_message_is_refused_by_the_parser() -> None:
    with pytest.raises(duis.MalformedXMLError, match="not an absolute URI"):
        parse(VALID[0].read_bytes().replace(b"<sr:Request ", b'<sr:Request xmlns:x="rel/uri" ', 1))
