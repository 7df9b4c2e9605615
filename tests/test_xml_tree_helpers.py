"""The shared child lookups of duis.xml: comments and PIs never count as elements."""

from __future__ import annotations

from pathlib import Path

from duis.xml import child_element, first_element, parse

DOC = b'<r xmlns="urn:x"><!-- c --><?pi x?><a>1</a><b/><a>2</a></r>'


def test_child_element_finds_the_first_with_that_tag() -> None:
    root = parse(DOC).getroot()
    found = child_element(root, "{urn:x}a")
    assert found is not None and found.text == "1"
    assert child_element(root, "{urn:x}c") is None
    assert child_element(root, "a") is None  # a tag in another namespace is another tag
    assert child_element(None, "{urn:x}a") is None


def test_child_element_compares_tags_and_does_not_evaluate_paths() -> None:
    root = parse(DOC).getroot()
    assert child_element(root, "{urn:x}a[2]") is None  # find() would read this as a path


def test_first_element_skips_comments_and_pis() -> None:
    root = parse(DOC).getroot()
    first = first_element(root)
    assert first is not None and first.tag == "{urn:x}a"
    assert first_element(parse(b"<r><!-- only --></r>").getroot()) is None
    assert first_element(None) is None


def test_parsers_read_no_external_dtd_even_if_the_doctype_check_were_bypassed(
    tmp_path: Path,
) -> None:
    """libxml2 reads a DOCTYPE's DTD file with collect_ids=False, despite load_dtd=False."""
    from lxml import etree

    from duis.xml import _parser_for

    dtd = tmp_path / "bad.dtd"
    dtd.write_text("<!ATTLIST r garbage garbage garbage")  # a parse error if ever read
    doc = f'<?xml version="1.0"?><!DOCTYPE r SYSTEM "{dtd.as_uri()}"><r/>'.encode()
    root = etree.fromstring(doc, _parser_for("UTF-8"))  # no error: the file was not read
    assert root.tag == "r" and dict(root.attrib) == {}
