"""The safe parser: refuses what could read files or explode, reports where input breaks."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from duis import DuisError, InputError, MalformedXMLError, UnsafeXMLError, XMLLimitError
from duis.xml import parse

OK = b'<?xml version="1.0"?>\n<a xmlns="urn:x"><b>1</b></a>'


def test_parses_bytes_text_path_and_stream(tmp_path: Path) -> None:
    f = tmp_path / "m.xml"
    f.write_bytes(OK)
    for source in (OK, OK.decode(), f, str(f), io.BytesIO(OK)):
        assert parse(source).getroot().tag == "{urn:x}a"


def test_doctype_with_external_entity_is_refused_before_reading(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    doc = (
        f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>\n<r>&x;</r>'
    ).encode()
    with pytest.raises(UnsafeXMLError) as info:
        parse(doc, source="evil.xml")
    assert info.value.line == 2
    assert info.value.rule == "xml.unsafe"
    assert "TOP-SECRET-MARKER" not in str(info.value)
    assert str(info.value).startswith("evil.xml:2:")


def test_doctype_hidden_in_utf16_is_still_refused() -> None:
    doc = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>'
    with pytest.raises(UnsafeXMLError):
        parse(doc.encode("utf-16"))


def test_billion_laughs_is_refused() -> None:
    doc = b'<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><l>&b;</l>'
    with pytest.raises(UnsafeXMLError):
        parse(doc)


def test_undeclared_entity_is_malformed_with_position() -> None:
    with pytest.raises(MalformedXMLError) as info:
        parse(b"<a>\n  &nope;</a>")
    assert info.value.line == 2
    assert info.value.column is not None


def test_xinclude_is_refused() -> None:
    doc = b'<a xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/passwd"/></a>'
    with pytest.raises(UnsafeXMLError, match="XInclude"):
        parse(doc)


def test_size_limit() -> None:
    big = b"<a>" + b"x" * 2000 + b"</a>"
    with pytest.raises(XMLLimitError, match="larger than the limit of 1000 bytes"):
        parse(big, max_bytes=1000)
    assert parse(big, max_bytes=3000) is not None


def test_depth_limits() -> None:
    deep = b"<a>" * 300 + b"</a>" * 300
    with pytest.raises(XMLLimitError):
        parse(deep)
    ten = b"<a>" * 10 + b"</a>" * 10
    with pytest.raises(XMLLimitError, match="deeper than 5"):
        parse(ten, max_depth=5)
    assert parse(ten, max_depth=10) is not None


def test_mismatched_tags_report_line_and_column() -> None:
    with pytest.raises(MalformedXMLError) as info:
        parse(b"<a>\n<b></a>", source="m.xml")
    assert (info.value.line, info.value.source) == (2, "m.xml")
    # the place is in the fields; the text does not repeat libxml2's ", line 2, column 8"
    assert "column" not in info.value.message


def test_missing_file_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        parse(tmp_path / "absent.xml")
    with pytest.raises(InputError, match="directory"):
        parse(tmp_path)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_raise_only_library_errors(data: bytes) -> None:
    with contextlib.suppress(DuisError):
        parse(data)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="<>/&;!?[]\"'=ab: \n-DOCTYPEENTITYxmlns", max_size=120))
def test_random_markupish_text_raises_only_library_errors(text: str) -> None:
    with contextlib.suppress(DuisError):
        parse(text.encode())
