"""Decoded GBCS as JSON-friendly data: what ``duis decode``/``duis inspect`` print.

Datetimes become ISO 8601, bytes upper-case hex, named enumerations ``{"value", "name"}``,
records objects with their ``kind`` first; nothing is dropped, so a program reading the
JSON sees every value the decoder found.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mmc.gbcs._datetime import DateTimePattern
from mmc.payload._decode import GBCSMessage
from mmc.payload._mmcmap import field_text, mapping_for
from mmc.payload._values import BitString, Encrypted, Named, Opaque, Record, Tagged, Value

__all__ = ["firmware_version", "message_to_json", "value_to_json"]


def _eui(raw: bytes) -> str:
    return "-".join(f"{b:02X}" for b in raw)


def value_to_json(value: Value) -> Any:
    """One decoded value as JSON-friendly data."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, bytes):
        return value.hex().upper()
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, DateTimePattern):
        return str(value)
    if isinstance(value, Named):
        return {"value": value.value, "name": value.name}
    if isinstance(value, BitString):
        return value.bits
    if isinstance(value, Encrypted):
        return {"encrypted": value.ciphertext.hex().upper()}
    if isinstance(value, Opaque):
        return {"undecoded": value.what, "hex": value.data.hex().upper()}
    if isinstance(value, Tagged):
        return {"tag": value.tag, "value": value_to_json(value.value)}
    if isinstance(value, Record):
        out: dict[str, Any] = {"kind": value.kind}
        out.update((k, value_to_json(v)) for k, v in value.fields)
        return out
    return [value_to_json(v) for v in value]


def message_to_json(message: GBCSMessage) -> dict[str, Any]:
    """A decoded message: header, authentication, alert code and payload."""
    env = message.envelope
    out: dict[str, Any] = {
        "frame": env.kind,
        "cra": env.cra.name.lower(),
        "message_code": f"{env.message_code:04X}",
        "use_case": message.use_case,
        "originator": _eui(env.originator),
        "recipient": _eui(env.recipient),
        "counter": env.counter,
        "date_time": value_to_json(env.date_time),
        "authentication": message.authentication,
    }
    if env.supplementary_remote_party is not None:
        out["supplementary_remote_party"] = _eui(env.supplementary_remote_party)
    code = message.alert_code
    if code is not None:
        out["alert_code"] = {"code": f"{code.value:04X}", "name": code.name}
    firmware = firmware_version(message)
    if firmware is not None:
        out["firmware_version"] = firmware
    out["payload"] = value_to_json(message.payload)
    return out


def firmware_version(message: GBCSMessage) -> str | None:
    """The firmware version a Read Firmware Version (SRV 11.2) response carries, as hex.

    Where it sits is the MMC mapping table's fact (``FirmwareVersion`` of the use
    case's 11.2 entry: ECS52, GCS38, CS08), read here rather than kept twice.
    """
    mapping = mapping_for((message.use_case or "").split(" ", 1)[0], "11.2")
    return None if mapping is None else field_text(mapping, message.payload, "FirmwareVersion")
