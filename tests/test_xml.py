"""The safe parser: refuses what could read files or explode, reports where input breaks."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from lxml import etree

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


# --- encodings the DOCTYPE search cannot see into (issue 14.1, issue 15) -------------

DTD_DOC = '<?xml version="1.0" encoding="{enc}"?><!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>'


@pytest.mark.parametrize(
    "codec,declared",
    [
        ("utf-16-le", "UTF-16"),  # no byte order mark: found from the bytes' layout
        ("utf-16-be", "UTF-16"),
        ("utf-32-le", "UTF-32"),
        ("utf-32-be", "UTF-32"),
        ("utf-16", "UTF-16"),  # with a byte order mark
        ("utf-32", "UTF-32"),
    ],
)
def test_doctype_in_utf16_and_utf32_with_or_without_bom_is_refused(
    codec: str, declared: str
) -> None:
    with pytest.raises(UnsafeXMLError, match="DOCTYPE") as info:
        parse(DTD_DOC.format(enc=declared).encode(codec))
    assert (info.value.line, info.value.column) == (1, 40)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-16"])
def test_wide_documents_without_doctype_parse(codec: str) -> None:
    enc = "UTF-32" if "32" in codec else "UTF-16"
    doc = f'<?xml version="1.0" encoding="{enc}"?><r xmlns="urn:x">\u00e9\u20ac</r>'
    assert parse(doc.encode(codec)).getroot().text == "\u00e9\u20ac"


# UTF-7 spells "<!DOCTYPE r [<!ENTITY a SYSTEM "file:///etc/passwd">]>" without a "<".
UTF7_DOCTYPE = (
    b'<?xml version="1.0" encoding="UTF-7"?>'
    b"+ADw-!DOCTYPE r +AFs-+ADw-!ENTITY a SYSTEM +ACI-file:///etc/passwd+ACI-+AD4-+AF0-+AD4-"
    b"<r>+ACY-a+ADs-</r>"
)


@pytest.mark.parametrize(
    "doc",
    [
        UTF7_DOCTYPE,
        b"<?xml version='1.0'\n  encoding = 'utf-7' ?><r/>",
        b'<?xml version="1.0" encoding="Shift_JIS"?><r/>',
        b'<?xml version="1.0" encoding="UTF-16"?><r/>',  # says UTF-16, bytes are not
        b'\xef\xbb\xbf<?xml version="1.0" encoding="ISO-8859-1"?><r/>',  # UTF-8 BOM
        '<?xml version="1.0" encoding="IBM037"?><r/>'.encode("cp037"),  # EBCDIC
        '<?xml version="1.0" encoding="UTF-16BE"?><r/>'.encode("utf-16-le"),
        '<?xml version="1.0" encoding="UTF-8"?><r/>'.encode("utf-16-le"),
    ],
)
def test_encodings_the_search_cannot_see_into_are_refused_before_parsing(doc: bytes) -> None:
    with pytest.raises(UnsafeXMLError, match=r"encoding|EBCDIC") as info:
        parse(doc)
    assert info.value.rule == "xml.unsafe"
    assert "accepted encodings are" in info.value.message or "its bytes are" in info.value.message


def test_utf7_doctype_is_a_report_not_an_lxml_exception() -> None:
    import duis

    report = duis.validate(UTF7_DOCTYPE)
    assert [m.rule for m in report.messages] == ["xml.unsafe"]


@pytest.mark.parametrize(
    "declared,text",
    [("ISO-8859-1", "\u00e9"), ("windows-1252", "\u20ac"), ("ISO-8859-15", "\u20ac")],
)
def test_single_byte_encodings_are_decoded_as_declared(declared: str, text: str) -> None:
    doc = f'<?xml version="1.0" encoding="{declared}"?><r>{text}</r>'.encode(declared)
    assert parse(doc).getroot().text == text


def test_text_given_as_str_ignores_its_declaration() -> None:
    assert parse('<?xml version="1.0" encoding="UTF-16"?><r>\u00e9</r>').getroot().text == "\u00e9"


def test_invalid_utf16_is_malformed() -> None:
    with pytest.raises(MalformedXMLError, match="UTF-16LE"):
        parse("<r>x</r>".encode("utf-16-le") + b"\x00\xd8")  # a lone surrogate


# --- namespace URIs C14N cannot process (issue 8 §2.2, 14.4) --------------------------


@pytest.mark.parametrize(
    "doc",
    [
        b'<r xmlns:x="rel/uri"/>',
        b'<r xmlns="rel"/>',
        b'<r>\n<s xmlns:y="../up"/></r>',
        b'<r xmlns:x="&#x72;el"/>',
    ],
)
def test_relative_namespace_uri_is_refused(doc: bytes) -> None:
    with pytest.raises(MalformedXMLError, match="not an absolute URI") as info:
        parse(doc)
    assert info.value.rule == "xml.malformed"


def test_relative_namespace_is_found_past_the_fast_path() -> None:
    many = " ".join(f'xmlns:p{i}="urn:p{i}"' for i in range(20))
    doc = f'<r {many}><s xmlns:bad="rel"/></r>'.encode()
    with pytest.raises(MalformedXMLError, match="bad"):
        parse(doc, max_namespaces=20)  # the counting walk; the URI is judged first
    with pytest.raises(MalformedXMLError, match="bad"):
        parse(doc)


def test_absolute_and_empty_namespaces_are_fine() -> None:
    doc = (
        b'<r xmlns="http://www.dccinterface.co.uk/ServiceUserGateway" '
        b'xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><s xmlns="" xmlns:u="urn:a:b"/></r>'
    )
    assert parse(doc).getroot() is not None


# --- bounds that keep every command linear (issue 14.3) -------------------------------
# Sizes are those of the attack suite: a quadratic path would take minutes here, so a
# regression shows as a hung test, not a flaky timing assertion.


def test_20k_namespace_declarations_are_refused() -> None:
    doc = b"<a " + b" ".join(b'xmlns:p%d="urn:x%d"' % (i, i) for i in range(20000)) + b"><b/></a>"
    with pytest.raises(XMLLimitError, match="20000 namespace declarations in scope"):
        parse(doc)


def test_namespaces_redeclared_down_a_path_count_again() -> None:
    deep = b"".join(b'<a xmlns:p="urn:%d">' % i for i in range(40)) + b"</a>" * 40
    with pytest.raises(XMLLimitError, match="33 namespace declarations"):
        parse(deep)
    assert parse(deep, max_namespaces=40) is not None


def test_200k_attributes_are_refused() -> None:
    doc = b"<a " + b" ".join(b'a%d="1"' % i for i in range(200000)) + b"/>"
    with pytest.raises(XMLLimitError, match="200000 attributes"):
        parse(doc)
    few = b"<a " + b" ".join(b'a%d="1"' % i for i in range(10)) + b"/>"
    with pytest.raises(XMLLimitError, match="10 attributes, more than the limit of 9"):
        parse(few, max_attributes=9)
    assert parse(few, max_attributes=10) is not None


def test_many_equals_signs_in_text_are_not_attributes() -> None:
    assert parse(b"<a>" + b"=" * 5000 + b"</a>").getroot().text == "=" * 5000


def test_10mb_deep_document_with_a_depth_limit_is_checked_in_one_pass() -> None:
    deep = b"<a>" * 200 + b"</a>" * 200
    doc = b"<r>" + deep * (9 * 1024 * 1024 // len(deep)) + b"</r>"
    with pytest.raises(XMLLimitError, match="deeper than 200"):
        parse(doc, max_depth=200)
    # at the limit: every element is visited, none refused (walking to the root for
    # each of the 2.6 million elements took half a minute)
    assert parse(doc, max_depth=201) is not None


def test_docinfo_is_checked_on_every_input(monkeypatch: pytest.MonkeyPatch) -> None:
    # The byte search is the first line; the tree's docinfo is the second, on every
    # input: simulate a search that missed one.
    import duis.xml as dx

    monkeypatch.setattr(dx, "_decide_encoding", lambda raw, name: ("UTF-8", "x"))
    with pytest.raises(UnsafeXMLError, match="DTDs are refused"):
        parse(b'<!DOCTYPE r [<!ENTITY a "b">]><r/>')


# --- property tests with the bugs pinned ----------------------------------------------


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60), st.sampled_from(["utf-8", "utf-16-le", "utf-16-be", "utf-32"]))
@example('<!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>', "utf-16-le")
@example('<!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>', "utf-32")
@example('<r xmlns:x="rel/uri"/>', "utf-8")
@example("<a " + " ".join(f'xmlns:p{i}="urn:{i}"' for i in range(40)) + "/>", "utf-16-be")
def test_any_text_in_any_accepted_encoding_gives_a_tree_or_a_library_error(
    text: str, codec: str
) -> None:
    try:
        data = text.encode(codec)
    except UnicodeEncodeError:
        return
    try:
        tree = parse(data)
    except DuisError:
        return
    assert "<!DOCTYPE" not in text  # refused wherever it stands, even in a comment
    assert tree.docinfo.internalDTD is None
    etree.tostring(tree, method="c14n")  # what sign and verify do: never C14NError


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["UTF-7", "UTF7", "utf-7", "Shift_JIS", "EUC-JP", "GB18030", "CP037"]),
    st.sampled_from(['"', "'"]),
)
@example("UTF-7", '"')
def test_unaccepted_declared_encodings_are_refused(enc: str, quote: str) -> None:
    with pytest.raises(UnsafeXMLError):
        parse(f"<?xml version={quote}1.0{quote} encoding={quote}{enc}{quote}?><r/>".encode())


def test_relative_namespace_among_others_is_placed_on_its_element() -> None:
    doc = b'<?xml version="1.0"?>\n<r xmlns:x="rel/uri" xmlns:a="urn:a" xmlns:b="urn:b"/>'
    with pytest.raises(MalformedXMLError, match="rel/uri") as info:
        parse(doc)
    assert info.value.line == 2


def test_text_read_once_as_bytes_keeps_its_meaning() -> None:
    # validate and sign read the input once (read_input) and parse those bytes
    from duis.xml import read_input

    raw, _ = read_input('<?xml version="1.0" encoding="ISO-8859-1"?><r>\u00e9</r>')
    assert parse(raw).getroot().text == "\u00e9"
    raw, _ = read_input("<?xml version='1.0' encoding='UTF-16'?><r>\u00e9</r>")
    assert parse(raw).getroot().text == "\u00e9"
