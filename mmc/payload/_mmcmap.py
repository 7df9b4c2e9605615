"""The mapping engine: a use case's decoded values placed in its MMC ``...Rsp`` element.

Which value fills which element is data, not code: ``data/mmc-responses.json`` lists,
per GBCS use case and SRV, the fields of the ``...Rsp`` element (the element itself
is the one the SRV catalogue names, so that fact stays in one place) and, for each,
where its value sits in the typed decode and how it is written. A new use case is a
new table entry; this module only walks paths and converts values.

A field's ``from`` is a path into the decoded payload: ``name`` picks a Record field,
a number a tuple item (a negative one counts from the end), ``[key=N]`` the first
Record in a tuple whose ``key`` is N (a ZCL attribute or cluster). Conversions
(``as``): ``int``, ``decimal`` (with optional ``times``/``over`` paths, as ZCL's
multiplier and divisor), ``hex``, ``text`` (ASCII bytes or ZCL string, left out when
not printable), ``eui`` (8 bytes as ``00-DB-...``), ``datetime``, ``bool``, ``code``
(an int as 4 hex digits), ``alert-name`` (the GBCS name of an event or alert code),
``utc-seconds-2000`` (log times: seconds since 2000-01-01 UTC, the ZigBee epoch GBCS
logs use), ``enum:NAME`` (a table in the same file) and ``const`` (the field's
``value``). Inside an ``each`` list, ``index`` writes the entry's position from 1
(MMC's ``...WithIndex`` types number register matrices so) and the element ``.`` is
the entry's own element, for entries that are a bare value; lists may nest. An
entry's ``inferred`` says which of its facts come from the bytes and DLMS/ZCL rather
than GBCS or DUIS text (the docs list them). A value that is absent or does not
convert leaves its element out: every mapped element is optional in the MMC schema,
and a guess would be worse than a gap.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from lxml import etree

from duis import catalogue
from duis._data import read_json
from duis.model._common import RA
from mmc.payload._decode import alert_name
from mmc.payload._values import Named, Record, Value

__all__ = [
    "Field",
    "Repeat",
    "UseCaseMap",
    "field_text",
    "fill",
    "mapping_for",
    "mappings",
    "resolve",
    "success",
]

#: GBCS log timestamps (DLMS double-long-unsigned, ZCL UTCTime) count seconds from here.
_EPOCH_2000 = datetime(2000, 1, 1, tzinfo=timezone.utc)

_FIND = re.compile(r"^\[([A-Za-z-]+)=(0x[0-9A-Fa-f]+|[0-9]+)\]$")


@dataclass(frozen=True)
class Field:
    """One MMC element (or ``@attribute``) filled from one decoded value."""

    element: str
    source: str
    convert: str
    times: str | None = None
    over: str | None = None
    start: int | None = None
    stop: int | None = None
    value: str | None = None


@dataclass(frozen=True)
class Repeat:
    """A list in the decode (log entries) written as one element per entry.

    ``fields`` may hold lists again (a register matrix inside each log entry).
    ``length``, when set, applies the list only when it has exactly that many
    entries: single and twin meters put different lists at the same place in an
    entry, and their lengths (48 TOU registers, 4 secondary, 8 per block) tell them
    apart.
    """

    element: str
    source: str
    fields: tuple[Field | Repeat, ...]
    limit: int
    length: int | None = None


@dataclass(frozen=True)
class UseCaseMap:
    """How one use case answering one SRV fills its ``...Rsp`` element."""

    use_case: str
    srv: str
    element: str
    containers: tuple[str, ...]
    fields: tuple[Field | Repeat, ...]
    success_from: str | None
    success_equals: int | None
    inferred: str | None = None


def _field(raw: Mapping[str, Any]) -> Field | Repeat:
    if "each" in raw:
        length = raw.get("length")
        return Repeat(
            element=raw["element"],
            source=raw["each"],
            fields=tuple(map(_field, raw["fields"])),
            limit=int(raw.get("limit", 100)),
            length=None if length is None else int(length),
        )
    stop = raw.get("slice", [None, None])
    return Field(
        element=raw["element"],
        source=raw.get("from", ""),
        convert=raw["as"],
        times=raw.get("times"),
        over=raw.get("over"),
        start=stop[0],
        stop=stop[1],
        value=raw.get("value"),
    )


@cache
def _table() -> dict[str, Any]:
    data: dict[str, Any] = read_json("mmc.payload", "data/mmc-responses.json")
    return data


@cache
def mappings() -> tuple[UseCaseMap, ...]:
    """Every declared mapping, in table order."""
    out = []
    for entry in _table()["use_cases"]:
        row = catalogue.get(entry["srv"])
        if row is None or row.mmc_response is None:
            raise ValueError(f"mmc-responses.json: SRV {entry['srv']} has no MMC ...Rsp element")
        ok = entry.get("success")
        out.append(
            UseCaseMap(
                use_case=entry["use_case"],
                srv=entry["srv"],
                element=row.mmc_response,
                containers=tuple(entry.get("containers", ())),
                fields=tuple(_field(f) for f in entry.get("fields", ())),
                success_from=None if ok is None else ok["from"],
                success_equals=None if ok is None else int(ok["equals"]),
                inferred=entry.get("inferred"),
            )
        )
    return tuple(out)


def mapping_for(use_case: str, srv: str | None = None) -> UseCaseMap | None:
    """The mapping of ``use_case`` (``"ECS52"``) answering ``srv``.

    Without ``srv`` a use case serving several SRVs (ECS70: 6.11 and 8.1.1) is
    ambiguous and gets none: its bytes do not say which request it answers.
    """
    found = [m for m in mappings() if m.use_case == use_case]
    if srv is not None:
        return next((m for m in found if m.srv == srv), None)
    return found[0] if len(found) == 1 else None


def resolve(value: Value, path: str) -> Value:
    """The value at ``path`` inside ``value`` (None when any step does not match)."""
    for step in path.split("/") if path else ():
        if value is None:
            return None
        found = _FIND.match(step)
        if found is not None:
            if not isinstance(value, tuple):
                return None
            key, want = found.group(1), int(found.group(2), 0)
            value = next(
                (v for v in value if isinstance(v, Record) and _int(v.get(key)) == want), None
            )
        elif step.removeprefix("-").isdigit():
            index = int(step)  # negative: from the end, as the last four block matrices
            ok = isinstance(value, tuple) and -len(value) <= index < len(value)
            value = value[index] if ok and isinstance(value, tuple) else None
        elif isinstance(value, Record):
            value = value.get(step)
        else:
            return None
    return value


def _int(value: Value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Named):
        return value.value
    return value if isinstance(value, int) else None


def _time(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _convert(spec: Field, root: Value, value: Value) -> str | None:
    kind = spec.convert
    if kind == "const":
        return spec.value
    if isinstance(value, bytes) and (spec.start is not None or spec.stop is not None):
        value = value[spec.start : spec.stop]
    if kind == "hex":
        return value.hex().upper() if isinstance(value, bytes) and value else None
    if kind == "text":
        if isinstance(value, bytes):
            value = value.decode("ascii", errors="replace")
        if not isinstance(value, str) or not value:
            return None
        return value if value.isprintable() and value.isascii() else None
    if kind == "eui":
        if not isinstance(value, bytes) or len(value) != 8:
            return None
        return "-".join(f"{b:02X}" for b in value)
    if kind == "datetime":
        return _time(value) if isinstance(value, datetime) else None
    if kind == "bool" and isinstance(value, bool):  # DLMS boolean; ints below
        return "true" if value else "false"
    number = _int(value)
    if number is None:
        return None
    if kind == "int":
        return str(number)
    if kind == "bool":
        return "true" if number else "false"
    if kind == "code":
        return f"{number:04X}"
    if kind == "alert-name":
        name = alert_name(number)
        return None if name is None else name[:200]
    if kind == "utc-seconds-2000":
        return _time(_EPOCH_2000 + timedelta(seconds=number)) if number >= 0 else None
    if kind == "decimal":
        return _decimal(spec, root, number)
    if kind.startswith("enum:"):
        table: dict[str, str] = _table()["enums"][kind[5:]]
        return table.get(str(number))
    raise ValueError(f"mmc-responses.json: unknown conversion {kind!r}")


def _decimal(spec: Field, root: Value, number: int) -> str | None:
    times = _int(resolve(root, spec.times)) if spec.times else 1
    over = _int(resolve(root, spec.over)) if spec.over else 1
    if times is None or not over:
        return None
    try:
        result = Decimal(number) * times / Decimal(over)
    except InvalidOperation:
        return None
    text = format(result.normalize(), "f")
    return text


def _q(name: str) -> str:
    return f"{{{RA}}}{name}"


def _place(
    rsp: etree._Element, path: str, text: str | None, *, new_last: bool = False
) -> etree._Element | None:
    """Put ``text`` at ``path`` under ``rsp``, reusing the trailing element of each step.

    Reusing only the last child keeps document order the table's order, which is the
    schema's sequence; ``new_last`` always starts a fresh element (a repeated entry).
    An ``@attribute`` goes on an element an earlier field created, or nowhere: the
    schema's status elements need their text child as much as the code attribute.
    A step written ``+Name`` always starts a fresh element: the next of a repeated
    element (one ``PolyPhaseVoltageSettings`` per phase); a ``const`` field with an
    empty value opens such an element before its first value, which may be absent.
    """
    steps = path.split("/")
    attribute = steps.pop()[1:] if steps[-1].startswith("@") else None
    here = rsp
    for i, step in enumerate(steps):
        last = i == len(steps) - 1 and attribute is None
        fresh = step.startswith("+")
        step = step.removeprefix("+")
        children = [c for c in here if isinstance(c.tag, str)]
        tail = children[-1] if children else None
        if (
            tail is not None
            and tail.tag == _q(step)
            and not fresh
            and not (last and (new_last or text))
        ):
            here = tail
        elif attribute is not None:
            return None
        else:
            here = etree.SubElement(here, _q(step))
    if attribute is not None:
        if text is not None:
            here.set(attribute, text)
    elif text:  # "" (a const with an empty value) only opens the element
        here.text = text
    return here


def _fill_list(spec: Repeat, value: Value, parent: etree._Element) -> None:
    """One element under ``parent`` per entry of the list at ``spec.source``."""
    entries = resolve(value, spec.source)
    if not isinstance(entries, tuple):
        return
    if spec.length is not None and len(entries) != spec.length:
        return
    for position, entry in enumerate(entries[: spec.limit], start=1):
        node = _place(parent, spec.element, None, new_last=True)
        if node is None:  # a table error: an entry path must name an element
            return
        for sub in spec.fields:
            if isinstance(sub, Repeat):
                _fill_list(sub, entry, node)
                continue
            if sub.convert == "index":
                text: str | None = str(position)
            else:
                text = _convert(sub, entry, resolve(entry, sub.source))
            if text is None and sub.element == ".":
                node_parent = node.getparent()  # no value: no element (schema)
                if node_parent is not None:
                    node_parent.remove(node)
                break
            if text is None:
                continue
            if sub.element == ".":
                node.text = text
            else:
                _place(node, sub.element, text)


def fill(mapping: UseCaseMap, payload: Value, rsp: etree._Element) -> None:
    """Write ``payload``'s values into ``rsp`` as ``mapping`` declares."""
    for path in mapping.containers:
        _place(rsp, path, None)
    for spec in mapping.fields:
        if isinstance(spec, Repeat):
            _fill_list(spec, payload, rsp)
            continue
        text = _convert(spec, payload, resolve(payload, spec.source))
        if text is not None:
            _place(rsp, spec.element, text)


def field_text(mapping: UseCaseMap, payload: Value, element: str) -> str | None:
    """The text ``mapping`` writes at ``element`` for ``payload`` (None: it writes none)."""
    for spec in mapping.fields:
        if isinstance(spec, Field) and spec.element == element:
            return _convert(spec, payload, resolve(payload, spec.source))
    return None


def success(mapping: UseCaseMap | None, payload: Value) -> bool | None:
    """Whether the device reports success; None when the decode does not say.

    DLMS: every item's Data-Access-Result is 0. GBZ: every ZCL status (attribute or
    Default Response) is 0, and no component is a command this decoder leaves opaque.
    A table ``success`` rule (ASN.1 response codes) overrides both.
    """
    if mapping is not None and mapping.success_from is not None:
        code = _int(resolve(payload, mapping.success_from))
        return None if code is None else code == mapping.success_equals
    if not isinstance(payload, Record):
        return None
    items = payload.get("items")
    if payload.kind == "access-response" and isinstance(items, tuple):
        return all(_int(resolve(i, "result")) == 0 for i in items)
    components = payload.get("components")
    if payload.kind != "gbz" or not isinstance(components, tuple):
        return None
    statuses: list[int | None] = []
    for component in components:
        body = resolve(component, "payload")
        if isinstance(body, Record) and body.kind == "default-response":
            statuses.append(_int(body.get("status")))
        elif isinstance(body, tuple):
            statuses.extend(_int(resolve(a, "status")) for a in body)
        else:
            return None
    return all(s == 0 for s in statuses) if statuses else None
