"""The one safe XML parser: every byte of input the library reads goes through here.

DUIS messages arrive from outside (files, queues, the DCC User Gateway), so the parser
refuses anything that could make it read a file, reach the network or blow up memory:
a DOCTYPE (and with it every entity declaration) is refused, entities are never
expanded, no DTD is loaded, XInclude is never processed, and size and nesting depth
are bounded. Failures raise the library's own :class:`~duis.XMLError` subclasses with
the line and column, never lxml's exceptions.
"""

from __future__ import annotations

import functools
import io
import os
import re
from typing import IO, TypeAlias, Union

from lxml import etree

from duis._exceptions import InputError, MalformedXMLError, UnsafeXMLError, XMLLimitError

__all__ = [
    "DEFAULT_MAX_ATTRIBUTES",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_NAMESPACES",
    "XInput",
    "child_element",
    "element_text",
    "element_value",
    "first_element",
    "input_name",
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


#: Default bound on attributes of one element: DUIS elements have at most a handful, and
#: XML canonicalisation sorts them at a cost that grows faster than their number.
DEFAULT_MAX_ATTRIBUTES = 256
#: Default bound on namespace declarations in scope on any element (a redeclaration of a
#: prefix on a descendant counts again): DUIS messages declare one to three. Inclusive
#: C14N (the signature digest) costs about the square of this per element.
DEFAULT_MAX_NAMESPACES = 32

_XML_SPACE = " \t\r\n"

# Encodings in which the bytes of "<!DOCTYPE" can only mean that text and every
# ASCII character is its own byte: a byte search sees everything libxml2 will.
_ASCII_FAMILY: dict[str, str] = {
    "utf8": "UTF-8",
    "usascii": "US-ASCII",
    "ascii": "US-ASCII",
    "latin1": "ISO-8859-1",
    **{f"iso8859{n}": f"ISO-8859-{n}" for n in (*range(1, 12), 13, 14, 15, 16)},
    **{f"windows125{n}": f"windows-125{n}" for n in range(9)},
    **{f"cp125{n}": f"windows-125{n}" for n in range(9)},
}
# Declared names that agree with UTF-16 or UTF-32 bytes (found from the first bytes).
_WIDE_NAMES: dict[str, tuple[int, str | None]] = {
    "utf16": (2, None),
    "utf16le": (2, "LE"),
    "utf16be": (2, "BE"),
    "iso10646ucs2": (2, None),
    "ucs2": (2, None),
    "utf32": (4, None),
    "utf32le": (4, "LE"),
    "utf32be": (4, "BE"),
    "iso10646ucs4": (4, None),
    "ucs4": (4, None),
}
_DECLARATION = re.compile(
    r"<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*([\"'])[^\"']*\1"
    r"(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*([\"'])([^\"']*)\2)?"
)
_DECLARATION_BYTES = re.compile(_DECLARATION.pattern.encode("ascii"))
_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


class _NothingExternal(etree.Resolver):
    """Second line of defence: every external resource resolves to an empty string.

    A DOCTYPE is refused before libxml2 sees the document, but were that check ever
    bypassed, libxml2 would still read a DOCTYPE's external DTD file (it does with
    ``collect_ids=False`` even under ``load_dtd=False``). With this resolver it reads
    nothing from disk or network. (``resolve_empty`` is not enough: libxml2 then loads
    the file itself.)
    """

    # lxml calls resolve(url, public_id, context); lxml-stubs omit the context.
    def resolve(  # type: ignore[override]
        self, system_url: str, public_id: str, context: object
    ) -> object:
        return self.resolve_string("", context, base_url=None)


def _make_parser(encoding: str) -> etree.XMLParser:
    # The encoding is always forced: libxml2 then decodes with the very encoding the
    # DOCTYPE search was done in, whatever the XML declaration says.
    parser = etree.XMLParser(
        encoding=encoding,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        remove_comments=False,
        collect_ids=False,
    )
    parser.resolvers.add(_NothingExternal())
    return parser


# One parser per encoding per process: lxml parsers are reusable (lxml keeps a
# per-thread parser context), and building one costs time.
_PARSERS: dict[str, etree.XMLParser] = {}


def _parser_for(encoding: str) -> etree.XMLParser:
    parser = _PARSERS.get(encoding)
    if parser is None:
        parser = _PARSERS[encoding] = _make_parser(encoding)
    return parser


@functools.lru_cache(maxsize=64)
def _norm(name: str) -> str:
    return re.sub(r"[-_ .]", "", name).lower()


def _sniff_wide(raw: bytes) -> tuple[str, int] | None:
    """``(encoding name, BOM length)`` for UTF-16/32 input, else None.

    The name is both libxml2's and a Python codec's, so the text searched for a
    DOCTYPE is decoded exactly as libxml2 will decode it.
    """
    head = raw[:4]
    if head.startswith(b"\xff\xfe\x00\x00"):
        return "UTF-32LE", 4
    if head.startswith(b"\x00\x00\xfe\xff"):
        return "UTF-32BE", 4
    if head.startswith(b"\xff\xfe"):
        return "UTF-16LE", 2
    if head.startswith(b"\xfe\xff"):
        return "UTF-16BE", 2
    if len(head) == 4 and b"\x00" in head:
        if head[1:] == b"\x00\x00\x00" and head[0]:
            return "UTF-32LE", 0
        if head[:3] == b"\x00\x00\x00" and head[3]:
            return "UTF-32BE", 0
        if head[1] == 0 and head[3] == 0 and head[0] and head[2]:
            return "UTF-16LE", 0
        if head[0] == 0 and head[2] == 0 and head[1] and head[3]:
            return "UTF-16BE", 0
    return None


def _declared_encoding(text: str) -> str | None:
    found = _DECLARATION.match(text)
    return found.group(3) if found is not None else None


def _accepted_list() -> str:
    return "UTF-8, US-ASCII, ISO-8859-n, windows-125n, UTF-16 or UTF-32"


def _decide_encoding(raw: bytes, name: str) -> tuple[str, str | None]:
    """The encoding libxml2 is made to use and, for UTF-16/32, the decoded text.

    Refuses (:class:`UnsafeXMLError`) every encoding the DOCTYPE search cannot see
    into, UTF-7 and EBCDIC above all, before libxml2 reads a byte. A ``str`` given to
    :func:`parse` arrives here as UTF-8 bytes whose declaration (if any) says UTF-8.
    """
    wide = _sniff_wide(raw)
    if wide is not None:
        libxml_name, bom = wide
        try:
            text = raw[bom:].decode(libxml_name)
        except UnicodeDecodeError as exc:
            raise MalformedXMLError(
                f"not valid {libxml_name} (byte {exc.start + bom}): {exc.reason}", source=name
            ) from None
        declared = _declared_encoding(text)
        if declared is not None:
            agrees = _WIDE_NAMES.get(_norm(declared))
            if (
                agrees is None
                or agrees[0] != (2 if "16" in libxml_name else 4)
                or (agrees[1] is not None and not libxml_name.endswith(agrees[1]))
            ):
                raise UnsafeXMLError(
                    f"declares encoding {declared!r} but its bytes are {libxml_name}; "
                    "refused (nothing was read)",
                    source=name,
                    line=1,
                )
        return libxml_name, text
    if raw[:4] == b"\x4c\x6f\xa7\x94":
        raise UnsafeXMLError(
            f"document is in EBCDIC; accepted encodings are {_accepted_list()} (nothing was read)",
            source=name,
            line=1,
        )
    start = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    # The bytes pattern, matched in place: no slice to decode for every document.
    found = _DECLARATION_BYTES.match(raw, start)
    declared = found.group(3).decode("latin-1") if found and found.group(3) is not None else None
    if declared is None:
        return "UTF-8", None
    accepted = _ASCII_FAMILY.get(_norm(declared))
    if accepted is None or (start and accepted != "UTF-8"):
        why = (
            "is not accepted"
            if _norm(declared) not in _WIDE_NAMES
            else "does not match its bytes (no UTF-16/32 byte order mark or layout)"
        )
        raise UnsafeXMLError(
            f"declares encoding {declared!r}, which {why}: a DOCTYPE could hide in it; "
            f"accepted encodings are {_accepted_list()} (nothing was read)",
            source=name,
            line=1,
        )
    return accepted, None


def _read_bounded(fh: IO[bytes], max_bytes: int) -> bytes:
    """At most ``max_bytes + 1`` bytes of an open file, read in a buffer of its size.

    ``read(max_bytes + 1)`` asks for a buffer of the whole limit (10 MiB) for every
    file: that allocation cost several times the read of a 2 KiB request. The size is
    only a hint (a FIFO says 0, a file may grow), so reading goes on to the limit.
    """
    try:
        size = os.fstat(fh.fileno()).st_size
    except (OSError, AttributeError, io.UnsupportedOperation):
        size = 0
    if size <= 0 or size > max_bytes:
        return fh.read(max_bytes + 1)
    raw = fh.read(size + 1)
    if len(raw) <= size:
        return raw
    return raw + fh.read(max_bytes + 1 - len(raw))


_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation
#: Read size when the file's size is not known (a FIFO, /proc): a pipe's buffer.
_CHUNK = 64 * 1024


def _read_path(path: str | bytes, max_bytes: int) -> bytes:
    """At most ``max_bytes + 1`` bytes of the file at ``path``, with the fewest calls.

    A file object (buffer, locks, close) cost as much as the open and read: a batch
    reads thousands, so this works on the descriptor. A regular file is read in one
    call of its size plus one (a short read of a regular file is its end); anything
    else (a FIFO, a file that grows) is read in chunks to its end or past the limit.
    """
    fd = os.open(path, os.O_RDONLY | _O_CLOEXEC | _O_BINARY)
    try:
        size = os.fstat(fd).st_size
        if 0 < size <= max_bytes:
            raw = os.read(fd, size + 1)
            if len(raw) <= size:
                return raw
        else:
            raw = os.read(fd, min(_CHUNK, max_bytes + 1))
            if not raw:
                return raw
        parts = [raw]
        got = len(raw)
        while got <= max_bytes:
            more = os.read(fd, min(_CHUNK, max_bytes + 1 - got))
            if not more:
                break
            parts.append(more)
            got += len(more)
        return b"".join(parts)
    finally:
        os.close(fd)


def input_name(data: XInput) -> str:
    """How messages name an input given without a ``source``: the one naming rule.

    ``<bytes>``, ``<string>`` for document text, the whole path for a path, a stream's
    ``name`` or ``<stream>``.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        return "<bytes>"
    if isinstance(data, str) and data.lstrip().startswith("<"):
        return "<string>"
    if isinstance(data, (str, os.PathLike)):
        return os.fsdecode(os.fspath(data))
    return str(getattr(data, "name", "<stream>"))


def read_input(
    data: XInput, *, source: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[bytes, str]:
    """Return the document's bytes and a name for messages, reading at most the limit.

    A ``str`` is taken as document text when it looks like XML (starts with ``<``
    after whitespace), else as a path; pass a :class:`pathlib.Path` to be explicit.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        name = source or input_name(data)
    elif isinstance(data, str) and data.lstrip().startswith("<"):
        # Text is already characters; its bytes here are UTF-8, so a declaration
        # naming another encoding would now be false: it is made to say UTF-8.
        found = _DECLARATION.match(data)
        if found is not None and found.group(3) is not None:
            data = data[: found.start(3)] + "UTF-8" + data[found.end(3) :]
        raw = data.encode("utf-8")
        name = source or "<string>"  # input_name's, for the text as given
    elif isinstance(data, (str, os.PathLike)):
        # os.fspath, not Path(): pathlib's parsing cost as much as the read itself.
        path = os.fspath(data)
        name = source or input_name(path)
        try:
            raw = _read_path(path, max_bytes)
        except IsADirectoryError:
            raise InputError("is a directory, not a file", source=name) from None
        except FileNotFoundError:
            raise InputError("no such file", source=name) from None
        except PermissionError:
            raise InputError("permission denied", source=name) from None
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", source=name) from None
    elif isinstance(data, io.IOBase) or hasattr(data, "read"):
        name = source or input_name(data)
        try:
            raw = _read_bounded(data, max_bytes)
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


def parse(
    data: XInput,
    *,
    source: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_attributes: int = DEFAULT_MAX_ATTRIBUTES,
    max_namespaces: int = DEFAULT_MAX_NAMESPACES,
) -> etree._ElementTree:
    """Parse one document safely and return its tree.

    Raises :class:`MalformedXMLError`, :class:`UnsafeXMLError`,
    :class:`XMLLimitError` or :class:`InputError`; nothing else for any input bytes.
    Time is linear in the input for any input under ``max_bytes``.
    """
    raw, name = read_input(data, source=source, max_bytes=max_bytes)
    encoding, text = _decide_encoding(raw, name)
    # Refuse a DOCTYPE before libxml2 sees it: nothing in it is ever wanted in DUIS
    # and it is the door to every entity attack. In the ASCII-compatible encodings
    # accepted a byte search sees it (XML keywords are case-sensitive); UTF-16/32 is
    # searched in the text decoded above, and libxml2 is made to decode the same way.
    at = raw.find(b"<!DOCTYPE") if text is None else text.find("<!DOCTYPE")
    if at >= 0:
        doc: bytes | str = raw if text is None else text
        newline = b"\n" if text is None else "\n"
        raise UnsafeXMLError(
            "document has a DOCTYPE; DUIS messages never do and DTDs and entities "
            "are refused (nothing was resolved or read)",
            source=name,
            line=doc.count(newline, 0, at) + 1,  # type: ignore[arg-type]
            column=at - (doc.rfind(newline, 0, at) + 1) + 1,  # type: ignore[arg-type]
        )
    try:
        tree = etree.ElementTree(etree.fromstring(raw, _parser_for(encoding)))
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno, None)
        message = str(exc.msg or exc).strip()
        low = message.lower()
        if "excessive depth" in low or ("depth" in low and "exceed" in low):
            # libxml2's text ends "use XML_PARSE_HUGE option": nothing a user can set.
            limit = re.search(r"depth in document: (\d+)", message)
            most = f"{limit[1]} elements, " if limit else ""
            raise XMLLimitError(
                f"document nests deeper than {most}the most the parser reads; a DUIS "
                "message nests far less, so this is not one (or it is hostile)",
                source=name,
                line=line,
                column=column,
            ) from None
        raise MalformedXMLError(
            f"not well-formed XML: {_clean(message)}", source=name, line=line, column=column
        ) from None
    except ValueError as exc:  # e.g. lxml refusing a str with an encoding declaration
        raise MalformedXMLError(f"not well-formed XML: {exc}", source=name) from None
    # libxml2 gives every DOCTYPE an internal-subset node, with or without a subset.
    docinfo = tree.docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeXMLError("document has a DOCTYPE; DTDs are refused", source=name, line=1)
    root = tree.getroot()
    seen: bytes | str = raw if text is None else text
    declarations = seen.count("xmlns" if text is not None else b"xmlns")
    # The declarations, read off the bytes when they are plain, tell whether XInclude
    # can be in the tree at all (its elements need its namespace declared).
    plain = declarations <= max_namespaces and _declarations_plainly_fine(seen, declarations)
    if not plain:
        _refuse_entities_and_xinclude(root, name)
    elif ("&" if text is not None else b"&") in seen:
        _refuse_entities(root, name)
    if max_depth < DEFAULT_MAX_DEPTH:
        _check_depth(root, name, max_depth)
    if _most_equals_in_a_tag(seen, max_attributes) > max_attributes:
        _check_attributes(root, name, max_attributes)
    if declarations > max_namespaces:
        _check_namespaces_in_scope(root, name, max_namespaces)
    elif declarations and not plain:
        for _event, (prefix, uri) in etree.iterwalk(root, events=("start-ns",)):
            _check_namespace(root, prefix, uri, name)
    return tree


# A namespace declaration as it stands in the bytes, its value free of everything the
# parser would change (references, and whitespace that attribute-value normalisation
# turns into spaces): the raw value is then exactly the URI the tree holds.
_PLAIN_DECLARATION = re.compile(
    rb"xmlns(?::[^\s=/>]*)?[ \t\r\n]*=[ \t\r\n]*(?:\"([^\"<&\t\r\n]*)\"|'([^'<&\t\r\n]*)')"
)


def _declarations_plainly_fine(seen: bytes | str, declarations: int) -> bool:
    """True when every namespace declaration is visibly acceptable in the raw bytes.

    Walking the tree for its declarations cost a third of the parse. Each ``xmlns``
    in the bytes must begin a plain declaration (matches never overlap, so then every
    real declaration is one of them) whose ASCII URI canonicalisation accepts; an
    ``xmlns`` in text or a comment that spoils the count, a reference, a non-ASCII URI
    or a refused one sends the caller to the exact walk, which finds the element.
    """
    if not declarations:
        return True
    if not isinstance(seen, bytes):
        return False  # UTF-16/32: rare, and the walk is exact
    found = _PLAIN_DECLARATION.findall(seen)
    if len(found) != declarations:
        return False
    for double, single in found:
        uri = double or single
        if uri not in _PLAIN_URIS and not _plain_uri_fine(uri):
            return False
    return True


# URIs already judged fine, as bytes: a batch declares the same few again and again.
_PLAIN_URIS: set[bytes] = {b""}  # xmlns="" undeclares the default namespace


def _plain_uri_fine(uri: bytes) -> bool:
    if not uri.isascii():
        return False
    text = uri.decode("ascii")
    if text == _XINCLUDE_NS or _ABSOLUTE_URI.match(text) is None or not _c14n_accepts(text):
        return False
    if len(_PLAIN_URIS) < 512:
        _PLAIN_URIS.add(uri)
    return True


def _clean(text: str) -> str:
    # lxml appends "(<string>, line N)"; the caller prints the place itself.
    text = re.sub(r",? *\(<?[^()]*>?, line \d+\)$", "", text)
    return re.sub(r", line \d+, column \d+$", "", text).strip() or "syntax error"


def _refuse_entities_and_xinclude(root: etree._Element, name: str) -> None:
    """Refuse entity references and XInclude left in the tree (a C-speed scan)."""
    # With no DOCTYPE no entity can be declared and an undeclared one is a fatal
    # error, so this is defence in depth; XInclude is harmless until processed but
    # never legitimate.
    _refuse_nodes(root, name, (etree.Entity, f"{{{_XINCLUDE_NS}}}*"))


def _refuse_entities(root: etree._Element, name: str) -> None:
    """:func:`_refuse_entities_and_xinclude` where XInclude's namespace is not declared."""
    _refuse_nodes(root, name, (etree.Entity,))


def _refuse_nodes(root: etree._Element, name: str, kinds: tuple[object, ...]) -> None:
    for node in root.iter(*kinds):
        what = "an entity reference" if isinstance(node, etree._Entity) else "XInclude"
        raise UnsafeXMLError(
            f"document uses {what}; refused (nothing was resolved)",
            source=name,
            line=_sourceline(node),
        )


def _check_namespace(
    root: etree._Element, prefix: str | None, uri: str, name: str, el: etree._Element | None = None
) -> None:
    """Refuse a namespace name XML canonicalisation (and so signing) cannot process."""
    if not uri:  # xmlns="" undeclares the default namespace
        return
    if _ABSOLUTE_URI.match(uri) and _c14n_accepts(uri):
        return
    where = el if el is not None else _declaring_element(root, prefix, uri)
    what = "xmlns" if not prefix else f"xmlns:{prefix}"
    raise MalformedXMLError(
        f"{what}={uri[:80]!r} is not an absolute URI: DUIS namespaces are absolute and "
        "XML canonicalisation (used by signatures) refuses relative ones",
        source=name,
        line=_sourceline(where) if where is not None else None,
    )


@functools.lru_cache(maxsize=512)
def _c14n_accepts(uri: str) -> bool:
    # libxml2's own URI parser is the judge: C14N refuses what it cannot parse.
    try:
        etree.tostring(etree.Element("a", nsmap={"x": uri}), method="c14n")
    except (ValueError, etree.C14NError):
        return False
    return True


def _declaring_element(root: etree._Element, prefix: str | None, uri: str) -> etree._Element | None:
    pending = False
    for event, item in etree.iterwalk(root, events=("start-ns", "start")):
        if event == "start-ns":
            pending = pending or item in ((prefix or "", uri), (prefix, uri))
        elif pending:
            return item  # type: ignore[no-any-return]
    return None


def _check_depth(root: etree._Element, name: str, max_depth: int) -> None:
    """Refuse nesting deeper than ``max_depth`` in one linear pass.

    The XPath ``*/*/…`` (``max_depth`` steps) visits each element once, as a child of
    the step before; walking up to the root for every element was quadratic.
    """
    found = root.xpath("/".join(["*"] * max_depth))
    if isinstance(found, list) and found:
        first = found[0]
        raise XMLLimitError(
            f"document nests deeper than {max_depth} elements",
            source=name,
            line=_sourceline(first) if isinstance(first, etree._Element) else None,
        )


def _most_equals_in_a_tag(seen: bytes | str, limit: int = DEFAULT_MAX_ATTRIBUTES) -> int:
    """An upper bound on the attributes of any one element, from the raw text.

    Every attribute has an ``=`` and no ``<`` can occur inside a tag, so the most
    ``=`` between two ``<`` bounds them; only a document over the bound is walked. A
    document with no more ``=`` in all than the limit is answered by one count.
    """
    if isinstance(seen, bytes):
        total = seen.count(b"=")
        if total <= limit:
            return total
        return max(part.count(b"=") for part in seen.split(b"<"))
    return max(part.count("=") for part in seen.split("<"))


def _check_attributes(root: etree._Element, name: str, max_attributes: int) -> None:
    for el in root.iter():
        if len(el.attrib) > max_attributes:
            raise XMLLimitError(
                f"element <{etree.QName(el).localname}> has {len(el.attrib)} attributes, "
                f"more than the limit of {max_attributes}",
                source=name,
                line=_sourceline(el),
            )


def _check_namespaces_in_scope(root: etree._Element, name: str, max_namespaces: int) -> None:
    """Bound the namespace declarations in scope, checking each URI, in one pass.

    A redeclaration counts again: canonicalisation works through every declaration
    on the way to the root, not only the distinct prefixes.
    """
    in_scope = 0
    declared: list[int] = []
    pending: list[tuple[str, str]] = []
    for event, item in etree.iterwalk(root, events=("start-ns", "start", "end")):
        if event == "start-ns":
            pending.append(item)
            continue
        if event == "end":
            in_scope -= declared.pop()
            continue
        declared.append(len(pending))
        if pending:
            el: etree._Element = item
            in_scope += len(pending)
            for prefix, uri in pending:
                _check_namespace(root, prefix, uri, name, el)
            pending = []
            if in_scope > max_namespaces:
                raise XMLLimitError(
                    f"element <{etree.QName(el).localname}> has {in_scope} namespace "
                    f"declarations in scope, more than the limit of {max_namespaces} "
                    "(DUIS messages use a few)",
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


def element_value(el: etree._Element) -> str:
    """:func:`element_text` without leading and trailing XML whitespace.

    What a token-like simple type (a counter, an EUI-64, an SRV) means to the XSD,
    whose whitespace facet removes only space, tab, CR and LF: Python's ``strip()``
    would also remove a no-break space the XSD keeps (and so refuses).
    """
    return element_text(el).strip(_XML_SPACE)


def sourceline(el: etree._Element) -> int | None:
    """The element's line, typed (lxml-stubs say ``sourceline`` may be anything)."""
    line = el.sourceline
    return line if isinstance(line, int) else None


def child_element(parent: etree._Element | None, tag: str) -> etree._Element | None:
    """The first child with the Clark-notation ``tag``, or None (also for no parent).

    A plain scan rather than ``find``: ``find`` takes a path, so a tag read from a
    message (or one with ``[`` in it) would be interpreted, not compared.
    """
    if parent is None:
        return None
    for el in parent:
        if el.tag == tag:
            return el
    return None


def first_element(parent: etree._Element | None) -> etree._Element | None:
    """The first element child, skipping comments and PIs; None if there is none."""
    if parent is None:
        return None
    for el in parent:
        if isinstance(el.tag, str):
            return el
    return None


_sourceline = sourceline
