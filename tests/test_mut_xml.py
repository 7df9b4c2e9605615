"""The safe parser: the edges and exact refusals the mutation run found unpinned.

Every expected value is a literal: the documents are written here, the lines counted
by hand, the limits passed in. A refusal names the source, the line and what to do.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import IO

import pytest
from lxml import etree

from duis import xml
from duis._exceptions import DuisError, MalformedXMLError, UnsafeXMLError, XMLLimitError
from duis.xml import element_text, element_value, parse

ACCEPTED = "UTF-8, US-ASCII, ISO-8859-n, windows-125n, UTF-16 or UTF-32"


def refusal(
    kind: type[DuisError], data: bytes | str, **kw: int
) -> tuple[str | None, int | None, int | None, str]:
    with pytest.raises(kind) as info:
        parse(data, source="m.xml", **kw)
    e = info.value
    return e.source, e.line, e.column, e.message


# -- the parser's own settings, on a freshly built parser ----------------------------


@pytest.fixture
def fresh_parsers(monkeypatch: pytest.MonkeyPatch) -> None:
    # Parsers are cached per process; start with none so this test builds its own.
    monkeypatch.setattr(xml, "_PARSERS", {})


@pytest.mark.usefixtures("fresh_parsers")
def test_comments_and_whitespace_are_kept() -> None:
    root = parse(b"<a> <!--c--> <b/>\n</a>").getroot()
    assert root.text == " "
    assert isinstance(root[0], etree._Comment) and root[0].text == "c"
    assert root[0].tail == " " and root[1].tail == "\n"


@pytest.mark.usefixtures("fresh_parsers")
def test_nesting_past_libxml2s_256_is_a_limit_error() -> None:
    # huge_tree stays off: libxml2's own depth bound applies before any tree is built
    deep = b"<a>" * 300 + b"</a>" * 300
    source, _, _, message = refusal(XMLLimitError, deep, max_depth=1000)
    assert source == "m.xml" and message.startswith("document nests deeper than 256 elements")
    assert parse(b"<a>" * 250 + b"</a>" * 250, max_depth=1000) is not None


@pytest.mark.usefixtures("fresh_parsers")
def test_the_forced_encoding_is_the_one_used() -> None:
    # the declaration says ISO-8859-1 and the bytes are decoded as ISO-8859-1
    root = parse('<?xml version="1.0" encoding="ISO-8859-1"?><a>\xe9</a>'.encode("latin-1"))
    assert root.getroot().text == "\u00e9"
    # "usascii" is a name libxml2 does not know: only the forced US-ASCII reads it
    assert parse(b'<?xml version="1.0" encoding="usascii"?><a>x</a>').getroot().text == "x"
    # no declaration: UTF-8, and a Latin-1 byte is not UTF-8
    with pytest.raises(MalformedXMLError):
        parse(b"<a>\xe9</a>")


def test_the_parser_itself_expands_no_entity_and_validates_nothing() -> None:
    # Defence in depth behind the DOCTYPE refusal: the parser given to libxml2 would
    # neither expand an entity nor validate against a DTD.
    doc = b'<!DOCTYPE a [<!ELEMENT a (b)><!ENTITY e "expanded">]><a>&e;</a>'
    root = etree.fromstring(doc, xml._make_parser("UTF-8"))
    assert "expanded" not in etree.tostring(root).decode()
    assert isinstance(root[0], etree._Entity)  # the reference is left as it is


# -- encodings ----------------------------------------------------------------------


def test_ebcdic_refusal_names_the_accepted_encodings() -> None:
    doc = '<?xml version="1.0" encoding="IBM037"?><a/>'.encode("cp037")
    assert refusal(UnsafeXMLError, doc) == (
        "m.xml",
        1,
        None,
        f"document is in EBCDIC; accepted encodings are {ACCEPTED} (nothing was read)",
    )


def test_unaccepted_declaration_refusal_text() -> None:
    doc = b'<?xml version="1.0" encoding="UTF-7"?><a/>'
    assert refusal(UnsafeXMLError, doc)[3] == (
        "declares encoding 'UTF-7', which is not accepted: a DOCTYPE could hide in it; "
        f"accepted encodings are {ACCEPTED} (nothing was read)"
    )
    doc = b'<?xml version="1.0" encoding="UTF-16"?><a/>'
    assert refusal(UnsafeXMLError, doc)[3] == (
        "declares encoding 'UTF-16', which does not match its bytes (no UTF-16/32 byte "
        "order mark or layout): a DOCTYPE could hide in it; "
        f"accepted encodings are {ACCEPTED} (nothing was read)"
    )


def test_bom_with_another_single_byte_declaration_is_refused() -> None:
    doc = b'\xef\xbb\xbf<?xml version="1.0" encoding="ISO-8859-1"?><a/>'
    assert refusal(UnsafeXMLError, doc)[3].startswith("declares encoding 'ISO-8859-1'")
    ok = b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?><a>\xc3\xa9</a>'
    assert parse(ok).getroot().text == "\u00e9"


def test_wide_declaration_that_disagrees_is_refused() -> None:
    doc = '<?xml version="1.0" encoding="UTF-32"?><a/>'.encode("utf-16-le")
    assert refusal(UnsafeXMLError, doc) == (
        "m.xml",
        1,
        None,
        "declares encoding 'UTF-32' but its bytes are UTF-16LE; refused (nothing was read)",
    )
    doc = '<?xml version="1.0" encoding="UTF-16BE"?><a/>'.encode("utf-16-le")
    assert refusal(UnsafeXMLError, doc)[3].startswith("declares encoding 'UTF-16BE' but")
    doc = '<?xml version="1.0" encoding="UTF-16LE"?><a>\u00e9</a>'.encode("utf-16-le")
    assert parse(doc).getroot().text == "\u00e9"


def test_invalid_wide_bytes_name_the_byte() -> None:
    doc = "\ufeff<a/>".encode("utf-16-be") + b"\xd8\x00\x00a"  # an unpaired surrogate
    source, line, column, message = refusal(MalformedXMLError, doc)
    assert (source, line, column) == ("m.xml", None, None)
    assert message.startswith("not valid UTF-16BE (byte 10): ")


# -- the DOCTYPE refusal points at it -----------------------------------------------


def test_doctype_place_is_its_line_and_column() -> None:
    doc = b'<?xml version="1.0"?>\n\n   <!DOCTYPE a [<!ENTITY x "y">]>\n<a/>'
    assert refusal(UnsafeXMLError, doc) == (
        "m.xml",
        3,
        4,
        "document has a DOCTYPE; DUIS messages never do and DTDs and entities are refused "
        "(nothing was resolved or read)",
    )
    wide = doc.decode().encode("utf-16-le")
    assert refusal(UnsafeXMLError, wide)[:3] == ("m.xml", 3, 4)


# -- syntax errors ------------------------------------------------------------------


def test_syntax_error_text_is_cleaned_of_libxml2s_place() -> None:
    source, line, _, message = refusal(MalformedXMLError, b"<a>\n<b></a>")
    assert (source, line) == ("m.xml", 2)
    assert message.startswith("not well-formed XML: ")
    assert not message.endswith("column 8") and message != "not well-formed XML: "


def test_clean_keeps_the_message_and_drops_the_place() -> None:
    assert xml._clean("Opening and ending tag mismatch: b line 2 and a, line 2, column 8") == (
        "Opening and ending tag mismatch: b line 2 and a"
    )
    assert xml._clean("Premature end of data (<string>, line 3)") == "Premature end of data"
    assert xml._clean("  ") == "syntax error"


# -- limits: exact bounds, places and texts -----------------------------------------


def test_attribute_limit_is_inclusive_and_placed() -> None:
    attrs = " ".join(f'a{i}="v"' for i in range(5))
    assert parse(f"<r>\n<e {attrs}/></r>".encode(), max_attributes=5) is not None
    assert refusal(XMLLimitError, f"<r>\n<e {attrs}/></r>".encode(), max_attributes=4) == (
        "m.xml",
        2,
        None,
        "element <e> has 5 attributes, more than the limit of 4",
    )


def test_depth_limit_is_placed_on_the_first_too_deep_element() -> None:
    doc = b"<a>\n<b>\n<c>\n<d/></c></b></a>"
    assert parse(doc, max_depth=4) is not None
    assert refusal(XMLLimitError, doc, max_depth=3) == (
        "m.xml",
        4,
        None,
        "document nests deeper than 3 elements",
    )


def test_namespaces_in_scope_leave_scope_with_their_element() -> None:
    # 40 siblings each declare 1 namespace: 40 declarations, never more than 1 in scope
    kids = "".join(f'<k xmlns:p{i}="urn:x:{i}"/>' for i in range(40))
    assert parse(f"<r>{kids}</r>".encode(), max_namespaces=2) is not None
    # and then a deeper element with 3 in scope is over a limit of 2
    deep = '<r xmlns:a="urn:a">\n<s xmlns:b="urn:b">\n<t xmlns:c="urn:c"/></s></r>'
    assert refusal(XMLLimitError, f"<w>{kids}{deep}</w>".encode(), max_namespaces=2) == (
        "m.xml",
        3,
        None,
        "element <t> has 3 namespace declarations in scope, more than the limit of 2 "
        "(DUIS messages use a few)",
    )


def test_relative_namespace_on_the_slow_path_is_placed_and_named() -> None:
    kids = "".join(f'<k xmlns:p{i}="urn:x:{i}"/>' for i in range(40))
    doc = f'<r>{kids}\n\n<z xmlns:q="rel/uri"/></r>'.encode()
    assert refusal(MalformedXMLError, doc) == (
        "m.xml",
        3,
        None,
        "xmlns:q='rel/uri' is not an absolute URI: DUIS namespaces are absolute and XML "
        "canonicalisation (used by signatures) refuses relative ones",
    )


@pytest.mark.parametrize(
    "doc,line,what",
    [
        (b'<a xmlns:x="rel/uri"/>', 1, "xmlns:x='rel/uri'"),
        (b'<a>\n<b xmlns:x="rel/uri"/></a>', 2, "xmlns:x='rel/uri'"),
        (b'<a>\n<b>\n<c xmlns="rel"/></b></a>', 3, "xmlns='rel'"),
        (b'<a xmlns:y="urn:y">\n<c xmlns:y="rel"/></a>', 2, "xmlns:y='rel'"),
    ],
)
def test_relative_namespace_is_placed_on_its_declaring_element(
    doc: bytes, line: int, what: str
) -> None:
    assert refusal(MalformedXMLError, doc)[:2] == ("m.xml", line)
    assert refusal(MalformedXMLError, doc)[3].startswith(f"{what} is not an absolute URI")


def test_declaring_element_none_when_not_declared() -> None:
    root = etree.fromstring(b'<a xmlns:x="urn:x"/>')
    assert xml._declaring_element(root, "y", "urn:y") is None
    assert xml._declaring_element(root, "x", "urn:x") is root


def test_undeclaring_the_default_namespace_is_fine() -> None:
    assert parse(b'<a xmlns="urn:a"><b xmlns=""/></a>').getroot()[0].tag == "b"


# -- the text reader ----------------------------------------------------------------


def test_element_text_of_children_without_tails() -> None:
    root = etree.fromstring(b"<a>x<b/><c/>y</a>")
    assert element_text(root) == "xy"
    assert element_text(etree.fromstring(b"<a><b/></a>")) == ""
    assert element_text(etree.fromstring(b"<a/>")) == ""
    assert element_value(etree.fromstring("<a> \t\r\n8.11\u00a0\n</a>".encode())) == "8.11\u00a0"


def test_long_relative_namespace_is_quoted_to_80_characters() -> None:
    uri = "r" * 100
    message = refusal(MalformedXMLError, f'<a xmlns:x="{uri}"/>'.encode())[3]
    assert message.startswith("xmlns:x='" + "r" * 80 + "' is not an absolute URI")


def test_attribute_limit_counts_attributes_not_equals_signs() -> None:
    # six "=" in the tag (one inside a value) but five attributes: within a limit of 5
    doc = b'<r><e a0="=" a1="v" a2="v" a3="v" a4="v"/></r>'
    assert len(parse(doc, max_attributes=5).getroot()[0].attrib) == 5


def test_attribute_limit_holds_for_text_and_wide_input() -> None:
    # a str (and UTF-16 bytes) are searched as text, not bytes: the bound must hold there
    attrs = " ".join(f'a{i}="v"' for i in range(5))
    text = f"<r>\n<e {attrs}/></r>"
    assert refusal(XMLLimitError, text, max_attributes=4)[1:] == (
        2,
        None,
        "element <e> has 5 attributes, more than the limit of 4",
    )
    assert refusal(XMLLimitError, text.encode("utf-16"), max_attributes=4)[1] == 2


# -- reading a file: at most the limit plus one byte, whatever its size says -------------


class _Stream:
    """A binary file that never ends (a file still growing) and counts what is read.

    ``size_of`` is a real file whose ``fstat`` size the stream reports (None: no file
    number at all, as for a socket wrapper).
    """

    def __init__(self, size_of: IO[bytes] | None) -> None:
        self._size_of = size_of
        self.requests: list[object] = []
        self.total = 0

    def fileno(self) -> int:
        if self._size_of is None:
            raise OSError("no file number")
        return self._size_of.fileno()

    def read(self, n: object = -1) -> bytes:
        self.requests.append(n)
        assert isinstance(n, int) and n >= 0, f"unbounded read({n!r})"
        self.total += n
        return b"x" * n


@pytest.mark.parametrize("reported", [None, 0, 10, 100, 5000])
def test_read_bounded_stops_at_the_limit_plus_one(tmp_path: Path, reported: int | None) -> None:
    limit = 1000
    if reported is None:
        stream = _Stream(None)
        got = xml._read_bounded(stream, limit)  # type: ignore[arg-type]
    else:
        sized = tmp_path / "sized"
        sized.write_bytes(b"y" * reported)
        with sized.open("rb") as fh:
            stream = _Stream(fh)
            got = xml._read_bounded(stream, limit)  # type: ignore[arg-type]
    # 1001 bytes: one more than the limit, so the caller can tell "too large".
    assert got == b"x" * 1001
    assert stream.total == 1001


def test_read_bounded_of_a_short_stream_is_all_of_it() -> None:
    assert xml._read_bounded(io.BytesIO(b"<a/>"), 1000) == b"<a/>"  # no file number
    assert xml._read_bounded(io.BytesIO(b"<a/>" * 300), 1000) == (b"<a/>" * 300)[:1001]


@pytest.mark.parametrize(
    ("size", "refused"), [(1, False), (999, False), (1000, False), (1001, True), (4000, True)]
)
def test_file_limit_is_exact(tmp_path: Path, size: int, refused: bool) -> None:
    path = tmp_path / "m.xml"
    path.write_bytes(b"<a>" + b"x" * (size - 7) + b"</a>" if size >= 7 else b"<a/>"[:size])
    assert path.stat().st_size == size
    if refused:
        with pytest.raises(XMLLimitError) as info:
            xml.read_input(path, max_bytes=1000)
        assert info.value.message.startswith("document is larger than the limit of 1000 bytes")
    else:
        raw, _ = xml.read_input(path, max_bytes=1000)
        assert len(raw) == size


# -- UTF-16/32, with and without a byte order mark ------------------------------------

_WIDE = [
    # (layout named in messages, Python codec, byte order mark)
    ("UTF-32LE", "utf-32-le", b"\xff\xfe\x00\x00"),
    ("UTF-32BE", "utf-32-be", b"\x00\x00\xfe\xff"),
    ("UTF-16LE", "utf-16-le", b"\xff\xfe"),
    ("UTF-16BE", "utf-16-be", b"\xfe\xff"),
]


@pytest.mark.parametrize("bom", [True, False])
@pytest.mark.parametrize(("layout", "codec", "mark"), _WIDE)
def test_wide_documents_read_as_their_layout(
    layout: str, codec: str, mark: bytes, bom: bool
) -> None:
    start = mark if bom else b""
    assert parse(start + "<a>\u00e9\u20ac</a>".encode(codec)).getroot().text == "\u00e9\u20ac"
    doctype = start + '<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'.encode(codec)
    assert refusal(UnsafeXMLError, doctype)[0] == "m.xml"
    declared = start + '<?xml version="1.0" encoding="ISO-8859-1"?><a/>'.encode(codec)
    assert refusal(UnsafeXMLError, declared)[3] == (
        f"declares encoding 'ISO-8859-1' but its bytes are {layout}; refused (nothing was read)"
    )


# -- reading a path through its descriptor --------------------------------------------


def test_a_path_is_read_whole_at_any_size_up_to_the_limit(tmp_path: Path) -> None:
    for size in (0, 1, 4095, 4096, 70_000, 200_000):
        target = tmp_path / f"f{size}"
        target.write_bytes(bytes(range(256)) * (size // 256) + b"z" * (size % 256))
        assert xml._read_path(str(target), 200_000) == target.read_bytes()
    # Over the limit: one byte more than it, so the caller can say "too large".
    assert len(xml._read_path(str(tmp_path / "f200000"), 1000)) == 1001
    assert len(xml._read_path(str(tmp_path / "f70000"), 69_999)) == 70_000


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_read_to_its_end_in_pieces_and_bounded(tmp_path: Path) -> None:
    import threading

    fifo = tmp_path / "q.xml"
    os.mkfifo(fifo)
    body = b"<a>" + b"x" * 150_000 + b"</a>"

    def write(data: bytes) -> None:
        try:
            with open(fifo, "wb") as fh:
                for at in range(0, len(data), 7000):  # many short writes: short reads
                    fh.write(data[at : at + 7000])
                    fh.flush()
        except BrokenPipeError:
            pass  # the reader stopped at the limit

    writer = threading.Thread(target=write, args=(body,))
    writer.start()
    assert xml.read_input(fifo)[0] == body
    writer.join()
    writer = threading.Thread(target=write, args=(body,))
    writer.start()
    with pytest.raises(XMLLimitError, match="larger than the limit of 100000 bytes"):
        xml.read_input(fifo, max_bytes=100_000)
    writer.join()
