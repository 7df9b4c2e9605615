"""The request rules: a table of failing and passing cases, each naming the exact rule.

The requests are written here (project test EUIs, made-up devices); each case changes
one thing in a valid request and states every finding it must give and no other.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from duis import catalogue
from duis.catalogue import UserRole
from duis.config import Config
from duis.ids import EUI64
from duis.report import Report, Severity
from duis.rules import Rule, all_rules, check_request, get_rule
from duis.xml import parse

USER = "90-B3-D5-1F-30-01-00-00"
DCC = "90-B3-D5-1F-30-00-00-02"
HUB = "00-12-4B-00-0A-51-7E-0C"
GAS = "00-12-4B-00-0A-51-7E-02"


def request(
    srv: str = "8.11",
    *,
    sr: str | None = None,
    cv: str = "1",
    originator: str = USER,
    target: str = HUB,
    body: str | None = None,
) -> bytes:
    row = catalogue.get(srv)
    if sr is None:
        sr = row.sr if row is not None else srv
    if body is None:
        body = _body_for(srv)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.4">
  <sr:Header>
    <sr:RequestID>{originator}:{target}:1700000000000</sr:RequestID>
    <sr:CommandVariant>{cv}</sr:CommandVariant>
    <sr:ServiceReference>{sr}</sr:ServiceReference>
    <sr:ServiceReferenceVariant>{srv}</sr:ServiceReferenceVariant>
  </sr:Header>
  <sr:Body>
    {body}
  </sr:Body>
</sr:Request>""".encode()


def han_log(code: str = "00112233445566778899AABBCCDDEEFF", device: str = GAS) -> str:
    return (
        f"<sr:UpdateHANDeviceLog><sr:DeviceID>{device}</sr:DeviceID>"
        "<sr:RequestType>Add</sr:RequestType><sr:AddDeviceToCHFWhitelist>"
        f"<sr:JoinTimePeriod>60</sr:JoinTimePeriod><sr:InstallCode>{code}</sr:InstallCode>"
        "</sr:AddDeviceToCHFWhitelist></sr:UpdateHANDeviceLog>"
    )


def _body_for(srv: str) -> str:
    if srv == "8.11":
        return han_log()
    row = catalogue.get(srv)
    return f"<sr:{row.body}/>" if row is not None else "<sr:Nothing/>"


SIGNED = "<sr:SignedPreCommand><sr:GBCSPayload>3q2+7w==</sr:GBCSPayload></sr:SignedPreCommand>"
FUTURE_READ = (
    "<sr:ReadInstantaneousImportTOUMatrices>"
    "<sr:ExecutionDateTime>2030-01-01T00:00:00Z</sr:ExecutionDateTime>"
    "</sr:ReadInstantaneousImportTOUMatrices>"
)


def findings(data: bytes, config: Config | None = None) -> set[tuple[str, str]]:
    root = parse(data).getroot()
    report = Report("<test>")
    check_request(root, report, config or Config())
    return {(m.severity.value, m.rule) for m in report.messages}


def errors(data: bytes, config: Config | None = None) -> set[str]:
    return {rule for sev, rule in findings(data, config) if sev == "error"}


def lookup(generation: int | None) -> Callable[[EUI64], int | None]:
    return lambda eui: generation if str(eui) == GAS else None


GEN_UNKNOWN = ("info", "install-code.generation-unknown")
_CODE = "00" * 16

# (id, request, config, every finding expected)
CASES: list[tuple[str, bytes, Config, set[tuple[str, str]]]] = [
    ("valid 8.11", request(), Config(), {GEN_UNKNOWN}),
    ("valid 4.1.1", request("4.1.1"), Config(), set()),
    ("valid critical CV 4", request("1.6", cv="4"), Config(), set()),
    ("valid critical CV 5 signed", request("1.6", cv="5", body=SIGNED), Config(), set()),
    (
        "valid non-device",
        request("8.2", cv="8", target=DCC),
        Config(dcc_eui=EUI64.parse(DCC)),
        set(),
    ),
    # srv.sr-mismatch
    ("wrong SR", request("4.1.1", sr="4.2"), Config(), {("error", "srv.sr-mismatch")}),
    (
        "SR of 6.20.1 is 6.20",
        request("6.20.1", sr="6.2"),
        Config(),
        {("error", "srv.sr-mismatch")},
    ),
    ("SR 6.20 passes", request("6.20.1", sr="6.20"), Config(), set()),
    # srv.body-mismatch
    (
        "8.11 with 4.1.1 body",
        request(body="<sr:ReadInstantaneousImportRegisters/>"),
        Config(),
        {("error", "srv.body-mismatch")},
    ),
    (
        "signed body with CV 4",
        request("1.6", cv="4", body=SIGNED),
        Config(),
        {("error", "srv.body-mismatch")},
    ),
    ("own body with CV 6", request("1.6", cv="6"), Config(), {("error", "srv.body-mismatch")}),
    (
        "signed body with CV 1",
        request("4.1.1", body=SIGNED),
        Config(),
        {("error", "srv.body-mismatch")},
    ),
    # cv.not-allowed, and only it, whatever the body
    ("CV 4 on non-critical", request("4.1.1", cv="4"), Config(), {("error", "cv.not-allowed")}),
    (
        "CV 5 on non-critical, own body",
        request("4.1.1", cv="5"),
        Config(),
        {("error", "cv.not-allowed")},
    ),
    (
        "CV 6 on non-critical, signed body",
        request("4.1.1", cv="6", body=SIGNED),
        Config(),
        {("error", "cv.not-allowed")},
    ),
    ("CV 1 on critical", request("1.6", cv="1"), Config(), {("error", "cv.not-allowed")}),
    (
        "CV 8 on device SRV",
        request("4.1.1", cv="8"),
        Config(dcc_eui=EUI64.parse(DCC)),
        {("error", "cv.not-allowed")},
    ),
    (
        "CV 1 on non-device",
        request("8.2", cv="1", target=DCC),
        Config(),
        {("error", "cv.not-allowed")},
    ),
    (
        "CV 6 on 8.1.1",
        request("8.1.1", cv="6", body=SIGNED),
        Config(),
        {("error", "cv.not-allowed")},
    ),
    ("CV 9", request("4.1.1", cv="9"), Config(), {("error", "cv.not-allowed")}),
    ("CV 9 on critical", request("1.6", cv="9"), Config(), {("error", "cv.not-allowed")}),
    ("CV 9, unknown SRV", request("99.9", cv="9"), Config(), {("error", "cv.not-allowed")}),
    # request-id.*
    (
        "originator is target",
        request("4.1.1", target=USER.lower()),
        Config(),
        {("error", "request-id.originator-is-target")},
    ),
    (
        "lowercase EUIs accepted",
        request("4.1.1", originator=USER.lower(), target=HUB.lower()),
        Config(),
        set(),
    ),
    (
        "non-device to a device",
        request("8.2", cv="8", target=HUB),
        Config(dcc_eui=EUI64.parse(DCC)),
        {("error", "request-id.non-device-target")},
    ),
    (
        "non-device to the DCC, lowercase",
        request("8.2", cv="8", target=DCC.lower()),
        Config(dcc_eui=EUI64.parse(DCC)),
        set(),
    ),
    (
        "non-device target unchecked without dcc_eui",
        request("8.2", cv="8", target=HUB),
        Config(),
        set(),
    ),
    (
        "device request to the DCC",
        request("4.1.1", target=DCC),
        Config(dcc_eui=EUI64.parse(DCC)),
        {("error", "request-id.device-target-is-dcc")},
    ),
    # eligibility.*
    (
        "ED may not send 8.11",
        request(),
        Config(role=UserRole.ED),
        {("error", "eligibility.role"), GEN_UNKNOWN},
    ),
    ("OU may send 8.11", request(), Config(role=UserRole.OU), {GEN_UNKNOWN}),
    (
        "originator table wins over role",
        request("4.1.1"),
        Config(role=UserRole.IS, originators={EUI64.parse(USER): (UserRole.ES,)}),
        {("error", "eligibility.role")},
    ),
    (
        "any of several roles",
        request("6.5", cv="1"),
        Config(originators={EUI64.parse(USER): (UserRole.IS, UserRole.ED)}),
        set(),
    ),
    ("no role: no eligibility check", request("6.5", cv="1"), Config(), set()),
    (
        "no roles listed",
        request("8.6", cv="8", target=DCC),
        Config(role=UserRole.IS),
        {("warning", "eligibility.no-roles-listed")},
    ),
    # install-code.*
    (
        "9 octets",
        request(body=han_log("00" * 9)),
        Config(),
        {("error", "install-code.length"), GEN_UNKNOWN},
    ),
    (
        "12 octets, SMETS2",
        request(body=han_log("00" * 12)),
        Config(smets=2),
        {("error", "install-code.length")},
    ),
    ("12 octets, SMETS1", request(body=han_log("00" * 12)), Config(smets=1), set()),
    ("16 octets, SMETS2 by lookup", request(), Config(device_generation=lookup(2)), set()),
    (
        "8 octets, SMETS2 by lookup",
        request(body=han_log("00" * 8)),
        Config(smets=1, device_generation=lookup(2)),
        {("error", "install-code.length")},
    ),
    (
        "lookup does not know: smets applies",
        request(body=han_log("00" * 8)),
        Config(smets=1, device_generation=lookup(None)),
        set(),
    ),
    (
        "table is configuration",
        request(body=han_log("00" * 12)),
        Config(smets=2, install_code_lengths={"smets1": (6,), "smets2": (12,), "unknown": (6,)}),
        set(),
    ),
    # future-dated.command-variant
    (
        "future dated CV 2",
        request("4.1.2", cv="2", body=FUTURE_READ),
        Config(),
        {("error", "future-dated.command-variant")},
    ),
    ("future dated CV 1", request("4.1.2", cv="1", body=FUTURE_READ), Config(), set()),
]


@pytest.mark.parametrize("name,data,config,expected", CASES, ids=[c[0] for c in CASES])
def test_rule_table(name: str, data: bytes, config: Config, expected: set[tuple[str, str]]) -> None:
    assert findings(data, config) == expected


def _request_rules() -> list[Rule]:
    # rules.internal-error reports a bug in the rules themselves: no message triggers it.
    return [r for r in all_rules() if r.area == "request" and r.id != "rules.internal-error"]


def test_every_rule_has_a_failing_and_a_passing_case() -> None:
    failing = {rule for _, _, _, exp in CASES for _, rule in exp}
    assert failing == {r.id for r in _request_rules()}
    for r in _request_rules():
        assert any(r.id not in {x for _, x in exp} for _, _, _, exp in CASES)


@pytest.mark.parametrize("octets", range(5, 18))
@pytest.mark.parametrize("smets", [None, 1, 2])
def test_install_code_lengths(octets: int, smets: int | None) -> None:
    allowed = {None: (6, 8, 12, 16), 1: (6, 8, 12, 16), 2: (16,)}[smets]
    got = errors(request(body=han_log("AB" * octets)), Config(smets=smets))
    assert got == (set() if octets in allowed else {"install-code.length"})


def test_install_code_message_names_length_and_allowed() -> None:
    root = parse(request(body=han_log("00" * 12))).getroot()
    report = Report("<t>")
    check_request(root, report, Config(smets=2))
    (msg,) = report.messages
    assert "12 octets" in msg.text and "SMETS2+" in msg.text and "16 octets" in msg.text
    assert msg.line == 10 and msg.path is not None and msg.path.endswith("sr:InstallCode")


def test_eligibility_message_names_the_roles_that_may() -> None:
    root = parse(request()).getroot()
    report = Report("<t>")
    check_request(root, report, Config(role=UserRole.ED))
    (msg,) = [m for m in report.messages if m.rule == "eligibility.role"]
    assert "IS, GS, OU" in msg.text and "ED" in msg.text
    assert msg.path == "/sr:Request/sr:Header/sr:ServiceReferenceVariant" and msg.line == 7


def test_lookup_errors_reach_the_caller() -> None:
    def broken(eui: EUI64) -> int | None:
        raise LookupError("inventory offline")

    with pytest.raises(LookupError, match="inventory offline"):
        findings(request(), Config(device_generation=broken))


def test_every_srv_passes_with_its_own_body_and_first_cv() -> None:
    for row in catalogue.all_srvs():
        cv = row.command_variants[0].value
        target = DCC if row.non_device else HUB
        body = han_log() if row.srv == "8.11" else f"<sr:{row.body}/>"
        got = errors(request(row.srv, cv=str(cv), target=target, body=body))
        assert got == set(), row.srv


def test_rules_table_is_consistent() -> None:
    for r in _request_rules():
        assert re.fullmatch(r"[a-z-]+\.[a-z-]+", r.id), r.id
        assert r.why and r.summary and r.example
        assert get_rule(r.id) is r


# Trees of any shape: the rules skip what they cannot read and never raise.
_NAMES = st.sampled_from(
    [
        "Header",
        "Body",
        "RequestID",
        "CommandVariant",
        "ServiceReference",
        "ServiceReferenceVariant",
        "UpdateHANDeviceLog",
        "AddDeviceToCHFWhitelist",
        "InstallCode",
        "DeviceID",
        "SignedPreCommand",
        "ExecutionDateTime",
        "Other",
    ]
)
_TEXTS = st.one_of(
    st.sampled_from(
        [
            "8.11",
            "8.2",
            "4.1.1",
            "1",
            "5",
            "9",
            "8",
            "0" * 40,
            "00" * 7,
            "",
            " 8.11 ",
            f"{USER}:{USER}:1",
            f"{USER}:{DCC}:1",
            "a:b:c",
            "ZZ",
        ]
    ),
    st.text(max_size=30),
)


@st.composite
def _trees(draw: st.DrawFn, depth: int = 0) -> etree._Element:
    el = etree.Element(f"{{http://www.dccinterface.co.uk/ServiceUserGateway}}{draw(_NAMES)}")
    text = draw(_TEXTS)
    el.text = "".join(c for c in text if c.isprintable()) or None
    if depth < 3:
        for _ in range(draw(st.integers(0, 4))):
            el.append(draw(_trees(depth + 1)))
        if draw(st.booleans()):
            el.append(etree.Comment("c"))
    return el


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(_trees(), st.sampled_from([None, 1, 2]), st.sampled_from([None, *UserRole]))
def test_never_raises_on_any_tree(
    tree: etree._Element, smets: int | None, role: UserRole | None
) -> None:
    root = etree.Element("{http://www.dccinterface.co.uk/ServiceUserGateway}Request")
    root.append(tree)
    for extra in list(tree):
        root.append(extra)
    report = Report("<t>")
    check_request(root, report, Config(smets=smets, role=role, dcc_eui=EUI64.parse(DCC)))
    assert "rules.internal-error" not in report.rules()
    assert all(m.severity in Severity for m in report.messages)
