"""Helpers shared by the request and response models."""

from __future__ import annotations

from lxml import etree

from duis._exceptions import ModelError
from duis.ids import RequestID
from duis.namespaces import DS, RA, SR
from duis.xml import element_value, sourceline

__all__ = ["DS", "RA", "SR", "child", "envelope", "local", "request_id", "text_of"]


def local(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def child(
    parent: etree._Element, name: str, source: str, *, required: bool = True
) -> etree._Element | None:
    found = parent.find(f"{{{SR}}}{name}")
    if found is None and required:
        raise ModelError(
            f"<{local(parent)}> has no <sr:{name}>; validate the message to see every problem",
            source=source,
            line=sourceline(parent),
        )
    return found


def text_of(el: etree._Element) -> str:
    """The element's value as the XSD reads it (comments and PIs do not cut it)."""
    return element_value(el)


def request_id(el: etree._Element, source: str) -> RequestID:
    try:
        return RequestID.parse(text_of(el))
    except ValueError as exc:
        raise ModelError(str(exc), source=source, line=sourceline(el)) from None


def envelope(
    root: etree._Element, name: str, source: str
) -> tuple[str, etree._Element, etree._Element]:
    """``schemaVersion``, ``Header`` and the single body element of a DUIS message."""
    if root.tag != f"{{{SR}}}{name}":
        raise ModelError(f"root element is <{local(root)}>, not <sr:{name}>", source=source)
    header = child(root, "Header", source)
    body_wrapper = child(root, "Body", source)
    assert header is not None and body_wrapper is not None
    bodies = [c for c in body_wrapper if isinstance(c.tag, str)]
    if len(bodies) != 1:
        raise ModelError(
            f"<sr:Body> must hold exactly one element, has {len(bodies)}",
            source=source,
            line=sourceline(body_wrapper),
        )
    version = root.get("schemaVersion")
    if version is None:
        raise ModelError(f"<sr:{name}> has no schemaVersion attribute", source=source)
    return version.strip(), header, bodies[0]
