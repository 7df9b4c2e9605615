"""The rules over DCC's real requests: silent on all of them, exact on their mutations.

The mutations are made in memory from the real requests (nothing is copied into the
project): each changes one thing and must trip exactly the rule named, plus the
``xsd`` finding where the change also breaks DCC's schema.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest

from duis import catalogue, validate
from duis.catalogue import UserRole
from duis.config import Config
from duis.ids import EUI64
from duis.schemas import SchemaRegistry

RULE_FAMILIES = ("srv.", "cv.", "request-id.", "eligibility.", "install-code.", "future-dated.")
DCC = EUI64.parse("90-B3-D5-1F-30-00-00-02")

#: The User Roles each originator has in DCC's test data, from its certificates in
#: certs/zaz1 and the SRVs it sends:
#: - 90-B3-D5-1F-30-01-00-00: the supplier (Z1-supplier, OU=02). It sends SRVs only an
#:   Import, Export or Gas Supplier may send (1.1.2, 4.6.2, 4.1.4) and 9.1, which only an
#:   Other User may send: in DCC's test environment this one EUI holds all four roles.
#: - 90-B3-D5-1F-30-02-00-00: the network operator (Z1-networkOperator, OU=03): it sends
#:   ED-only SRVs (6.5, 6.27) and the GT-only 14.1, so it holds ED and GT.
#: - 90-B3-D5-1F-30-03-00-00: the second supplier (Z1-supplier2, OU=02): IS, ES, GS.
#: - 00-DB-12-34-56-78-00-04: an xmlSign certificate (OU=87) whose request is a 9.1,
#:   which only an Other User may send: OU.
#: Not Users, so no role: 90-B3-D5-1F-30-00-00-02 (the DCC itself, sending CS use
#: cases) and 90-B3-D5-1F-30-01-00-08 (a Load Controller sending 7.16).
ORIGINATOR_ROLES = {
    EUI64.parse("90-B3-D5-1F-30-01-00-00"): (UserRole.IS, UserRole.ES, UserRole.GS, UserRole.OU),
    EUI64.parse("90-B3-D5-1F-30-02-00-00"): (UserRole.ED, UserRole.GT),
    EUI64.parse("90-B3-D5-1F-30-03-00-00"): (UserRole.IS, UserRole.ES, UserRole.GS),
    EUI64.parse("00-DB-12-34-56-78-00-04"): (UserRole.OU,),
}


@lru_cache(maxsize=4)
def _registry(folder: str) -> SchemaRegistry:
    return SchemaRegistry([folder])


def _rule_findings(data: bytes | Path, official: Path, config: Config) -> list[tuple[str, str]]:
    report = validate(data, schemas=_registry(str(official)), config=config)
    return [(m.severity.value, m.rule) for m in report.messages]


def _errors(data: bytes | Path, official: Path, config: Config) -> set[str]:
    return {r for sev, r in _rule_findings(data, official, config) if sev == "error"}


def _requests(paths: list[Path]) -> list[Path]:
    return [p for p in paths if re.search(rb"<sr:Request[\s>]", p.read_bytes()[:400])]


def _originator(data: bytes) -> EUI64:
    found = re.search(rb"<sr:RequestID>([^:<]+):", data)
    assert found is not None
    return EUI64.parse(found.group(1).decode())


def test_no_rule_errors_without_a_role(official_54: Path, reference_requests: list[Path]) -> None:
    requests = _requests(reference_requests)
    assert len(requests) == 305
    for path in requests:
        found = _rule_findings(path, official_54, Config(dcc_eui=DCC))
        assert [f for f in found if f[0] != "info"] == [], path.name


def test_no_rule_errors_with_each_originators_role(
    official_54: Path, ref: Path, reference_requests: list[Path]
) -> None:
    cfg = Config(originators=ORIGINATOR_ROLES, dcc_eui=DCC)
    checked = 0
    for path in _requests([*reference_requests, *sorted((ref / "signed").glob("*.XML"))]):
        data = path.read_bytes()
        found = _rule_findings(data, official_54, cfg)
        errors = [f for f in found if f[0] == "error" and f[1].startswith(RULE_FAMILIES)]
        assert errors == [], path.name
        if _originator(data) in ORIGINATOR_ROLES:
            checked += 1
    assert checked >= 300


def test_the_role_check_can_fail_on_real_requests(
    official_54: Path, reference_requests: list[Path]
) -> None:
    # Swap the supplier's and the network operator's roles: their requests now fail.
    swapped = {
        EUI64.parse("90-B3-D5-1F-30-01-00-00"): (UserRole.ED, UserRole.GT),
        EUI64.parse("90-B3-D5-1F-30-02-00-00"): (UserRole.IS, UserRole.ES, UserRole.GS),
    }
    failed = sum(
        "eligibility.role" in _errors(p, official_54, Config(originators=swapped))
        for p in _requests(reference_requests)
    )
    assert failed > 150


def _template(ref: Path, srv: str) -> bytes:
    for path in sorted((ref / "requests" / "rtds-templates").glob(f"*{srv}_*")):
        data = path.read_bytes()
        if f"<sr:ServiceReferenceVariant>{srv}<".encode() in data:
            return data
    raise AssertionError(f"no template for {srv}")


def _swap(data: bytes, old: str, new: str) -> bytes:
    assert old.encode() in data, old
    return data.replace(old.encode(), new.encode(), 1)


def _body_swapped(data: bytes, old: str, new: str) -> bytes:
    """The body element renamed (content kept): the XSD then fails on the content."""
    out = re.sub(rf"<sr:{old}(\s|/|>)".encode(), f"<sr:{new}\\1".encode(), data)
    return re.sub(rf"</sr:{old}>".encode(), f"</sr:{new}>".encode(), out)


def test_mutated_body_trips_only_body_mismatch(official_54: Path, ref: Path) -> None:
    for srv, other in (("8.11", "4.1.1"), ("4.1.1", "8.2"), ("1.6", "1.5")):
        data = _template(ref, srv)
        row, other_row = catalogue.get(srv), catalogue.get(other)
        assert row is not None and other_row is not None
        mutated = _body_swapped(data, row.body, other_row.body)
        assert _errors(mutated, official_54, Config()) - {"xsd"} == {"srv.body-mismatch"}, srv


def test_mutated_header_trips_exactly_its_rule(official_54: Path, ref: Path) -> None:
    cases = [
        ("4.1.1", "<sr:ServiceReference>4.1<", "<sr:ServiceReference>4.2<", "srv.sr-mismatch"),
        ("8.11", "<sr:ServiceReference>8.11<", "<sr:ServiceReference>8.1<", "srv.sr-mismatch"),
        ("4.1.1", "<sr:CommandVariant>1<", "<sr:CommandVariant>4<", "cv.not-allowed"),
        ("4.1.1", "<sr:CommandVariant>1<", "<sr:CommandVariant>5<", "cv.not-allowed"),
        ("4.1.1", "<sr:CommandVariant>1<", "<sr:CommandVariant>8<", "cv.not-allowed"),
        ("4.1.1", "<sr:CommandVariant>1<", "<sr:CommandVariant>9<", "cv.not-allowed"),
        ("1.6", "<sr:CommandVariant>4<", "<sr:CommandVariant>1<", "cv.not-allowed"),
        ("1.6", "<sr:CommandVariant>4<", "<sr:CommandVariant>9<", "cv.not-allowed"),
        ("8.2", "<sr:CommandVariant>8<", "<sr:CommandVariant>3<", "cv.not-allowed"),
    ]
    for srv, old, new, rule in cases:
        mutated = _swap(_template(ref, srv), old, new)
        assert _errors(mutated, official_54, Config(dcc_eui=DCC)) == {rule}, (srv, new)


def test_ineligible_role_trips_only_eligibility(official_54: Path, ref: Path) -> None:
    for srv in ("8.11", "1.1.2", "6.5", "9.1", "14.1"):
        row = catalogue.get(srv)
        assert row is not None
        data = _template(ref, srv)
        for role in UserRole:
            got = _errors(data, official_54, Config(role=role))
            assert got == (set() if role in row.roles else {"eligibility.role"}), (srv, role)


@pytest.mark.parametrize("smets", [None, 1, 2])
def test_install_codes_of_every_length(official_54: Path, ref: Path, smets: int | None) -> None:
    data = _template(ref, "8.11")
    code = re.search(rb"<sr:InstallCode>([0-9A-Fa-f]+)<", data)
    assert code is not None
    allowed = (16,) if smets == 2 else (6, 8, 12, 16)
    for octets in range(5, 18):
        mutated = data.replace(code.group(1), b"A1" * octets)
        found = _rule_findings(mutated, official_54, Config(smets=smets))
        errors = {r for sev, r in found if sev == "error"}
        expected = set() if octets in allowed else {"install-code.length"}
        if not 6 <= octets <= 16:
            expected.add("xsd")
        assert errors == expected, (smets, octets)
        unknown = ("info", "install-code.generation-unknown") in found
        assert unknown is (smets is None)
