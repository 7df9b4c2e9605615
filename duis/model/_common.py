"""Helpers shared by the request and response models."""

from __future__ import annotations

from lxml import etree

from duis._exceptions import ModelError
from duis.ids import RequestID
from duis.xml import sourceline

__all__ = ["DS", "RA", "SR", "child", "local", "request_id", "text_of"]

SR = "http://www.dccinterface.co.uk/ServiceUserGateway"
RA = "http://www.dccinterface.co.uk/ResponseAndAlert"
DS = "http://www.w3.org/2000/09/xmldsig#"


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
    return (el.text or "").strip()


def request_id(el: etree._Element, source: str) -> RequestID:
    try:
        return RequestID.parse(text_of(el))
    except ValueError as exc:
        raise ModelError(str(exc), source=source, line=sourceline(el)) from None
