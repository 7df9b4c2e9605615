"""DER-encoded payloads (Communications Hub and security-credential use cases).

A small DER reader: SEQUENCE/SET become tuples, INTEGER/ENUMERATED ints and
:class:`Named`, OCTET STRING bytes, GeneralizedTime/UTCTime datetimes, context tags
:class:`Tagged`. pyasn1/asn1tools would need the GBCS ASN.1 module text, which GBCS
publishes only inside its PDF; without it they decode no better than this, so no
dependency. Depth is capped and each element consumes its header, bounding the work.
"""

from __future__ import annotations

from datetime import datetime, timezone

from mmc.gbcs._cursor import Reader
from mmc.payload._values import BitString, Named, Tagged, Value

__all__ = ["read_der"]

MAX_DEPTH = 32


def _time(raw: bytes, generalized: bool, reader: Reader, at: int) -> datetime:
    text = raw.decode("ascii", errors="replace").rstrip("Z")
    fmt = "%Y%m%d%H%M%S" if generalized else "%y%m%d%H%M%S"
    try:
        return datetime.strptime(text.split(".")[0], fmt).replace(tzinfo=timezone.utc)
    except ValueError:
        raise reader.fail(f"ASN.1 time {text!r} is not a time", at) from None


def read_der(reader: Reader, depth: int = 0) -> Value:
    """One DER element."""
    if depth > MAX_DEPTH:
        raise reader.fail(f"ASN.1 nested deeper than {MAX_DEPTH}")
    at = reader.pos
    tag = reader.byte("ASN.1 tag")
    if tag & 0x1F == 0x1F:
        raise reader.fail("ASN.1 high tag numbers are not used by GBCS", at)
    body = reader.sub(reader.length("ASN.1 length"), "ASN.1 value")
    raw = body.data[body.pos : body.end]
    constructed = bool(tag & 0x20)
    if tag & 0xC0:
        if constructed:
            items = []
            while not body.at_end():
                items.append(read_der(body, depth + 1))
            return Tagged(tag & 0x1F, items[0] if len(items) == 1 else tuple(items))
        return Tagged(tag & 0x1F, raw)
    number = tag & 0x1F
    if constructed:
        items = []
        while not body.at_end():
            items.append(read_der(body, depth + 1))
        return tuple(items)
    if number == 1:
        return raw != b"\x00"
    if number == 2:
        return int.from_bytes(raw, "big", signed=True)
    if number == 10:
        return Named(int.from_bytes(raw, "big", signed=True))
    if number == 3:
        if not raw:
            raise reader.fail("empty ASN.1 BIT STRING", at)
        bits = "".join(f"{b:08b}" for b in raw[1:])
        return BitString(bits[: len(bits) - raw[0]] if raw[0] < 8 else bits)
    if number == 4:
        return raw
    if number == 5:
        return None
    if number == 6:
        return ".".join(str(n) for n in _oid(raw))
    if number in (12, 19, 22, 26):
        return raw.decode("utf-8" if number == 12 else "latin-1", errors="replace")
    if number in (23, 24):
        return _time(raw, number == 24, reader, at)
    raise reader.fail(f"ASN.1 universal type {number} is not one GBCS uses", at)


def _oid(raw: bytes) -> list[int]:
    values: list[int] = []
    current = 0
    for byte in raw:
        current = (current << 7) | (byte & 0x7F)
        if not byte & 0x80:
            values.append(current)
            current = 0
    if not values:
        return []
    first = values[0]
    return [min(first // 40, 2), first - 40 * min(first // 40, 2), *values[1:]]
