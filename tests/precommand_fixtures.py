"""A CV 4 request, its PreCommand response and a test PKI, built from literals (tests)."""

from __future__ import annotations

import base64

from duis.ids import EUI64
from signing import Keystore, RemotePartyRole, TestPKI, make_test_pki
from tests.gbcs_builders import general_signing

SUPPLIER = EUI64.parse("90-B3-D5-1F-30-01-00-00")
METER = "00-DB-12-34-56-78-90-A0"
COUNTER = 1764230400123
#: ECS02 Set ESME Payment Mode to Credit: a use case of SRV 1.6.
ECS02 = 0x001A

REQUEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.4">
  <sr:Header>
    <sr:RequestID>90-B3-D5-1F-30-01-00-00:{METER}:{COUNTER}</sr:RequestID>
    <sr:CommandVariant>4</sr:CommandVariant>
    <sr:ServiceReference>1.6</sr:ServiceReference>
    <sr:ServiceReferenceVariant>1.6</sr:ServiceReferenceVariant>
  </sr:Header>
  <sr:Body>
    <sr:UpdatePaymentMode>
      <sr:ExecutionDateTime>2026-12-24T02:00:00Z</sr:ExecutionDateTime>
      <sr:Credit/>
    </sr:UpdatePaymentMode>
  </sr:Body>
</sr:Request>
""".encode()


def gbcs(**changes: object) -> bytes:
    fields: dict[str, object] = {
        "counter": COUNTER,
        "originator": bytes.fromhex(SUPPLIER.hex),
        "target": bytes.fromhex(METER.replace("-", "")),
        "code": ECS02,
        "payload": bytes(range(40)),
        "signature": None,
    }
    fields.update(changes)
    return general_signing(**fields)  # type: ignore[arg-type]


def response(payload: bytes, *, request_id: str | None = None, srv: str = "1.6") -> bytes:
    rid = request_id or f"90-B3-D5-1F-30-01-00-00:{METER}:{COUNTER}"
    b64 = base64.b64encode(payload).decode()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<sr:Response xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.4">
  <sr:Header>
    <sr:RequestID>{rid}</sr:RequestID>
    <sr:ResponseCode>I0</sr:ResponseCode>
    <sr:ResponseDateTime>2026-12-01T10:00:00Z</sr:ResponseDateTime>
  </sr:Header>
  <sr:Body>
    <sr:ResponseMessage>
      <sr:ServiceReference>{srv}</sr:ServiceReference>
      <sr:ServiceReferenceVariant>{srv}</sr:ServiceReferenceVariant>
      <sr:PreCommand>
        <sr:GBCSVersion>4.0</sr:GBCSVersion>
        <sr:GBCSPayload>{b64}</sr:GBCSPayload>
      </sr:PreCommand>
    </sr:ResponseMessage>
  </sr:Body>
</sr:Response>
""".encode()


def pki() -> tuple[TestPKI, Keystore]:
    made = make_test_pki(
        [(SUPPLIER, RemotePartyRole.XML_SIGN), (SUPPLIER, RemotePartyRole.SUPPLIER)]
    )
    store = Keystore([made.issuing_ca, made.root])
    for creds in made.organisations:
        store.add_certificate(creds.certificate)
        store.add_key(creds.private_key)
    return made, store
