"""Issue 8 §2.7: every region the embedded schemas accept unchecked gets an xsd.not-covered note."""

from __future__ import annotations

from pathlib import Path

import duis

ROOT = Path(__file__).resolve().parents[1]
SR = "http://www.dccinterface.co.uk/ServiceUserGateway"
RA = "http://www.dccinterface.co.uk/ResponseAndAlert"

# A DCC alert whose PowerOutageEvent carries a child DUIS does not define.
ALERT = f"""<sr:Response xmlns:sr="{SR}" schemaVersion="5.4">
  <sr:Header>
    <sr:ResponseCode>I0</sr:ResponseCode>
    <sr:ResponseDateTime>2025-03-14T10:05:00Z</sr:ResponseDateTime>
  </sr:Header>
  <sr:Body>
    <sr:DCCAlertMessage>
      <sr:DCCAlertCode>AD1</sr:DCCAlertCode>
      <sr:DCCAlert>
        <sr:PowerOutageEvent><sr:NoSuchChild>1</sr:NoSuchChild></sr:PowerOutageEvent>
      </sr:DCCAlert>
    </sr:DCCAlertMessage>
  </sr:Body>
</sr:Response>"""

# An MMC device alert with a payload (MMC's Payload choice is unchecked in the embedded schema).
MMC_ALERT = f"""<ra:GBCSResponse xmlns:ra="{RA}" schemaVersion="5.4">
  <ra:Header>
    <ra:BusinessOriginatorID>00-DB-12-34-56-78-90-A2</ra:BusinessOriginatorID>
    <ra:BusinessTargetID>00-24-13-01-00-00-00-01</ra:BusinessTargetID>
    <ra:OriginatorCounter>1717171718000</ra:OriginatorCounter>
  </ra:Header>
  <ra:Body>
    <ra:DeviceAlertMessage>
      <ra:DeviceAlertContent>
        <ra:GBCSHexAlertCode>8F35</ra:GBCSHexAlertCode>
        <ra:AlertDescription>Supply interrupted and restored</ra:AlertDescription>
        <ra:Timestamp>2025-03-14T10:02:11Z</ra:Timestamp>
        <ra:Payload>
          <ra:SupplyOutageRestoreAlert><ra:Anything><ra:SupplyOutageRestoreAlert/>
          </ra:Anything></ra:SupplyOutageRestoreAlert>
        </ra:Payload>
      </ra:DeviceAlertContent>
    </ra:DeviceAlertMessage>
  </ra:Body>
</ra:GBCSResponse>"""


def _notes(data: str) -> list[tuple[str | None, int | None]]:
    report = duis.validate(data.encode())
    assert report.valid, report.messages
    return [(m.path, m.line) for m in report.messages if m.rule == "xsd.not-covered"]


def test_dcc_alert_event_is_noted() -> None:
    assert _notes(ALERT) == [
        ("/sr:Response/sr:Body/sr:DCCAlertMessage/sr:DCCAlert/sr:PowerOutageEvent", 10)
    ]


def test_mmc_alert_payload_is_noted_once_however_deep() -> None:
    # The nested element of the same name sits inside the unchecked region: not listed again.
    assert _notes(MMC_ALERT) == [
        (
            "/ra:GBCSResponse/ra:Body/ra:DeviceAlertMessage/ra:DeviceAlertContent/ra:Payload"
            "/ra:SupplyOutageRestoreAlert",
            14,
        )
    ]


def test_checked_content_gets_no_note() -> None:
    for path in (ROOT / "examples" / "requests" / "valid").glob("*.xml"):
        assert "xsd.not-covered" not in duis.validate(path).rules(), path
