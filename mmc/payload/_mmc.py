"""Decoded GBCS as MMC output: the ``ra:GBCSResponse`` DCC's Parse tool would produce.

The header comes from the grouping header (device as BusinessOriginatorID, the User or
DSP as BusinessTargetID, the counter, the message code). Alerts map regularly: every
alert becomes a ``DeviceAlertMessage`` with its code, GBCS name and time. Responses map
per use case through :data:`RESPONSE_MAPPINGS` (use case -> SRV, ``...Rsp`` element and
the function filling it); other use cases give a ``ResponseMessage`` holding the raw
message as ``GBCSData`` and no ``SMETSData``, which the MMC schema allows. The output
goes through :func:`mmc.validate` like any other MMC document.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from types import MappingProxyType

from lxml import etree

from duis.model._common import RA
from mmc.payload._decode import GBCSMessage
from mmc.payload._envelope import CRA
from mmc.payload._json import firmware_version
from mmc.payload._values import Named, Record

__all__ = ["RESPONSE_MAPPINGS", "to_mmc"]

_Fill = Callable[[GBCSMessage, etree._Element], None]


def _q(name: str) -> str:
    return f"{{{RA}}}{name}"


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, _q(name))
    if text is not None:
        el.text = text
    return el


def _fill_firmware(message: GBCSMessage, rsp: etree._Element) -> None:
    version = firmware_version(message)
    if version is not None:
        _sub(rsp, "FirmwareVersion", version)


#: Use case prefix -> (SRV, MMC ...Rsp element, filler).
RESPONSE_MAPPINGS: Mapping[str, tuple[str, str, _Fill]] = MappingProxyType(
    {"ECS52": ("11.2", "ReadFirmwareVersionRsp", _fill_firmware)}
)


def _eui(raw: bytes) -> str:
    return "-".join(f"{b:02X}" for b in raw)


def _time(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _success(message: GBCSMessage) -> bool:
    """Whether every DLMS item succeeded (Data-Access-Result 0)."""
    payload = message.payload
    items = payload.get("items") if isinstance(payload, Record) else None
    if not isinstance(items, tuple):
        return True
    for item in items:
        result = item.get("result") if isinstance(item, Record) else None
        if isinstance(result, Named) and result.value != 0:
            return False
    return True


def to_mmc(message: GBCSMessage, *, schema_version: str = "5.4") -> bytes:
    """The MMC ``ra:GBCSResponse`` for ``message`` (UTF-8 XML bytes)."""
    env = message.envelope
    root = etree.Element(_q("GBCSResponse"), nsmap={"ra": RA})
    root.set("schemaVersion", schema_version)
    header = _sub(root, "Header")
    _sub(header, "BusinessOriginatorID", _eui(env.originator))
    _sub(header, "BusinessTargetID", _eui(env.recipient))
    _sub(header, "OriginatorCounter", str(env.counter))
    _sub(header, "GBCSHexadecimalMessageCode", f"{env.message_code:04X}")
    use_case = (message.use_case or "").split(" ", 1)[0]
    mapping = next((m for k, m in RESPONSE_MAPPINGS.items() if use_case.startswith(k)), None)
    if mapping is not None and env.cra is CRA.RESPONSE:
        _sub(header, "ServiceReference", ".".join(mapping[0].split(".")[:2]))
        _sub(header, "ServiceReferenceVariant", mapping[0])
    body = _sub(root, "Body")
    raw = base64.b64encode(env.raw).decode("ascii")
    code = message.alert_code
    if env.cra is CRA.ALERT and code is not None:
        alert = _sub(body, "DeviceAlertMessage")
        payload = message.payload
        stamp = payload.get("timestamp") if isinstance(payload, Record) else None
        if isinstance(stamp, datetime):
            content = _sub(alert, "DeviceAlertContent")
            _sub(content, "GBCSHexAlertCode", f"{code.value:04X}")
            _sub(content, "AlertDescription", (code.name or "alert not named by GBCS")[:250])
            _sub(content, "Timestamp", _time(stamp))
        else:
            data = _sub(alert, "GBCSData", raw)
            data.attrib.update(
                {"format": "plain", "sequence": "0", "name": use_case, "type": "gbcs"}
            )
    else:
        response = _sub(body, "ResponseMessage")
        data = _sub(response, "GBCSData", raw)
        data.attrib.update({"format": "plain", "sequence": "0", "name": use_case, "type": "gbcs"})
        if mapping is not None:
            smets = _sub(response, "SMETSData")
            rsp = _sub(smets, mapping[1])
            rsp.set("MessageSuccess", "true" if _success(message) else "false")
            mapping[2](message, rsp)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
