"""GBZ payloads of gas meters: ZigBee ZCL frames in GBCS's GBZ envelope.

Layout (GBCS 7.2, as read by DCC's gbcs-parser): profile id ``0109``, a component
count, for alerts an alert code (2) and a UTC time (4), then components: control field,
cluster id (2), length (2), for encrypted components (control bit 0x02) two bytes of
additional header and later a ciphered part (length, 5-byte security header, ciphertext
and tag), for components with control bit 0x10 a "from" time (4); then the ZCL header
(frame control, sequence number, command id) and the command payload. GBZ's own fields
(cluster, lengths, alert code and times) are big-endian, ZCL's integers little-endian;
both kinds of UTC time count seconds from 2000-01-01T00:00:00Z.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from mmc.gbcs._cursor import Reader
from mmc.payload._dlms import Opener
from mmc.payload._values import BitString, Encrypted, Named, Opaque, Record, Value

__all__ = ["GBZ_PROFILE", "read_gbz"]

GBZ_PROFILE = 0x0109
_ZCL_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)
#: Extended header control field bits with a public layout (GBCS, as gbcs-parser,
#: Wireshark and Silicon Labs' GBZ reader read them): last component, encrypted
#: component, "from" date-time present.
_LAST = 0x01
_ENCRYPTED = 0x02
_FROM_TIME = 0x10
_KNOWN_CONTROL = _LAST | _ENCRYPTED | _FROM_TIME

CLUSTERS = {
    0x0000: "Basic",
    0x0019: "OTA Upgrade",
    0x0700: "Price",
    0x0702: "Metering",
    0x0705: "Prepayment",
    0x0707: "Calendar",
    0x0708: "Device Management",
    0x0709: "Events",
}
#: ZCL status codes (ZCL spec 2.5.3).
ZCL_STATUS = {
    0x00: "Success",
    0x01: "Failure",
    0x7E: "Not Authorized",
    0x80: "Malformed Command",
    0x81: "Unsup Cluster Command",
    0x82: "Unsup General Command",
    0x85: "Invalid Field",
    0x86: "Unsupported Attribute",
    0x87: "Invalid Value",
    0x88: "Read Only",
    0x89: "Insufficient Space",
    0x8B: "Not Found",
    0x8D: "Invalid Data Type",
    0x93: "Action Denied",
    0x94: "Timeout",
    0x96: "Invalid Image",
    0xC0: "Hardware Failure",
}
_GENERAL = {0x00: "Read Attributes", 0x01: "Read Attributes Response", 0x0B: "Default Response"}


def utc_time(seconds: int) -> datetime | None:
    """A ZCL UTCTime; 0 and 0xFFFFFFFF mean no time."""
    if seconds in (0, 0xFFFFFFFF):
        return None
    return _ZCL_EPOCH + timedelta(seconds=seconds)


def _zcl_value(reader: Reader, kind: int) -> Value:
    at = reader.pos
    if kind in (0x08, 0x18):
        return BitString(f"{reader.uint(1):08b}")
    if kind in (0x09, 0x19):
        return BitString(f"{reader.uint(2, little=True):016b}")
    if kind in (0x0B, 0x1B):
        return BitString(f"{reader.uint(4, little=True):032b}")
    if kind == 0x10:
        return reader.byte("boolean") != 0
    if 0x20 <= kind <= 0x27:
        return reader.uint(kind - 0x1F, "ZCL unsigned", little=True)
    if 0x28 <= kind <= 0x2F:
        return reader.sint(kind - 0x27, "ZCL signed", little=True)
    if kind in (0x30, 0x31):
        return Named(reader.uint(kind - 0x2F, "ZCL enum", little=True))
    if kind == 0x41:
        return reader.take(reader.byte("octet-string length"), "octet-string")
    if kind == 0x42:
        return reader.take(reader.byte("string length"), "string").decode("latin-1")
    if kind == 0xE2:
        return utc_time(reader.uint(4, "UTC time", little=True))
    raise reader.fail(f"ZCL data type 0x{kind:02X} is not one GBCS uses", at)


def _read_attributes_response(reader: Reader) -> tuple[Value, ...]:
    out: list[Value] = []
    while not reader.at_end():
        attribute = reader.uint(2, "attribute id", little=True)
        status = reader.byte("status")
        fields: list[tuple[str, Value]] = [
            ("attribute", attribute),
            ("status", Named(status, ZCL_STATUS.get(status))),
        ]
        if status == 0:
            kind = reader.byte("attribute data type")
            fields.append(("value", _zcl_value(reader, kind)))
        out.append(Record("attribute", tuple(fields)))
    return tuple(out)


def _command(reader: Reader, frame_control: int, command: int) -> Value:
    if frame_control & 0x03 == 0 and command == 0x01:
        return _read_attributes_response(reader)
    if frame_control & 0x03 == 0 and command == 0x0B:
        target = reader.byte("command id")
        status = reader.byte("status")
        return Record(
            "default-response",
            (("command", target), ("status", Named(status, ZCL_STATUS.get(status)))),
        )
    return Opaque("ZCL command payload", reader.take(reader.remaining))


def _component(reader: Reader, opener: Opener | None) -> Record:
    control_at = reader.pos
    control = reader.byte("GBZ control field")
    cluster = reader.uint(2, "cluster id")
    body = reader.sub(reader.uint(2, "component length"), "GBZ component")
    unread = control & ~_KNOWN_CONTROL
    if unread:
        # A flag this reader has no public layout for (GBZ compression among them):
        # the component is kept whole, never guessed at.
        return Record(
            "component",
            (
                ("cluster", Named(cluster, CLUSTERS.get(cluster))),
                ("command", None),
                ("from", None),
                (
                    "payload",
                    Opaque(
                        f"GBZ component (byte {control_at}) with extended header control "
                        f"0x{control:02X}: bits 0x{unread:02X} (such as compression) are not "
                        "read here",
                        body.take(body.remaining),
                    ),
                ),
            ),
        )
    from_time: Value = None
    if control & _ENCRYPTED:
        body.take(2, "additional header")
    elif control & _FROM_TIME:
        from_time = utc_time(body.uint(4, "from date-time"))
    frame_control = body.byte("ZCL frame control")
    body.byte("ZCL sequence number")
    command = body.byte("ZCL command id")
    payload: Value
    if control & _ENCRYPTED:
        size = body.uint(2, "ciphered information length")
        at = body.pos
        sealed_reader = body.sub(size, "ciphered information")
        sealed_reader.take(5, "security header")
        sealed = sealed_reader.take(sealed_reader.remaining)
        plain = opener(sealed, at) if opener is not None else None
        payload = (
            Encrypted(sealed) if plain is None else _command(Reader(plain), frame_control, command)
        )
    else:
        payload = _command(body, frame_control, command)
    if not body.at_end():
        raise body.fail("bytes after the ZCL payload")
    name = _GENERAL.get(command) if frame_control & 0x03 == 0 else None
    return Record(
        "component",
        (
            ("cluster", Named(cluster, CLUSTERS.get(cluster))),
            ("command", Named(command, name)),
            ("from", from_time),
            ("payload", payload),
        ),
    )


#: Alert message codes whose body after the timestamp is use-case specific (GBCS
#: 0x00CD future-dated outcome, 0x00CF firmware distribution receipt, 0x00F2 meter
#: integrity warning).
FUTURE_DATED = 0x00CD
FIRMWARE_RECEIPT = 0x00CF
INTEGRITY_WARNING = 0x00F2


def _special_alert(reader: Reader, message_code: int) -> Value:
    if message_code == FUTURE_DATED:
        reader.byte("future-dated payload marker")
        code = reader.uint(2, "message code")
        counter = reader.uint(8, "originator counter")
        cluster = reader.uint(2, "cluster id")
        reader.byte("ZCL frame control")
        command = reader.byte("ZCL command id")
        return Record(
            "future-dated-outcome",
            (
                ("message-code", code),
                ("originator-counter", counter),
                ("cluster", Named(cluster, CLUSTERS.get(cluster))),
                ("command", command),
            ),
        )
    if message_code == FIRMWARE_RECEIPT:
        if reader.byte("octet-string tag") != 0x09:
            raise reader.fail("firmware hash is not an octet-string", reader.pos - 1)
        return Record("firmware-receipt", (("hash", reader.take(reader.length(), "hash")),))
    return Record("integrity-warning", (("other-info", reader.uint(2, "other info")),))


def read_gbz(
    reader: Reader, *, alert: bool, opener: Opener | None = None, message_code: int = 0
) -> Record:
    """A GBZ payload (response or alert)."""
    at = reader.pos
    if reader.uint(2, "GBZ profile id") != GBZ_PROFILE:
        raise reader.fail("not a GBZ payload (profile id is not 0109)", at)
    count = reader.byte("GBZ component count")
    fields: list[tuple[str, Value]] = []
    if alert:
        fields.append(("alert-code", reader.uint(2, "alert code")))
        fields.append(("timestamp", utc_time(reader.uint(4, "alert time"))))
    components: list[Value] = []
    if alert and message_code in (FUTURE_DATED, FIRMWARE_RECEIPT, INTEGRITY_WARNING):
        fields.append(("outcome", _special_alert(reader, message_code)))
    while not reader.at_end() and len(components) < count:
        components.append(_component(reader, opener))
    if not reader.at_end():
        fields.append(
            ("rest", Opaque("use-case specific alert content", reader.take(reader.remaining)))
        )
    fields.append(("components", tuple(components)))
    return Record("gbz", tuple(fields))
