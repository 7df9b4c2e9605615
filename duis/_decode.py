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


def decode_body(tree: etree._ElementTree, bundle: SchemaBundle) -> dict[str, Any] | None:
    """The ``Body`` of ``tree`` decoded with ``bundle``'s types (None if that fails).

    Decoding is lax: an invalid document still decodes as far as the schema allows,
    because a person inspecting a broken message wants to see it.
    """
    try:
        schema = _decoder(bundle)
        data, _errors = schema.to_dict(tree, validation="lax")
    except Exception:  # any decoder failure means "untyped", never a crash
        return None
    if not isinstance(data, dict):
        return None
    for key, value in data.items():
        if str(key).rsplit(":", 1)[-1] == "Body":
            cleaned = _clean(value)
            return cleaned if isinstance(cleaned, dict) else {"$": cleaned}
    return None


def plain_body(root: etree._Element) -> dict[str, Any]:
    """The ``Body`` of ``root`` with every value as text (no schema needed)."""
    for el in root:
        if isinstance(el.tag, str) and local(el) == "Body":
            result = _plain(el)
            return result if isinstance(result, dict) else {"$": result}
    return {}


def _plain(el: etree._Element) -> Any:
    children = [c for c in el if isinstance(c.tag, str)]
    attrs = {f"@{etree.QName(k).localname}": v for k, v in el.attrib.items()}
    text = element_value(el)
    if not children and not attrs:
        return text
    out: dict[str, Any] = dict(attrs)
    for c in children:
        name = local(c)
        value = _plain(c)
        if name in out:
            existing = out[name]
            out[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            out[name] = value
    if text:
        out["$"] = text
    return out
