"""The safe parser's shortcuts from the raw bytes give the exact walk's verdict.

``parse`` reads the namespace declarations off the bytes when they are plain, and
only walks the tree when they are not; it looks for entity references only where
the bytes hold an ``&``. These tests pin the cases built to fool a byte reading (a
declaration hidden inside another attribute's value, references, whitespace in a
URI, XInclude's namespace spelled with a reference) and compare the shortcut with
the walk on generated documents.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from duis import xml
from duis._exceptions import DuisError, MalformedXMLError, UnsafeXMLError
from duis.xml import parse

XI = "http://www.w3.org/2001/XInclude"


def verdict(doc: bytes) -> str:
    try:
        parse(doc, source="m.xml")
    except DuisError as exc:
        return f"{type(exc).__name__}: {exc.message} @ {exc.line}"
    return "ok"


def walked_verdict(doc: bytes, monkeypatch: pytest.MonkeyPatch) -> str:
    with monkeypatch.context() as m:
        m.setattr(xml, "_declarations_plainly_fine", lambda seen, n: n == 0)
        return verdict(doc)


@pytest.mark.parametrize(
    "doc",
    [
        # The real (relative) declaration sits where a spurious match's value swallows it.
        b'<a b="xmlns=\'http:" xmlns="rel" c=\'x\'/>',
        b'<a xmlns="&#114;el"/>',  # a reference: the raw text is not the URI
        b'<a xmlns="rel&#x20;"/>',
        b'<a xmlns="re\tl"/>',  # whitespace normalised to a space in the tree
        b"<a><!-- xmlns='http://a' --><b xmlns='rel'/></a>",  # the count spoils the match
        b"<a xmlns:p=\"http://a\" xmlns:q='rel'/>",
    ],
)
def test_a_relative_namespace_is_refused_however_it_is_written(doc: bytes) -> None:
    with pytest.raises(MalformedXMLError, match="URI"):
        parse(doc, source="m.xml")


@pytest.mark.parametrize(
    "doc",
    [
        f'<a xmlns:xi="{XI}"><xi:include href="x"/></a>'.encode(),
        b'<a xmlns:xi="http://www.w3.org/2001/X&#73;nclude"><xi:include href="x"/></a>',
        f'<xi:include xmlns:xi="{XI}" href="x"/>'.encode(),
    ],
)
def test_xinclude_is_refused_however_its_namespace_is_written(doc: bytes) -> None:
    with pytest.raises(UnsafeXMLError, match="XInclude"):
        parse(doc, source="m.xml")


def test_plain_declarations_and_references_in_text_are_accepted() -> None:
    doc = b'<a xmlns="http://a" xmlns:p=\'urn:x:y\'><p:b>x &amp; y &#65;</p:b><c xmlns=""/></a>'
    root = parse(doc).getroot()
    assert root[0].text == "x & y A"
    assert root[1].tag == "c"


def test_a_uri_judged_fine_once_is_not_judged_again_wrongly() -> None:
    # The cache of accepted URIs holds bytes exactly as declared: a near miss is new.
    parse(b'<a xmlns="http://cache.example/x"/>')
    assert b"http://cache.example/x" in xml._PLAIN_URIS
    with pytest.raises(MalformedXMLError):
        parse(b'<a xmlns="cache.example/x"/>')


_names = st.sampled_from(["xmlns", "xmlns:p", "xmlns:xi", "b", "c", "xmlnsx"])
_value_pieces = st.sampled_from(
    ["http://a", "urn:x", "rel", XI, "&#114;", "&amp;", "\t", " ", "xmlns=", "'", '"', ":", "/"]
)
_spaces = st.sampled_from(["", " ", "\n"])


@st.composite
def _attribute(draw: st.DrawFn) -> str:
    quote = draw(st.sampled_from(['"', "'"]))
    value = "".join(draw(st.lists(_value_pieces, max_size=4)))
    return f"{draw(_names)}{draw(_spaces)}={draw(_spaces)}{quote}{value}{quote}"


_bodies = st.sampled_from(
    ["", "x &amp; y", "<!-- xmlns='rel' -->", 'xmlns="rel"', "<xi:include xmlns:xi='" + XI + "'/>"]
)


@settings(max_examples=400, deadline=None)
@given(attrs=st.lists(_attribute(), max_size=4), body=_bodies)
def test_the_shortcut_agrees_with_the_walk(attrs: list[str], body: str) -> None:
    # Accepted, malformed and refused documents alike: reading the declarations off
    # the bytes must give the walk's verdict, message and line included.
    doc = ("<a " + " ".join(attrs) + ">" + body + "<p:c xmlns:p='http://p'/></a>").encode()
    with pytest.MonkeyPatch.context() as m:
        assert verdict(doc) == walked_verdict(doc, m)
