"""The shared child lookups of duis.xml: comments and PIs never count as elements."""

from __future__ import annotations

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
