"""Decoded GBCS as MMC output: the ``ra:GBCSResponse`` DCC's Parse tool would produce.

The header comes from the grouping header (device as BusinessOriginatorID, the User or
DSP as BusinessTargetID, the counter, the message code). Alerts map regularly: every
alert becomes a ``DeviceAlertMessage`` with its code, GBCS name and time. Responses map
per use case through the table the engine in :mod:`mmc.payload._mmcmap` reads (use
case and SRV -> ``...Rsp`` element and its fields); other use cases give a
``ResponseMessage`` holding the raw message as ``GBCSData`` and no ``SMETSData``, which
the MMC schema allows. The output goes through :func:`mmc.validate` like any other MMC
document.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime, timezone
from types import MappingProxyType

from lxml import etree

from duis.model._common import RA
from mmc.gbcs._envelope import CRA
from mmc.payload._decode import GBCSMessage
from mmc.payload._mmcmap import UseCaseMap, fill, mapping_for, mappings, success
from mmc.payload._values import Record

__all__ = ["RESPONSE_MAPPINGS", "to_mmc", "use_case_code"]


def _by_use_case() -> Mapping[str, tuple[UseCaseMap, ...]]:
    found: dict[str, list[UseCaseMap]] = {}
    for m in mappings():
        found.setdefault(m.use_case, []).append(m)
    return MappingProxyType({k: tuple(v) for k, v in found.items()})


#: Use case (``"ECS52"``) -> its mappings, one per SRV it answers (a view of the table).
RESPONSE_MAPPINGS: Mapping[str, tuple[UseCaseMap, ...]] = _by_use_case()


def _q(name: str) -> str:
    return f"{{{RA}}}{name}"


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, _q(name))
    if text is not None:
        el.text = text
    return el


def _eui(raw: bytes) -> str:
    return "-".join(f"{b:02X}" for b in raw)


def _time(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def use_case_code(message: GBCSMessage) -> str:
    """The use case's code (``"ECS52"``) from its message code; ``""`` when GBCS names none."""
    return (message.use_case or "").split(" ", 1)[0]


def to_mmc(message: GBCSMessage, *, schema_version: str = "5.4", srv: str | None = None) -> bytes:
    """The MMC ``ra:GBCSResponse`` for ``message`` (UTF-8 XML bytes).

    ``srv`` is the SRV the response answers (from its DUIS response or request); it
    picks the mapping of a use case that answers several SRVs (ECS70: 6.11 or 8.1.1)
    and without it such a response gets ``GBCSData`` only.
    """
    env = message.envelope
    root = etree.Element(_q("GBCSResponse"), nsmap={"ra": RA})
    root.set("schemaVersion", schema_version)
    header = _sub(root, "Header")
    _sub(header, "BusinessOriginatorID", _eui(env.originator))
    _sub(header, "BusinessTargetID", _eui(env.recipient))
    _sub(header, "OriginatorCounter", str(env.counter))
    _sub(header, "GBCSHexadecimalMessageCode", f"{env.message_code:04X}")
    use_case = use_case_code(message)
    mapping = mapping_for(use_case, srv) if env.cra is CRA.RESPONSE else None
    if mapping is not None:
        _sub(header, "ServiceReference", ".".join(mapping.srv.split(".")[:2]))
        _sub(header, "ServiceReferenceVariant", mapping.srv)
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
            rsp = _sub(smets, mapping.element)
            ok = success(mapping, message.payload)
            if ok is not None:
                rsp.set("MessageSuccess", "true" if ok else "false")
            fill(mapping, message.payload, rsp)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
