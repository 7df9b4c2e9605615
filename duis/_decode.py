"""A message body as JSON-friendly data with typed values, for people and programs.

lxml validates fast but says nothing about types; xmlschema's decoder knows that
``<Value>1200</Value>`` is an integer and ``<UPRN>`` a number while
``<DeviceModel>9001</DeviceModel>`` is a string. Compiling a DUIS bundle with
xmlschema takes most of a second, so it happens only here (``duis inspect``), only
when a body is asked for, and once per bundle per process. Without a usable schema
the body comes back with every value as text, and says so.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

from lxml import etree

from duis.model._common import local
from duis.schemas import SchemaBundle
from duis.xml import element_value

__all__ = ["decode_body", "plain_body"]

_lock = threading.Lock()
_decoders: dict[str, Any] = {}


def _decoder(bundle: SchemaBundle) -> Any:
    key = str(bundle.entry)
    found = _decoders.get(key)
    if found is None:
        with _lock:
            found = _decoders.get(key)
            if found is None:
                import xmlschema  # slow to import and compile: only when a body is wanted

                found = xmlschema.XMLSchema(str(bundle.entry))
                _decoders[key] = found
    return found


def _clean(value: Any) -> Any:
    """Namespace prefixes off the keys, namespace declarations and signatures dropped,
    decimals as numbers."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = str(key)
            if name.startswith("@xmlns"):
                continue
            bare = (
                name.rsplit(":", 1)[-1]
                if not name.startswith("@")
                else "@" + name[1:].rsplit(":", 1)[-1]
            )
            if bare == "Signature":
                continue
            out[bare] = _clean(item)
        return out
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, Decimal):
        return (
            int(value)
            if value == value.to_integral_value() and "." not in str(value)
            else float(value)
        )
    return value


#: Lax decoding of an invalid document stops after this many schema errors (the body is
#: then shown untyped). xmlschema builds each error with a repr of its element and a
#: count of its siblings, so an error costs time proportional to the element's size:
#: unbounded, 2,000 undeclared attributes took 15 s and 200k stray siblings minutes.
MAX_DECODE_ERRORS = 20

#: An invalid document with an element larger than this (attributes, children) is shown
#: untyped without trying: each error's repr lists the element's attributes, so even a
#: few errors on a 5,000-attribute element cost seconds. DUIS elements carry a handful
#: of attributes.
MAX_LAX_ATTRIBUTES = 64
MAX_LAX_CHILDREN = 10_000


class _TooManyErrors(Exception):
    pass


class _CappedErrors(list[Any]):
    """The error list xmlschema collects into, refusing to grow past the cap."""

    def append(self, item: Any) -> None:
        if len(self) >= MAX_DECODE_ERRORS:
            raise _TooManyErrors
        super().append(item)


def decode_body(tree: etree._ElementTree, bundle: SchemaBundle) -> dict[str, Any] | None:
    """The ``Body`` of ``tree`` decoded with ``bundle``'s types (None if that fails).

    A schema-valid document (lxml says so in linear time) decodes without collecting
    errors. An invalid one decodes laxly, as far as the schema allows, because a person
    inspecting a broken message wants to see it; past :data:`MAX_DECODE_ERRORS` errors
    the decoder gives up and the caller shows the body untyped, so time stays linear in
    the document's size.
    """
    try:
        schema = _decoder(bundle)
        if bundle.compiled().validate(tree):
            data = schema.to_dict(tree, validation="skip")
        elif _too_big_to_decode_laxly(tree.getroot()):
            return None
        else:
            data, _errors = schema.to_dict(tree, validation="lax", errors=_CappedErrors())
    except Exception:  # too many errors, or any decoder failure: "untyped", never a crash
        return None
    if not isinstance(data, dict):
        return None
    for key, value in data.items():
        if str(key).rsplit(":", 1)[-1] == "Body":
            cleaned = _clean(value)
            return cleaned if isinstance(cleaned, dict) else {"$": cleaned}
    return None


def _too_big_to_decode_laxly(root: etree._Element) -> bool:
    for el in root.iter():
        if len(el.attrib) > MAX_LAX_ATTRIBUTES or len(el) > MAX_LAX_CHILDREN:
            return True
    return False


def plain_body(root: etree._Element) -> dict[str, Any]:
    """The ``Body`` of ``root`` with every value as text (no schema needed)."""
    for el in root:
        if isinstance(el.tag, str) and local(el) == "Body":
            result = _plain(el)
            return result if isinstance(result, dict) else {"$": result}
    return {}


# lxml's attrib.items() and get() look each value up by name, a linear search per
# attribute (quadratic in their number); the XPath axis hands over every value in one pass.
_ATTRIBUTES = etree.XPath("@*")


def _attributes(el: etree._Element) -> list[Any]:
    if not el.attrib:
        return []
    found = _ATTRIBUTES(el)
    return found if isinstance(found, list) else []


def _plain(el: etree._Element) -> Any:
    children = [c for c in el if isinstance(c.tag, str)]
    attrs = {f"@{etree.QName(a.attrname).localname}": str(a) for a in _attributes(el)}
    text = element_value(el)
    if not children and not attrs:
        return text
    out: dict[str, Any] = dict(attrs)
    # Repeated names collect into one list, appended to in place: copying it per
    # sibling made 200k same-named siblings quadratic.
    repeated: set[str] = set()
    for c in children:
        name = local(c)
        value = _plain(c)
        if name in repeated:
            out[name].append(value)
        elif name in out:
            out[name] = [out[name], value]
            repeated.add(name)
        else:
            out[name] = value
    if text:
        out["$"] = text
    return out
