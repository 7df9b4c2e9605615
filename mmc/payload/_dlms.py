"""DLMS/COSEM payloads of electricity meters: ACCESS-Response and DATA-NOTIFICATION.

A-XDR data (IEC 62056-6-2 / Green Book) as GBCS uses it: a type tag, then a fixed-size
value or a length and content. Values become Python types (``int``, ``str``, ``bytes``,
``datetime`` for 12-octet date-times, :class:`Named` for enums and access results).
Nesting is capped (:data:`MAX_DEPTH`) and every element consumes at least one byte, so
work is bounded by the input length.
"""

from __future__ import annotations

from collections.abc import Callable

from mmc.gbcs._cursor import Reader
from mmc.gbcs._datetime import read_date_time
from mmc.payload._values import BitString, Encrypted, Named, Record, Value

__all__ = ["MAX_DEPTH", "Opener", "read_access_response", "read_data", "read_data_notification"]

MAX_DEPTH = 32
#: Opens an encrypted part (ciphertext || tag) or returns None when no key is available.
Opener = Callable[[bytes, int], "bytes | None"]

ACCESS_RESPONSE = 0xDA
DATA_NOTIFICATION = 0x0F

#: DLMS Data-Access-Result names (Blue Book / Green Book).
DATA_ACCESS_RESULT = {
    0: "success",
    1: "hardware-fault",
    2: "temporary-failure",
    3: "read-write-denied",
    4: "object-undefined",
    9: "object-class-inconsistent",
    11: "object-unavailable",
    12: "type-unmatched",
    13: "scope-of-access-violated",
    14: "data-block-unavailable",
    15: "long-get-aborted",
    16: "no-long-get-in-progress",
    17: "long-set-aborted",
    18: "no-long-set-in-progress",
    19: "data-block-number-invalid",
    250: "other-reason",
}
#: DLMS Action-Result names.
ACTION_RESULT = {**DATA_ACCESS_RESULT, 3: "read-write-denied"}
_SPEC_KIND = {1: "get", 2: "set", 3: "action"}

_FIXED = {
    5: (4, True),  # double-long
    6: (4, False),  # double-long-unsigned
    15: (1, True),  # integer
    16: (2, True),  # long
    17: (1, False),  # unsigned
    18: (2, False),  # long-unsigned
    20: (8, True),  # long64
    21: (8, False),  # long64-unsigned
}


def _is_date_time(raw: bytes) -> bool:
    """Whether 12 octets look like a COSEM date-time (GBCS uses 12-octet strings for it)."""
    if len(raw) != 12:
        return False
    month, day, weekday, hour, minute, second = raw[2], raw[3], raw[4], raw[5], raw[6], raw[7]
    return (
        (1 <= month <= 12 or month >= 0xFD)
        and (1 <= day <= 31 or day >= 0xFD)
        and (1 <= weekday <= 7 or weekday == 0xFF)
        and (hour < 24 or hour == 0xFF)
        and (minute < 60 or minute == 0xFF)
        and (second < 60 or second == 0xFF)
        and (raw[8] < 100 or raw[8] == 0xFF)
    )


def read_data(reader: Reader, depth: int = 0) -> Value:
    """One A-XDR ``Data`` value."""
    if depth > MAX_DEPTH:
        raise reader.fail(f"DLMS data nested deeper than {MAX_DEPTH}")
    at = reader.pos
    tag = reader.byte("DLMS data type")
    if tag == 0:
        return None
    if tag in (1, 2):
        count = reader.length("array/structure count")
        if count > reader.remaining:
            raise reader.fail(f"{count} elements cannot fit in {reader.remaining} bytes", at)
        return tuple(read_data(reader, depth + 1) for _ in range(count))
    if tag == 3:
        return reader.byte("boolean") != 0
    if tag == 4:
        bits = reader.length("bit-string length")
        raw = reader.take((bits + 7) // 8, "bit-string")
        return BitString("".join(f"{b:08b}" for b in raw)[:bits])
    if tag in _FIXED:
        size, signed = _FIXED[tag]
        return reader.sint(size) if signed else reader.uint(size)
    if tag == 9:
        raw = reader.take(reader.length("octet-string length"), "octet-string")
        if _is_date_time(raw):
            return read_date_time(Reader(reader.data, reader.pos - 12, reader.pos))
        return raw
    if tag in (10, 12):
        raw = reader.take(reader.length("string length"), "string")
        return raw.decode("utf-8" if tag == 12 else "latin-1", errors="replace")
    if tag == 22:
        return Named(reader.byte("enum"))
    if tag == 25:
        return read_date_time(reader)
    if tag == 19:
        return _compact_array(reader, depth)
    raise reader.fail(f"DLMS data type {tag} is not one GBCS uses", at)


def _type_description(reader: Reader, depth: int) -> object:
    """A compact-array element type: a tag, or ("array", n, type), or ("struct", types)."""
    if depth > MAX_DEPTH:
        raise reader.fail(f"DLMS type description nested deeper than {MAX_DEPTH}")
    tag = reader.byte("type description")
    if tag == 1:
        count = reader.uint(2, "array type element count")
        return ("array", count, _type_description(reader, depth + 1))
    if tag == 2:
        count = reader.length("structure type count")
        if count > reader.remaining:
            raise reader.fail(f"{count} element types cannot fit in {reader.remaining} bytes")
        return ("struct", tuple(_type_description(reader, depth + 1) for _ in range(count)))
    return tag


def _untagged(reader: Reader, kind: object, depth: int) -> Value:
    """One compact-array element: ``Data`` of a known type without its tag."""
    if isinstance(kind, tuple):
        if kind[0] == "array":
            count, inner = kind[1], kind[2]
            if count > reader.remaining:
                raise reader.fail(f"{count} elements cannot fit in {reader.remaining} bytes")
            return tuple(_untagged(reader, inner, depth + 1) for _ in range(count))
        return tuple(_untagged(reader, k, depth + 1) for k in kind[1])
    assert isinstance(kind, int)
    if kind in (1, 2, 19):
        raise reader.fail("compact-array element type is malformed")
    # Re-use the tagged reader on a one-byte tag prefix: same encodings, one place.
    value_reader = _Tagged(reader, kind)
    value = read_data(value_reader, depth + 1)
    reader.pos = value_reader.pos
    return value


class _Tagged(Reader):
    """A reader that yields ``tag`` first, then the bytes of ``inner`` (shared position)."""

    __slots__ = ("_given", "_tag")

    def __init__(self, inner: Reader, tag: int) -> None:
        super().__init__(inner.data, inner.pos - 1, inner.end)
        self._tag = tag
        self._given = False

    def byte(self, what: str = "byte") -> int:
        if not self._given:
            self._given = True
            self.pos += 1
            return self._tag
        return super().byte(what)


def _compact_array(reader: Reader, depth: int) -> tuple[Value, ...]:
    kind = _type_description(reader, depth)
    contents = reader.sub(reader.length("compact-array contents length"), "compact-array")
    out: list[Value] = []
    while not contents.at_end():
        before = contents.pos
        out.append(_untagged(contents, kind, depth))
        if contents.pos <= before:
            raise contents.fail("compact-array element of no bytes")
    return tuple(out)


def _protected(value: Value, opener: Opener | None, offset: int) -> Value:
    """Open a GBCS protected-attributes structure (parameters, ciphered octet-string)."""
    if not (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], tuple)
        and isinstance(value[1], bytes)
        and len(value[1]) > 17
        and value[1][0] == 0x31
    ):
        return value
    sealed = value[1][5:]
    if opener is None:
        return Record("protected", (("parameters", value[0]), ("data", Encrypted(sealed))))
    plain = opener(sealed, offset)
    if plain is None:
        return Record("protected", (("parameters", value[0]), ("data", Encrypted(sealed))))
    inner = Reader(plain)
    data = read_data(inner)
    if not inner.at_end():
        raise inner.fail("bytes after the decrypted DLMS data")
    return Record("protected", (("parameters", value[0]), ("data", data)))


def read_access_response(reader: Reader, opener: Opener | None = None) -> Record:
    """A DLMS ACCESS-Response (``DA``): its data list and per-item results."""
    if reader.byte("APDU tag") != ACCESS_RESPONSE:
        raise reader.fail("not a DLMS ACCESS-Response", reader.pos - 1)
    invoke = reader.uint(4, "long-invoke-id-and-priority")
    size = reader.byte("date-time length")
    stamp: Value = None
    if size == 12:
        stamp = read_date_time(reader)
    elif size:
        raise reader.fail(f"date-time of {size} bytes", reader.pos - 1)
    if reader.byte("access-request-specification presence"):
        raise reader.fail("ACCESS-Response carrying its request specification is not GBCS")
    data: list[Value] = []
    count = reader.length("access-response data count")
    for _ in range(min(count, reader.remaining + 1)):
        at = reader.pos
        data.append(_protected(read_data(reader), opener, at))
    if len(data) != count:
        raise reader.fail(f"{count} data items announced, {len(data)} present")
    results: list[Value] = []
    count = reader.length("access-response specification count")
    for _ in range(count):
        at = reader.pos
        kind = reader.byte("access-response specification")
        if kind not in _SPEC_KIND:
            raise reader.fail(f"access-response specification choice {kind}", at)
        code = reader.byte("result")
        names = ACTION_RESULT if kind == 3 else DATA_ACCESS_RESULT
        results.append(Record(_SPEC_KIND[kind], (("result", Named(code, names.get(code))),)))
        if reader.at_end() and len(results) < count:
            raise reader.fail(f"{count} results announced, {len(results)} present")
    if not reader.at_end():
        raise reader.fail("bytes after the ACCESS-Response")
    items = tuple(
        Record("item", (("data", d), ("result", r.get("result")), ("access", r.kind)))
        if isinstance(r, Record)
        else Record("item", (("data", d),))
        for d, r in zip(
            data, [*results, *[None] * (len(data) - len(results))][: len(data)], strict=True
        )
    )
    return Record(
        "access-response", (("invoke-id", invoke), ("date-time", stamp), ("items", items))
    )


#: Alerts 8F66/8F67: a future-dated command was (not) carried out; their body names the
#: command by message code and originator counter (the instruction it acted on).
FUTURE_DATED_ALERTS = (0x8F66, 0x8F67)


def _future_dated(reader: Reader) -> Record:
    code = reader.uint(2, "message code")
    counter = reader.uint(8, "originator counter")
    class_id = reader.uint(2, "class id")
    obis = reader.take(6, "logical name")
    attribute = reader.sint(1, "attribute id")
    if not reader.at_end():
        raise reader.fail("bytes after the future-dated outcome")
    return Record(
        "future-dated-outcome",
        (
            ("message-code", code),
            ("originator-counter", counter),
            ("class-id", class_id),
            ("logical-name", ".".join(str(b) for b in obis)),
            ("attribute", attribute),
        ),
    )


def read_data_notification(reader: Reader, opener: Opener | None = None) -> Record:
    """A DLMS DATA-NOTIFICATION (``0F``) alert: alert code, timestamp, the rest."""
    if reader.byte("APDU tag") != DATA_NOTIFICATION:
        raise reader.fail("not a DLMS DATA-NOTIFICATION", reader.pos - 1)
    invoke = reader.uint(4, "long-invoke-id-and-priority")
    size = reader.byte("date-time length")
    if size == 12:
        read_date_time(reader)
    elif size:
        raise reader.fail(f"date-time of {size} bytes", reader.pos - 1)
    at = reader.pos
    body = read_data(reader)
    if not reader.at_end():
        raise reader.fail("bytes after the DATA-NOTIFICATION body")
    if not isinstance(body, tuple) or len(body) < 2 or not isinstance(body[0], int):
        raise reader.fail("DATA-NOTIFICATION body is not (alert code, timestamp, ...)", at)
    rest = tuple(_protected(v, opener, at) for v in body[2:])
    if body[0] in FUTURE_DATED_ALERTS and len(rest) == 1 and isinstance(rest[0], bytes):
        rest = (_future_dated(Reader(rest[0])),)
    return Record(
        "data-notification",
        (("invoke-id", invoke), ("alert-code", body[0]), ("timestamp", body[1]), ("body", rest)),
    )
