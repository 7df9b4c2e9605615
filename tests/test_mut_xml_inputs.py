"""The safe parser's inputs and refusals, pinned exactly (the full mutation run's survivors).

``pytest.raises(match=...)`` searches, so a message wrapped in other text still
matched and its mutants survived: here each refusal is compared whole, with its
source, line and column, all literals written for these documents. The defence-in-
depth checks behind the DOCTYPE refusal cannot be reached with a real document (the
refusal comes first), so they are driven by making libxml2's answer what a bypass
would give.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO, Any, cast

import pytest
from lxml import etree

from duis import xml
from duis._exceptions import (
    DuisError,
    InputError,
    MalformedXMLError,
    UnsafeXMLError,
    XMLLimitError,
)
from duis.xml import input_name, parse, read_input


def where(error: DuisError) -> tuple[str | None, int | None, int | None, str]:
    return error.source, error.line, error.column, error.message


# -- naming an input ----------------------------------------------------------------


class _Named(io.BytesIO):
    name = "queue:42"


class _DuckStream:
    """Not an io.IOBase: only a ``read`` (a socket wrapper, a framework's upload)."""

    def __init__(self, data: Any) -> None:
        self.data = data
        self.asked: list[int | None] = []

    def read(self, n: int | None = None) -> Any:
        self.asked.append(n)
        return self.data[: n if n is not None else len(self.data)]


def _duck(data: Any) -> IO[bytes]:
    return cast(IO[bytes], _DuckStream(data))


def test_each_kind_of_input_has_its_own_name(tmp_path: Path) -> None:
    assert input_name(b"<a/>") == "<bytes>"
    assert input_name(bytearray(b"<a/>")) == "<bytes>"
    assert input_name("<a/>") == "<string>"
    assert input_name("  \n<a/>") == "<string>"  # leading whitespace: still text
    assert input_name("a.xml  ") == "a.xml  "  # a path, not text
    assert input_name(tmp_path / "m.xml") == str(tmp_path / "m.xml")
    assert input_name(io.BytesIO(b"<a/>")) == "<stream>"
    assert input_name(_Named(b"<a/>")) == "queue:42"


def test_read_input_names_each_kind_when_no_source_is_given(tmp_path: Path) -> None:
    path = tmp_path / "m.xml"
    path.write_bytes(b"<a/>")
    assert read_input(b"<a/>") == (b"<a/>", "<bytes>")
    assert read_input(memoryview(b"<a/>")) == (b"<a/>", "<bytes>")
    assert read_input("  <a/>") == (b"  <a/>", "<string>")
    assert read_input(str(path)) == (b"<a/>", str(path))
    assert read_input(path) == (b"<a/>", str(path))
    assert read_input(_Named(b"<a/>")) == (b"<a/>", "queue:42")
    assert read_input(_duck(b"<a/>")) == (b"<a/>", "<stream>")
    for data in (b"<a/>", "<a/>", path, _duck(b"<a/>")):
        assert read_input(data, source="given")[1] == "given"


def test_text_is_sent_on_as_utf8_with_its_declaration_made_to_say_so() -> None:
    text = '<?xml version="1.0" encoding="ISO-8859-1"?><a>\u00e9</a>'
    raw, name = read_input(text)
    assert raw == '<?xml version="1.0" encoding="UTF-8"?><a>\u00e9</a>'.encode()
    assert name == "<string>"
    assert parse(text).getroot().text == "\u00e9"


def test_a_stream_is_read_to_one_byte_past_the_limit_and_text_is_encoded() -> None:
    stream = _DuckStream(b"<a/>" + b" " * 20)
    with pytest.raises(XMLLimitError) as info:
        read_input(cast(IO[bytes], stream), max_bytes=10)
    assert stream.asked == [11]
    assert where(info.value) == (
        "<stream>",
        None,
        None,
        "document is larger than the limit of 10 bytes; "
        "raise max_bytes (--max-bytes) if this is a genuine message",
    )
    assert read_input(_duck("<a>\u00e9</a>")) == ("<a>\u00e9</a>".encode(), "<stream>")


def test_unreadable_inputs_are_refused_with_the_name_and_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "absent.xml"
    with pytest.raises(InputError) as info:
        read_input(missing)
    assert where(info.value) == (str(missing), None, None, "no such file")
    with pytest.raises(InputError) as info:
        read_input(tmp_path)
    assert where(info.value) == (str(tmp_path), None, None, "is a directory, not a file")

    def refuse(error: OSError) -> Any:
        def opener(*args: Any, **kwargs: Any) -> Any:
            raise error

        return opener

    # The tests run as root, where chmod cannot make a file unreadable: the opener
    # raises what the operating system would.
    monkeypatch.setattr(xml, "_read_path", refuse(PermissionError(13, "Permission denied")))
    with pytest.raises(InputError) as info:
        read_input("locked.xml")
    assert where(info.value) == ("locked.xml", None, None, "permission denied")
    monkeypatch.setattr(xml, "_read_path", refuse(OSError(5, "Input/output error")))
    with pytest.raises(InputError) as info:
        read_input("disk.xml")
    assert where(info.value) == ("disk.xml", None, None, "cannot read: Input/output error")
    monkeypatch.setattr(xml, "_read_path", refuse(OSError("no errno")))
    with pytest.raises(InputError) as info:
        read_input("odd.xml")
    assert where(info.value) == ("odd.xml", None, None, "cannot read: no errno")


def test_a_failing_stream_and_a_foreign_type_are_refused() -> None:
    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def read(self, n: int = -1) -> bytes:
            raise OSError("link down")

    with pytest.raises(InputError) as info:
        read_input(cast(IO[bytes], Broken()), source="q")
    assert where(info.value) == ("q", None, None, "cannot read: link down")
    with pytest.raises(TypeError) as type_info:
        read_input(42)  # type: ignore[arg-type]
    assert str(type_info.value) == "cannot read XML from int"


# -- encodings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "head",
    [
        b"<ab\x00",  # a zero, but bytes 1 and 2 are not: no UTF-16LE layout
        b"\x00\x00a\x00",  # zeros at 1 and 3 but also at 0: neither layout
        b"<\x00ab",  # zero at 1 only
        b"a\x00\x00b",  # zeros at 1 and 2
        b"\x00a\x00\x00",  # zeros at 0, 2 and 3
        b"\x00abc",  # zero at 0 only
        b"\x00\x00\x00\x00",
    ],
)
def test_a_zero_byte_alone_does_not_make_input_utf16(head: bytes) -> None:
    # UTF-16 without a BOM is recognised only by its whole layout: "<" (or any ASCII)
    # then 00, twice (LE), or 00 first (BE). Anything else is ASCII-family bytes with
    # a NUL in them, which XML never allows.
    assert xml._sniff_wide(head + b"<a/>") is None
    with pytest.raises(MalformedXMLError) as info:
        parse(head + b"<a/>", source="m.xml")
    assert "UTF-16" not in info.value.message and "UTF-32" not in info.value.message


def test_an_unaccepted_declared_encoding_is_refused_on_line_one_with_the_source() -> None:
    with pytest.raises(UnsafeXMLError) as info:
        parse(b'<?xml version="1.0" encoding="UTF-7"?><a/>', source="m.xml")
    assert info.value.source == "m.xml" and info.value.line == 1


def test_a_relative_namespace_is_refused_in_utf16_too() -> None:
    # The count of declarations that decides whether namespaces are checked must be
    # taken in the decoded text for UTF-16/32, not in the bytes.
    for doc in ('<a xmlns="relative"/>', '<p:a xmlns:p="x/y"/>'):
        for codec in ("utf-8", "utf-16", "utf-32"):
            with pytest.raises(MalformedXMLError) as info:
                parse(doc.encode(codec), source="m.xml")
            assert info.value.source == "m.xml" and info.value.line == 1
            assert "is not an absolute URI" in info.value.message


# -- DOCTYPE: the byte search and its place ------------------------------------------


@pytest.mark.parametrize(
    ("doc", "line", "column"),
    [
        ("<!DOCTYPE a><a/>", 1, 1),  # at offset 0
        ("\n<!DOCTYPE a><a/>", 2, 1),  # right after the first byte, a newline
        ("<a>\n\n  <!DOCTYPE b>\n<!DOCTYPE c></a>", 3, 3),  # the first one is named
    ],
)
@pytest.mark.parametrize("codec", ["utf-8", "utf-16"])
def test_the_first_doctype_is_refused_at_its_line_and_column(
    doc: str, line: int, column: int, codec: str
) -> None:
    with pytest.raises(UnsafeXMLError) as info:
        parse(doc.encode(codec), source="m.xml")
    assert where(info.value) == (
        "m.xml",
        line,
        column,
        "document has a DOCTYPE; DUIS messages never do and DTDs and entities "
        "are refused (nothing was resolved or read)",
    )


# -- what libxml2 says, classified ---------------------------------------------------


def _libxml2_says(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    def fromstring(*args: Any, **kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(etree, "fromstring", fromstring)


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("Excessive depth in document: 256 use XML_PARSE_HUGE option", XMLLimitError),
        ("Maximum depth exceeded", XMLLimitError),  # another libxml2's wording
        ("Maximum name length exceeded", MalformedXMLError),  # "exceed" without depth
        ("Depth of something", MalformedXMLError),  # "depth" without exceed
        ("Opening and ending tag mismatch: a line 1 and b", MalformedXMLError),
    ],
)
def test_libxml2_errors_are_classified_by_their_words_with_the_place(
    monkeypatch: pytest.MonkeyPatch, message: str, kind: type[DuisError]
) -> None:
    # lxml's own constructor: message, code, line, column, filename
    error = etree.XMLSyntaxError(message, 1, 7, 12, "<string>")  # type: ignore[call-arg, arg-type]
    _libxml2_says(monkeypatch, error)
    with pytest.raises(DuisError) as info:
        parse(b"<a/>", source="m.xml")
    assert type(info.value) is kind
    source, line, column, text = where(info.value)
    assert (source, line, column) == ("m.xml", 7, 12)
    if kind is XMLLimitError:
        # libxml2's limit is named when it gives one; its XML_PARSE_HUGE hint is not an
        # option a user has, so it is not passed on.
        assert text.startswith("document nests deeper than ") and "a DUIS message" in text
        assert ("256 elements" in text) == ("256" in message) and "XML_PARSE_HUGE" not in text
    else:
        assert text == f"not well-formed XML: {message}"


def test_a_value_error_from_lxml_is_malformed_input(monkeypatch: pytest.MonkeyPatch) -> None:
    _libxml2_says(monkeypatch, ValueError("Unicode strings with encoding declaration"))
    with pytest.raises(MalformedXMLError) as info:
        parse(b"<a/>", source="m.xml")
    assert where(info.value) == (
        "m.xml",
        None,
        None,
        "not well-formed XML: Unicode strings with encoding declaration",
    )


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE a SYSTEM "a.dtd">',  # no internal subset, the external one not loaded
        "<!DOCTYPE a [<!ELEMENT a ANY>]>",
    ],
)
def test_a_doctype_that_got_past_the_byte_search_is_still_refused(
    monkeypatch: pytest.MonkeyPatch, doctype: str
) -> None:
    # Were the byte search ever bypassed, the tree's docinfo still shows the DOCTYPE.
    real = etree.fromstring
    bypassed = real(f"{doctype}<a/>".encode(), etree.XMLParser(load_dtd=False, no_network=True))
    monkeypatch.setattr(etree, "fromstring", lambda *a, **k: bypassed)
    with pytest.raises(UnsafeXMLError) as info:
        parse(b"<a/>", source="m.xml")
    assert where(info.value) == ("m.xml", 1, None, "document has a DOCTYPE; DTDs are refused")


def test_xinclude_is_refused_with_the_source_and_its_line() -> None:
    doc = b'<a xmlns:xi="http://www.w3.org/2001/XInclude">\n\n<xi:include href="x"/></a>'
    with pytest.raises(UnsafeXMLError) as info:
        parse(doc, source="m.xml")
    assert where(info.value) == (
        "m.xml",
        3,
        None,
        "document uses XInclude; refused (nothing was resolved)",
    )


def test_an_entity_reference_that_got_past_the_doctype_refusal_is_still_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Without a DOCTYPE an entity reference is a fatal parse error, so only a bypass
    # (simulated: libxml2 hands back a tree holding one) reaches this check. An entity
    # node can only come from an "&" in the bytes, so the bytes given carry one.
    bypassed = etree.fromstring(b"<a>\n<b/></a>")
    bypassed[0].append(etree.Entity("e"))
    monkeypatch.setattr(etree, "fromstring", lambda *a, **k: bypassed)
    with pytest.raises(UnsafeXMLError) as info:
        parse(b"<a>&amp;</a>", source="m.xml")
    assert where(info.value) == (
        "m.xml",
        2,  # a node made in code reports its parent's line
        None,
        "document uses an entity reference; refused (nothing was resolved)",
    )
