"""examples/mmc: valid against the embedded and the official MMC 5.4 schema alike, and
the invalid ones refused by both, for the same reason (same line, same element)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from duis import validate
from duis.report import Report
from duis.schemas import SchemaRegistry

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "mmc"
VALID = sorted(EXAMPLES.glob("*.xml")) + sorted((EXAMPLES / "wrong-element").glob("*.xml"))
INVALID = sorted((EXAMPLES / "invalid").glob("*.xml"))


@pytest.fixture(scope="module")
def registries(official_54: Path) -> tuple[SchemaRegistry, SchemaRegistry]:
    return SchemaRegistry(), SchemaRegistry([official_54])


def _reason(report: Report) -> tuple[int | None, str]:
    first = report.errors[0]
    match = re.match(r"Element '([^']+)'", first.text)
    return first.line, match.group(1) if match else first.text


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_in_both(path: Path, registries: tuple[SchemaRegistry, SchemaRegistry]) -> None:
    embedded, official = registries
    for registry in (embedded, official):
        report = validate(path, schemas=registry)
        assert report.valid, (registry.official, report.messages)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_in_both_for_the_same_reason(
    path: Path, registries: tuple[SchemaRegistry, SchemaRegistry]
) -> None:
    embedded, official = (validate(path, schemas=r) for r in registries)
    assert not embedded.valid and not official.valid
    assert official.schema == "DCC DUIS 5.4"
    assert _reason(embedded) == _reason(official)


def test_there_are_examples() -> None:
    assert len(VALID) >= 5 and len(INVALID) >= 5


def test_a_non_base64_gbcs_data_is_refused_by_both(
    registries: tuple[SchemaRegistry, SchemaRegistry],
) -> None:
    # libxml2 skips the '!'; XSD 1.0 (DCC's validator) refuses it. The official bundle
    # types GBCSData as an extension of base64Binary with attributes of anonymous
    # string and integer types, and those once hid it from the check.
    from lxml import etree

    root = etree.parse(str(EXAMPLES / "read-firmware-version.xml")).getroot()
    (data,) = root.iter("{http://www.dccinterface.co.uk/ResponseAndAlert}GBCSData")
    assert data.text
    data.text = data.text[:4] + "!" + data.text[4:]
    text = etree.tostring(root)
    for registry in registries:
        report = validate(text, schemas=registry)
        found = [m for m in report.errors if "GBCSData" in m.text and "'!' is not base64" in m.text]
        assert found and not report.valid, (registry.official, report.messages)
