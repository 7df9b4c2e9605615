"""The response rules against DCC's material: the payload table is the MMC schema's,
and every crafted case is schema-valid for DCC's own XSDs (so the rule, not the XSD,
is what catches it)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import pytest

import duis
from duis.report import Severity
from duis.rules._response import DEVICE_DATED_PATTERNS, device_alert_elements
from duis.schemas import SchemaRegistry
from tests.reference.conftest import at_least


def _cases() -> ModuleType:
    # The crafted cases live beside the unit tests; loaded by path so this file runs
    # under plain ``pytest`` as well as ``python -m pytest``.
    path = Path(__file__).resolve().parents[1] / "test_response_rules.py"
    spec = importlib.util.spec_from_file_location("_response_rule_cases", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_CASES = _cases()
FAILING = _CASES.FAILING
PASSING = _CASES.PASSING
Edit = _CASES.Edit
crafted = _CASES.crafted

_RETURNED_BY = re.compile(r"Returned by device alerts? (?P<codes>[^-]*?)\s*-->")


def _xsd_payload_codes(mmc_xsd: Path) -> dict[str, frozenset[str]]:
    """Payload type name -> alert codes, from the MMC schema's comments."""
    text = mmc_xsd.read_text("utf-8")
    out: dict[str, frozenset[str]] = {}
    for block in re.finditer(
        r'<xs:complexType name="(?P<name>\w+)">(?P<body>.*?)</xs:complexType>', text, re.S
    ):
        found = _RETURNED_BY.search(block["body"])
        if found is not None:
            codes = re.findall(r"0x([0-9A-Fa-f]{4})", found["codes"])
            out[block["name"]] = frozenset(c.upper() for c in codes)
    return out


def _payload_types(mmc_xsd: Path) -> dict[str, str]:
    """DeviceAlertMessagePayload element -> its type name."""
    text = mmc_xsd.read_text("utf-8")
    choice = re.search(
        r'<xs:complexType name="DeviceAlertMessagePayload">(.*?)</xs:complexType>', text, re.S
    )
    assert choice is not None
    return dict(re.findall(r'name="(\w+)"\s+type="ra:(\w+)"', choice[1]))


@pytest.mark.parametrize("version", ["5.0", "5.1", "5.3a", "5.4"])
def test_payload_table_is_the_mmc_schemas(ref: Path, version: str) -> None:
    mmc_xsd = next((ref / "dcc-schemas" / version).glob("MMC Schema*.xsd"))
    comments = _xsd_payload_codes(mmc_xsd)
    types = _payload_types(mmc_xsd)
    table = device_alert_elements()
    assert set(table) == set(types), "the payload choice differs"
    for element, type_name in types.items():
        if type_name in comments:
            assert table[element] == comments[type_name], element
    # The comment-less ones are exactly the future-dated outcome (its comment names
    # 8F66/8F67 in prose) and the billing data log (an inference, documented).
    assert {e for e, t in types.items() if t not in comments} <= {
        "FutureDatedCommandOutcomeDeviceAlert",
        "BillingDataLogDeviceAlert",
    }


def test_future_dated_outcome_codes_are_the_duis_enumeration(official_54: Path) -> None:
    text = (official_54 / "DUIS Schema V5.4.xsd").read_text("utf-8")
    block = re.search(r'name="FutureDatedAlertCode">(.*?)</xs:element>', text, re.S)
    assert block is not None
    codes = set(re.findall(r'value="(\w+)"', block[1]))
    assert device_alert_elements()["FutureDatedCommandOutcomeDeviceAlert"] == codes


def test_device_dated_patterns_come_from_the_matrix(ref: Path) -> None:
    rows = json.loads((ref / "tables" / "duis-request-matrix.json").read_text("utf-8"))
    patterns = {r["Future Dated Response Pattern"] for r in rows}
    assert {p for p in patterns if "Device" in p} == DEVICE_DATED_PATTERNS


@pytest.fixture(scope="module")
def official(official_54: Path) -> SchemaRegistry:
    return SchemaRegistry([official_54])


def _official_findings(official: SchemaRegistry, data: bytes) -> set[str]:
    report = duis.validate(data, schemas=official, source="crafted.xml")
    assert report.schema is not None and "5.4" in report.schema
    return {m.rule for m in report.messages if m.severity is not Severity.INFO}


@pytest.mark.parametrize(("rule_id", "example", "edits"), FAILING)
def test_failing_cases_pass_dccs_xsd(
    official: SchemaRegistry, rule_id: str, example: str, edits: tuple[Edit, ...]
) -> None:
    assert _official_findings(official, crafted(example, *edits)) == {rule_id}


@pytest.mark.parametrize(("why", "example", "edits"), PASSING)
def test_passing_cases_pass_dccs_xsd(
    official: SchemaRegistry, why: str, example: str, edits: tuple[Edit, ...]
) -> None:
    assert _official_findings(official, crafted(example, *edits)) == set(), why


def test_dccs_own_responses_trip_no_response_rule(ref: Path, official: SchemaRegistry) -> None:
    from duis.rules import all_rules

    ours = {r.id for r in all_rules() if r.area == "response"}
    files = sorted((ref / "signed").glob("*.xml")) + sorted(
        (ref / "requests" / "rtds-testdata").glob("*RESPONSE*")
    )
    at_least(files, 14, "reference responses")
    checked = 0
    for path in files:
        report = duis.validate(path, schemas=official)
        if report.kind.value == "response":
            assert not (report.rules() & ours), path
            checked += 1
    assert checked >= 10
