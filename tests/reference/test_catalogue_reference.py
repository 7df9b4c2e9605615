"""The catalogue agrees with DCC's SRV matrix, every official XSD and the templates.

Where DCC's own sources disagree, the catalogue follows the SRV matrix (or, for the
matrix's one formatting slip, DUIS's SR rule and the XSDs) and the test names the
disagreement, so it is a recorded fact rather than a silent exception.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import etree

from duis import catalogue
from duis.xml import parse

XS = "{http://www.w3.org/2001/XMLSchema}"
SR_NS = "{http://www.dccinterface.co.uk/ServiceUserGateway}"
VERSIONS = ("5.0", "5.1", "5.3a", "5.4")

#: The XSDs' CV comments call 7.12/7.13 non-critical and 7.14/7.15 critical; DCC's SRV
#: matrix (and the request templates) say the opposite. The catalogue follows the matrix.
XSD_CV_DISAGREEMENT = {
    "7.12": [1, 2, 3],
    "7.13": [1, 2, 3],
    "7.14": [4, 5, 6, 7],
    "7.15": [4, 5, 6, 7],
}
#: The matrix writes ServiceReference "6.2" for 6.20.1 and 6.20.2: "6.20" read as a
#: number. DUIS's rule (the SRV without its last part), every XSD's SR enumeration
#: and the templates say 6.20; the catalogue follows them.
MATRIX_SR_DISAGREEMENT = {"6.20.1": "6.2", "6.20.2": "6.2"}


def _matrix(ref: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(
        (ref / "tables" / "duis-request-matrix.json").read_text("utf-8")
    )
    return rows


def _xsd(ref: Path, version: str, kind: str = "DUIS") -> etree._Element:
    (path,) = (ref / "dcc-schemas" / version).glob(f"{kind} Schema V*.xsd")
    return parse(path).getroot()


def _yes(value: object) -> bool:
    assert value in ("Yes", "No"), value
    return value == "Yes"


def test_matrix_rows_match_the_catalogue(ref: Path) -> None:
    matrix = _matrix(ref)
    assert [r["Service Reference Variant"] for r in matrix] == [r.srv for r in catalogue.all_srvs()]
    for m in matrix:
        row = catalogue.get(str(m["Service Reference Variant"]))
        assert row is not None
        # The matrix appends a usage note to one name (8.2: "Read Inventory" then a blank
        # line and who may use it); the catalogue keeps the name alone.
        assert row.name == str(m["Service Request Name"]).split("\n")[0].strip()
        expected_sr = m["Service Reference"]
        if row.srv in MATRIX_SR_DISAGREEMENT:
            assert expected_sr == MATRIX_SR_DISAGREEMENT[row.srv]
            assert row.sr == "6.20"
        else:
            assert row.sr == expected_sr, row.srv
        assert row.critical is _yes(m["Critical"]), row.srv
        assert row.on_demand is _yes(m["On Demand"]), row.srv
        fd = m["Future Dated Response Pattern"]
        assert (row.future_dated or "No") == fd, row.srv
        assert row.dcc_scheduled is _yes(m["DCC Scheduled"]), row.srv
        assert row.non_device is _yes(m["Non-Device Request"]), row.srv
        assert [r.value for r in row.roles] == m["Eligible User Roles"], row.srv


def _srv_comments(root: etree._Element) -> dict[str, list[int]]:
    st = root.find(f"{XS}simpleType[@name='ServiceReferenceVariant']")
    assert st is not None
    cvs: dict[str, list[int]] = {}
    last = None
    for child in st[0]:
        if child.tag == f"{XS}enumeration":
            last = child.get("value")
            assert last is not None
            cvs[last] = []
        elif isinstance(child, etree._Comment) and last is not None:
            found = re.search(r"CV\s*=\s*([\d,\s]+)", child.text or "")
            if found:
                cvs[last] = [int(x) for x in re.findall(r"\d+", found.group(1))]
    return cvs


@pytest.mark.parametrize("version", VERSIONS)
def test_xsd_srvs_and_cv_comments(ref: Path, version: str) -> None:
    comments = _srv_comments(_xsd(ref, version))
    assert list(comments) == [r.srv for r in catalogue.all_srvs()]
    disagree = {}
    for row in catalogue.all_srvs():
        ours = [cv.value for cv in row.command_variants]
        if comments[row.srv] != ours:
            disagree[row.srv] = comments[row.srv]
    assert disagree == XSD_CV_DISAGREEMENT


@pytest.mark.parametrize("version", VERSIONS)
def test_xsd_body_choice_and_service_references(ref: Path, version: str) -> None:
    root = _xsd(ref, version)
    request = root.find(f"{XS}complexType[@name='Request']")
    assert request is not None
    (body,) = [e for e in request.iter(f"{XS}element") if e.get("name") == "Body"]
    choice = body.find(f".//{XS}choice")
    assert choice is not None
    names = [e.get("name") for e in choice.iter(f"{XS}element")]
    assert len(names) == 130
    assert set(names) == {r.body for r in catalogue.all_srvs()} | {"SignedPreCommand"}
    srt = root.find(f"{XS}simpleType[@name='ServiceReference']")
    assert srt is not None
    srs = [e.get("value") for e in srt.iter(f"{XS}enumeration")]
    assert len(srs) == 95
    assert set(srs) == set(catalogue.service_references())


@pytest.mark.parametrize("version", VERSIONS)
def test_mmc_response_elements(ref: Path, version: str) -> None:
    root = _xsd(ref, version, "MMC")
    (smets,) = [e for e in root.iter(f"{XS}element") if e.get("name") == "SMETSData"]
    choice = smets.find(f".//{XS}choice")
    assert choice is not None
    rsp = {e.get("name") for e in choice.iter(f"{XS}element")}
    ours = {r.mmc_response for r in catalogue.all_srvs() if r.mmc_response}
    assert ours <= rsp
    # Each MMC element is the response of exactly one SRV; SRVs without one are the
    # non-device requests and 6.14.3 (whose response carries no device data).
    assert rsp - ours == set()
    without = {r.srv for r in catalogue.all_srvs() if r.mmc_response is None}
    non_device = {r.srv for r in catalogue.all_srvs() if r.non_device}
    assert without - non_device == {"6.14.3"}


def test_templates_use_the_catalogue_body_sr_and_a_cv(ref: Path) -> None:
    seen = set()
    for path in sorted((ref / "requests").rglob("*")):
        if path.suffix.lower() != ".xml":
            continue
        root = parse(path).getroot()
        if root.tag != f"{SR_NS}Request":
            continue
        header = root.find(f"{SR_NS}Header")
        body = root.find(f"{SR_NS}Body")
        assert header is not None and body is not None
        row = catalogue.get(header.findtext(f"{SR_NS}ServiceReferenceVariant") or "")
        assert row is not None, path.name
        seen.add(row.srv)
        assert header.findtext(f"{SR_NS}ServiceReference") == row.sr, path.name
        cv = int(header.findtext(f"{SR_NS}CommandVariant") or "0")
        assert cv in [c.value for c in row.command_variants], path.name
        assert etree.QName(body[0]).localname == row.body, path.name
    assert len(seen) == 129
