"""Rule sets member by member, with the expected values written from DUIS facts.

DUIS (shared/docs/DOMAIN.md, the XSD's CommandVariant table): CommandVariants 5, 6 and 7
carry a ``SignedPreCommand`` body instead of the SRV's own; 2, 3, 6 and 7 are on-demand
only, so an ``ExecutionDateTime`` (a future-dated command) is allowed with 1, 4 and 5
only. Critical SRVs (1.6 here) take CVs 4-7, non-critical device SRVs (4.1.2) 1-3,
8.1.1 takes 4 and 5. Each member of each set is its own case, so dropping or adding
one member of a set in the code fails a named case.
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree
from test_rules import SIGNED, findings, han_log, request

from duis import catalogue
from duis.catalogue import UserRole
from duis.config import Config
from duis.ids import EUI64
from duis.report import Report
from duis.rules import all_rules, check_request
from duis.xml import parse

#: DUIS literals, not read from the code.
SIGNED_PRE_COMMAND_CVS = {5, 6, 7}
ON_DEMAND_ONLY_CVS = {2, 3, 6, 7}
ALLOWED = {"1.6": {4, 5, 6, 7}, "4.1.2": {1, 2, 3}, "8.1.1": {4, 5}}


def _own_body(srv: str, *, future: bool) -> str:
    row = catalogue.get(srv)
    assert row is not None
    inner = "<sr:ExecutionDateTime>2030-01-01T00:00:00Z</sr:ExecutionDateTime>" if future else ""
    return f"<sr:{row.body}>{inner}</sr:{row.body}>"


def _rules(data: bytes) -> set[str]:
    return {rule for _, rule in findings(data)}


CASES = [(srv, cv) for srv, cvs in ALLOWED.items() for cv in sorted(cvs)]


@pytest.mark.parametrize(("srv", "cv"), CASES, ids=[f"{s}-cv{c}" for s, c in CASES])
def test_signed_pre_command_body_per_cv(srv: str, cv: int) -> None:
    signed = _rules(request(srv, cv=str(cv), body=SIGNED))
    own = _rules(request(srv, cv=str(cv), body=_own_body(srv, future=False)))
    if cv in SIGNED_PRE_COMMAND_CVS:
        assert signed == set()
        assert own == {"srv.body-mismatch"}
    else:
        assert signed == {"srv.body-mismatch"}
        assert own == set()


@pytest.mark.parametrize(("srv", "cv"), CASES, ids=[f"{s}-cv{c}" for s, c in CASES])
def test_future_dating_per_cv(srv: str, cv: int) -> None:
    got = _rules(request(srv, cv=str(cv), body=_own_body(srv, future=True)))
    expected = {"future-dated.command-variant"} if cv in ON_DEMAND_ONLY_CVS else set()
    if cv in SIGNED_PRE_COMMAND_CVS:
        expected.add("srv.body-mismatch")
    assert got == expected


@pytest.mark.parametrize("cv", range(1, 10))
def test_cv_outside_the_srvs_set_is_refused(cv: int) -> None:
    for srv, cvs in ALLOWED.items():
        got = _rules(request(srv, cv=str(cv), body=_own_body(srv, future=False)))
        assert ("cv.not-allowed" in got) == (cv not in cvs), (srv, cv, got)


# Mutants of valid requests (InstallCode included): the rules never raise, and together the
# examples reach most of the request rules (counted), not only the parser-shaped ones.
_BASES = [
    request("8.11"),
    request("8.11", body=han_log("00" * 7)),
    request("1.6", cv="5", body=SIGNED),
    request("1.6", cv="4", body=_own_body("1.6", future=True)),
    request("4.1.2", cv="2", body=_own_body("4.1.2", future=True)),
    request("8.1.1", cv="4", body=_own_body("8.1.1", future=False)),
    request("8.2", cv="8", target="90-B3-D5-1F-30-00-00-02"),
    request("8.5", cv="1"),
    # One base per rule that a random edit seldom builds (kept by the zero-edit draws).
    request("8.11", target="90-B3-D5-1F-30-00-00-02"),
    request("8.11", target="90-B3-D5-1F-30-01-00-00"),
    request("8.2", cv="8"),
    request("8.11", sr="4.1"),
]
_USER = "90-B3-D5-1F-30-01-00-00"
_DCC = "90-B3-D5-1F-30-00-00-02"
#: Values a text edit writes, by element: each is right for some request, wrong for others.
_VALUES = {
    "RequestID": [f"{_USER}:{_USER}:1", f"{_USER}:{_DCC}:1", f"{_DCC}:{_USER}:1", "a:b:c", ""],
    "CommandVariant": ["1", "2", "4", "5", "6", "8", "9", ""],
    "ServiceReference": ["8.11", "8.1", "4.1", "1.6", "8.5", "7.16", "x"],
    "ServiceReferenceVariant": ["8.11", "8.1.1", "4.1.2", "1.6", "8.5", "7.16", "8.2", "x"],
    "InstallCode": ["00" * 16, "00" * 7, "00" * 8, "0" * 40, "", "ZZ"],
}
_ANY = ["", "1", "x", "2030-01-01T00:00:00Z"]
FIRED: Counter[str] = Counter()


@st.composite
def mutated_requests(draw: st.DrawFn) -> etree._Element:
    root = parse(draw(st.sampled_from(_BASES))).getroot()
    for _ in range(draw(st.integers(0, 3))):
        elements = [e for e in root.iter() if isinstance(e.tag, str)]
        el = draw(st.sampled_from(elements))
        action = draw(st.sampled_from(["text", "drop", "dup"]))
        parent = el.getparent()
        if action == "text" and len(el) == 0:
            el.text = draw(st.sampled_from(_VALUES.get(etree.QName(el).localname, _ANY)))
        elif action == "drop" and parent is not None:
            parent.remove(el)
        elif action == "dup" and parent is not None:
            parent.append(etree.fromstring(etree.tostring(el)))
    return root


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(mutated_requests(), st.sampled_from([None, 1, 2]), st.sampled_from([None, *UserRole]))
def test_mutated_valid_requests(
    root: etree._Element, smets: int | None, role: UserRole | None
) -> None:
    report = Report("<t>")
    check_request(root, report, Config(smets=smets, role=role, dcc_eui=EUI64.parse(_DCC)))
    rules = report.rules()
    assert "rules.internal-error" not in rules
    for rule in rules:
        event(rule)
        FIRED[rule] += 1


def test_mutated_requests_reach_most_request_rules() -> None:
    """Run after the property test: most request rules fired at least once (a count)."""
    if not FIRED:
        test_mutated_valid_requests()
    ids = {r.id for r in all_rules() if r.area == "request"}
    reached = ids & set(FIRED)
    # rules.internal-error is the one rule no input may reach.
    assert len(reached) >= len(ids) - 1, sorted(ids - reached)
