"""The one safe XML parser: every byte of input the library reads goes through here.

DUIS messages arrive from outside (files, queues, the DCC User Gateway), so the parser
refuses anything that could make it read a file, reach the network or blow up memory:
a DOCTYPE (and with it every entity declaration) is refused, entities are never
expanded, no DTD is loaded, XInclude is never processed, and size and nesting depth
are bounded. Failures raise the library's own :class:`~duis.XMLError` subclasses with
the line and column, never lxml's exceptions.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import IO, TypeAlias, Union

from lxml import etree

from duis._exceptions import InputError, MalformedXMLError, UnsafeXMLError, XMLLimitError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "XInput",
    "element_text",
    "parse",
    "read_input",
    "sourceline",
]

#: Default limit on the size of one document (10 MiB); DUIS messages are a few KB.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: Default limit on element nesting. libxml2 itself stops at 256 without XML_PARSE_HUGE.
DEFAULT_MAX_DEPTH = 256

#: Anything accepted as a document: raw bytes, text, a path or a binary file object.
XInput: TypeAlias = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]", IO[bytes]]

_XINCLUDE_NS = "http://www.w3.org/2001/XInclude"


def _make_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        remove_comments=False,
        collect_ids=False,
    )


# One parser per process: lxml parsers are reusable and not shared across threads
# unsafely (lxml keeps a per-thread parser context), and building one costs time.
_PARSER = _make_parser()


def read_input(
    data: XInput, *, source: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[bytes, str]:
    """Return the document's bytes and a name for messages, reading at most the limit.

    A ``str`` is taken as document text when it looks like XML (starts with ``<``
    after whitespace), else as a path; pass a :class:`pathlib.Path` to be explicit.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        name = source or "<bytes>"
    elif isinstance(data, str) and data.lstrip().startswith("<"):
        raw = data.encode("utf-8")
        name = source or "<string>"
    elif isinstance(data, (str, os.PathLike)):
        path = Path(data)
        name = source or str(path)
        try:
            with path.open("rb") as fh:
                raw = fh.read(max_bytes + 1)
        except IsADirectoryError:
            raise InputError("is a directory, not a file", source=name) from None
        except FileNotFoundError:
            raise InputError("no such file", source=name) from None
        except PermissionError:
            raise InputError("permission denied", source=name) from None
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", source=name) from None
    elif isinstance(data, io.IOBase) or hasattr(data, "read"):
        name = source or str(getattr(data, "name", "<stream>"))
        try:
            raw = data.read(max_bytes + 1)
        except OSError as exc:
            raise InputError(f"cannot read: {exc}", source=name) from None
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
    else:
        raise TypeError(f"cannot read XML from {type(data).__name__}")
    if len(raw) > max_bytes:
        raise XMLLimitError(
            f"document is larger than the limit of {max_bytes} bytes; "
            "raise max_bytes (--max-bytes) if this is a genuine message",
            source=name,
        )
    return raw, name


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def parse(
    data: XInput,
    *,
    source: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> etree._ElementTree:
    """Parse one document safely and return its tree.

    Raises :class:`MalformedXMLError`, :class:`UnsafeXMLError`,
    :class:`XMLLimitError` or :class:`InputError`; nothing else for any input bytes.
    """
    raw, name = read_input(data, source=source, max_bytes=max_bytes)
    # Refuse a DOCTYPE before libxml2 sees it: nothing in it is ever wanted in DUIS
    # and it is the door to every entity attack. A plain byte search is enough for
    # ASCII-compatible encodings (XML keywords are case-sensitive); UTF-16/32 input,
    # which this search cannot see into, is checked on the parsed tree instead.
    wide = b"\x00" in raw[:4] or raw[:2] in (b"\xff\xfe", b"\xfe\xff")
    at = raw.find(b"<!DOCTYPE")
    if at >= 0:
        raise UnsafeXMLError(
            "document has a DOCTYPE; DUIS messages never do and DTDs and entities "
            "are refused (nothing was resolved or read)",
            source=name,
            line=_line_of(raw, at),
            column=at - (raw.rfind(b"\n", 0, at) + 1) + 1,
        )
    try:
        tree = etree.ElementTree(etree.fromstring(raw, _PARSER))
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno, None)
        text = str(exc.msg or exc).strip()
        if "Excessive depth" in text or ("depth" in text.lower() and "exceed" in text.lower()):
            raise XMLLimitError(
                f"document nests deeper than the parser allows: {text}",
                source=name,
                line=line,
                column=column,
            ) from None
        raise MalformedXMLError(
            f"not well-formed XML: {_clean(text)}", source=name, line=line, column=column
        ) from None
    except ValueError as exc:  # e.g. lxml refusing a str with an encoding declaration
        raise MalformedXMLError(f"not well-formed XML: {exc}", source=name) from None
    if wide:
        docinfo = tree.docinfo
        if (
            getattr(docinfo, "doctype", "")
            or docinfo.internalDTD is not None
            or docinfo.externalDTD is not None
        ):
            raise UnsafeXMLError("document has a DOCTYPE; DTDs are refused", source=name, line=1)
    root = tree.getroot()
    # Without a DOCTYPE no entity can be declared, so any entity reference left would
    # already have failed as undefined: the tree walk is needed only for wide input
    # (whose DOCTYPE the byte search cannot see), a possible XInclude, or a depth
    # limit below libxml2's own.
    if wide or b"XInclude" in raw or max_depth < DEFAULT_MAX_DEPTH:
        _check_tree(root, name, max_depth)
    return tree


def _clean(text: str) -> str:
    # lxml appends "(<string>, line N)"; the caller prints the place itself.
    text = re.sub(r",? *\(<?[^()]*>?, line \d+\)$", "", text)
    return re.sub(r", line \d+, column \d+$", "", text).strip() or "syntax error"


def _check_tree(root: etree._Element, name: str, max_depth: int) -> None:
    """Refuse entity references, XInclude and over-deep nesting left in the tree."""
    # Entity references survive parsing as _Entity nodes because resolve_entities is
    # off; XInclude elements are harmless until processed but are never legitimate.
    for node in root.iter(etree.Entity, f"{{{_XINCLUDE_NS}}}*"):
        what = "an entity reference" if isinstance(node, etree._Entity) else "XInclude"
        raise UnsafeXMLError(
            f"document uses {what}; refused (nothing was resolved)",
            source=name,
            line=_sourceline(node),
        )
    if max_depth < DEFAULT_MAX_DEPTH:
        for el in root.iter():
            depth = 1
            parent = el.getparent()
            while parent is not None:
                depth += 1
                parent = parent.getparent()
            if depth > max_depth:
                raise XMLLimitError(
                    f"document nests deeper than {max_depth} elements",
                    source=name,
                    line=_sourceline(el),
                )


def element_text(el: etree._Element) -> str:
    """The element's own character data as an XSD validator sees it.

    ``el.text`` stops at the first comment or processing instruction, so
    ``<SRV>8.1<!---->1</SRV>`` reads as ``8.1`` while the XSD (and the DCC) see ``8.11``.
    Every reader of a simple value (rules, model, signer) goes through here so that
    all of them judge the same text: the element's text plus the tails of its comment
    and PI children. Tails of element children are included too (they are the
    whitespace between children in element-only content).
    """
    text = el.text or ""
    if len(el) == 0:
        return text
    return text + "".join(child.tail or "" for child in el)


def sourceline(el: etree._Element) -> int | None:
    """The element's line, typed (lxml-stubs say ``sourceline`` may be anything)."""
    line = el.sourceline
    return line if isinstance(line, int) else None


_sourceline = sourceline
