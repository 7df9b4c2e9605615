"""Typed views of DUIS messages, built on demand from the safe parser's tree."""

from __future__ import annotations

from lxml import etree

from duis._exceptions import ModelError
from duis.kinds import DocumentKind, document_kind
from duis.model.request import Request
from duis.model.response import Response
from duis.xml import DEFAULT_MAX_BYTES, XInput
from duis.xml import parse as parse_xml

__all__ = ["Request", "Response", "from_tree", "parse"]


def from_tree(root: etree._Element, source: str = "<message>") -> Request | Response:
    """The model of an already parsed message."""
    kind = document_kind(root)
    if kind is DocumentKind.REQUEST:
        return Request.from_tree(root, source)
    if kind is DocumentKind.RESPONSE:
        return Response.from_tree(root, source)
    raise ModelError(
        f"root element is {root.tag!r}: not a DUIS sr:Request or sr:Response", source=source
    )


def parse(
    data: XInput, *, source: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Request | Response:
    """Parse a DUIS request or response (bytes, text, path or binary file).

    Raises the library's :class:`~duis.XMLError` for unsafe or malformed input and
    :class:`~duis.ModelError` when the XML is not a readable DUIS message. It does not
    validate: use :func:`duis.validate` for a verdict.
    """
    tree = parse_xml(data, source=source, max_bytes=max_bytes)
    name = source or (data if isinstance(data, str) and not data.lstrip().startswith("<") else None)
    return from_tree(tree.getroot(), str(name) if name else "<message>")
