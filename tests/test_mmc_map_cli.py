"""``duis decode --format mmc`` maps a DUIS response's payload with the SRV of its header."""

from __future__ import annotations

import base64
from pathlib import Path

from click.testing import CliRunner
from lxml import etree

import mmc
from duis.cli import cli
from duis.model._common import RA
from tests.gbcs_builders import general_signing

# ECS70 (message code 0x0062) answering a clock set: ACCESS-Response DA, invoke id
# 20000001, no date-time, no request spec; 5 data: null (set), null, null (actions),
# 09 0C 07E9 03 0E FF 09 1B 02 00 8000 FF (2025-03-14 09:27:02, deviation unspecified),
# 11 00 (unsigned 0, the clock status); 5 results: set 02/00, action 03/00 twice,
# get 01/00 twice.
PAYLOAD = bytes.fromhex(
    "DA200000010000" + "05000000" + "090C07E9030EFF091B02008000FF" + "1100" + "050200030003000100"
    "0100"
)
MESSAGE = general_signing(
    cra=2,
    code=0x0062,
    payload=PAYLOAD,
    signature=None,
    originator=bytes.fromhex("00124B000A517E01"),
    target=bytes.fromhex("90B3D51F30010000"),
)


def _duis(srv: str) -> str:
    payload = base64.b64encode(MESSAGE).decode("ascii")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<sr:Response xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.4">
  <sr:Header>
    <sr:RequestID>90-B3-D5-1F-30-01-00-00:00-12-4B-00-0A-51-7E-01:1000</sr:RequestID>
    <sr:ResponseID>00-12-4B-00-0A-51-7E-01:90-B3-D5-1F-30-01-00-00:1000</sr:ResponseID>
    <sr:ResponseCode>I0</sr:ResponseCode>
    <sr:ResponseDateTime>2025-03-14T09:27:03.000Z</sr:ResponseDateTime>
  </sr:Header>
  <sr:Body>
    <sr:ResponseMessage>
      <sr:ServiceReference>{".".join(srv.split(".")[:2])}</sr:ServiceReference>
      <sr:ServiceReferenceVariant>{srv}</sr:ServiceReferenceVariant>
      <sr:GBCSPayload>{payload}</sr:GBCSPayload>
    </sr:ResponseMessage>
  </sr:Body>
</sr:Response>
"""


def _run(tmp_path: Path, name: str, text: str) -> etree._Element:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    result = CliRunner().invoke(cli, ["decode", "--format", "mmc", str(path)])
    assert result.exit_code == 0, result.output
    xml = result.stdout.encode("utf-8")
    assert mmc.validate(xml).valid
    return etree.fromstring(xml)


def _rsp(root: etree._Element) -> etree._Element | None:
    smets = root.find(f"{{{RA}}}Body/{{{RA}}}ResponseMessage/{{{RA}}}SMETSData")
    return None if smets is None else smets[0]


def test_srv_6_11_gives_synchronise_clock_with_device_time(tmp_path: Path) -> None:
    rsp = _rsp(_run(tmp_path, "r.xml", _duis("6.11")))
    assert rsp is not None and etree.QName(rsp).localname == "SynchroniseClockRsp"
    assert rsp.findtext(f"{{{RA}}}DeviceTime") == "2025-03-14T09:27:02Z"
    status = rsp.find(f"{{{RA}}}Electricity/{{{RA}}}ElecClockTimeStatus")
    assert status is not None and status.get("TimeStatusCode") == "0"


def test_srv_8_1_1_gives_commissioning_acknowledgement(tmp_path: Path) -> None:
    rsp = _rsp(_run(tmp_path, "r.xml", _duis("8.1.1")))
    assert rsp is not None and etree.QName(rsp).localname == "CommissionDeviceSynchroniseClockRsp"
    assert rsp.get("MessageSuccess") == "true"
    assert len(rsp) == 0


def test_bare_hex_of_an_ambiguous_use_case_gives_gbcs_data_only(tmp_path: Path) -> None:
    root = _run(tmp_path, "r.hex", MESSAGE.hex().upper())
    assert _rsp(root) is None
    assert root.find(f"{{{RA}}}Body/{{{RA}}}ResponseMessage/{{{RA}}}GBCSData") is not None
