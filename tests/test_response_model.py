"""The typed response model on the project's own examples."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

import duis.model as model
from duis import ModelError
from duis.ids import EUI64
from duis.model.response import (
    BodyKind,
    ContentKind,
    DCCAlert,
    DeviceAlert,
    Response,
    ResponseMessage,
    parse_datetime,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "responses"


def _response(name: str) -> Response:
    parsed = model.parse(EXAMPLES / name)
    assert isinstance(parsed, Response)
    return parsed


def test_gbcs_payload_response() -> None:
    r = _response("read-firmware-version.xml")
    assert r.kind is BodyKind.RESPONSE_MESSAGE
    assert r.service_reference_variant == "11.2"
    assert r.response_id is not None and r.request_id is not None
    assert r.response_id.originator == r.request_id.target
    content = r.content
    assert isinstance(content, ResponseMessage)
    assert content.content_kind is ContentKind.GBCS_PAYLOAD
    assert content.gbcs_payload == bytes.fromhex("dd000000000000001234 5678".replace(" ", ""))
    assert r.succeeded and r.category == "I" and not r.is_alert


def test_acknowledgement_has_no_content() -> None:
    r = _response("acknowledgement.xml")
    assert isinstance(r.content, ResponseMessage)
    assert r.content.content_kind is None
    assert r.response_code == "I99" and r.response_id is None


def test_error_category() -> None:
    r = _response("ineligible-role.xml")
    assert r.category == "E" and not r.succeeded


def test_precommand() -> None:
    content = _response("precommand.xml").content
    assert isinstance(content, ResponseMessage) and content.pre_command is not None
    assert content.pre_command.gbcs_version == "4.3"
    assert content.gbcs_payload == content.pre_command.gbcs_payload


def test_inventory_devices_are_typed() -> None:
    content = _response("read-inventory.xml").content
    assert isinstance(content, ResponseMessage)
    (device,) = content.inventory
    assert device.device_id == EUI64.parse("00-DB-12-34-56-78-90-A2")
    assert device.device_type == "ESME"
    assert device.get("UPRN") == "100023336956"
    assert device.get("Connectivity") is None


def test_device_alert() -> None:
    r = _response("device-alert.xml")
    assert isinstance(r.content, DeviceAlert)
    assert r.is_alert and r.alert_code == "8F35" and r.request_id is None
    assert r.content.gbcs_payload.endswith(b"\x8f\x35")


def test_dcc_alert() -> None:
    r = _response("dcc-alert.xml")
    assert isinstance(r.content, DCCAlert)
    assert r.alert_code == "AD1" and r.content.event_kind == "PowerOutageEvent"


def test_future_dated_alert_inside_response_message() -> None:
    r = _response("future-dated-alert.xml")
    assert r.kind is BodyKind.RESPONSE_MESSAGE and r.is_alert and r.alert_code == "8F66"
    assert isinstance(r.content, ResponseMessage) and r.content.future_dated_alert is not None
    assert (
        r.content.future_dated_alert.instruction_number,
        r.content.future_dated_alert.total_instructions,
    ) == (1, 2)


def test_response_time_is_aware() -> None:
    assert _response("ineligible-role.xml").response_time == datetime(
        2025, 3, 14, 9, 31, 10, 500000, tzinfo=timezone.utc
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2025-03-14T09:30:00", datetime(2025, 3, 14, 9, 30)),
        ("2025-03-14T09:30:00.1234567+01:00", "aware"),
        ("2025-03-14", None),
        ("2025-13-14T09:30:00Z", None),
    ],
)
def test_parse_datetime(text: str, expected: object) -> None:
    value = parse_datetime(text)
    if expected == "aware":
        assert value is not None and value.utcoffset() is not None and value.microsecond == 123456
    else:
        assert value == expected


def _doc(body: str) -> bytes:
    return (
        '<sr:Response xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" '
        'schemaVersion="5.4"><sr:Header><sr:ResponseCode>I0</sr:ResponseCode>'
        "<sr:ResponseDateTime>2025-01-01T00:00:00Z</sr:ResponseDateTime></sr:Header>"
        f"<sr:Body>{body}</sr:Body></sr:Response>"
    ).encode()


@pytest.mark.parametrize(
    "body, words",
    [
        (
            "<sr:ResponseMessage><sr:ServiceReference>11.2</sr:ServiceReference>"
            "<sr:ServiceReferenceVariant>11.2</sr:ServiceReferenceVariant>"
            "<sr:GBCSPayload>!!not base64!!</sr:GBCSPayload></sr:ResponseMessage>",
            "not base64",
        ),
        (
            "<sr:ResponseMessage><sr:ServiceReference>11.2</sr:ServiceReference>"
            "<sr:ServiceReferenceVariant>11.2</sr:ServiceReferenceVariant>"
            "<sr:Surprise/></sr:ResponseMessage>",
            "none of the 13",
        ),
        ("<sr:Other/>", "not a DUIS response or alert body"),
        (
            "<sr:DeviceAlertMessage><sr:GBCSPayload>AA==</sr:GBCSPayload></sr:DeviceAlertMessage>",
            "no <sr:AlertCode>",
        ),
    ],
)
def test_broken_bodies_raise_model_error_with_place(body: str, words: str) -> None:
    with pytest.raises(ModelError, match=words) as info:
        model.parse(_doc(body), source="msg.xml")
    assert info.value.source == "msg.xml"
