"""Request rules, message by message: the exact text, line and path each finding gives.

Written for the mutation run (docs/testing.md): a finding is read by a person who must
act on it, so its wording, the facts it names (SRV name and number, the CommandVariants
DUIS allows, the eligible User Roles, the ZigBee install-code lengths) and where it
points are part of the rule. The expected texts are literals; the facts in them come
from DUIS (the SRV matrix, the CommandVariant table) and ZigBee (6, 8, 12, 16 octets).
The second half feeds the rules trees out of the XSD's order (the slow path), trees
the XSD refuses, and a broken configuration.
"""

from __future__ import annotations

import pytest
from test_rules import DCC, FUTURE_READ, GAS, HUB, SIGNED, USER, han_log, request

from duis.catalogue import UserRole
from duis.config import Config
from duis.ids import EUI64
from duis.report import Report
from duis.rules import _request, check_request
from duis.xml import parse

HDR = "/sr:Request/sr:Header/sr:"
CODE_PATH = "/sr:Request/sr:Body/sr:UpdateHANDeviceLog/sr:AddDeviceToCHFWhitelist/sr:InstallCode"
NS = 'xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway"'
R411 = "SRV 4.1.1 (Read Instantaneous Import Registers)"
R16 = "SRV 1.6 (Update Payment Mode)"
GEN_UNKNOWN = (
    "install-code.generation-unknown",
    10,
    CODE_PATH,
    "device generation not known: install code checked against 6, 8, 12 or 16 octets "
    "only; pass --smets 1|2 or a device inventory lookup to check SMETS2+ devices' 16 octets",
)


def messages(data: bytes, config: Config | None = None) -> list[tuple[str, int | None, str, str]]:
    report = Report("<t>")
    check_request(parse(data).getroot(), report, config or Config())
    return [(m.rule, m.line, m.path or "", m.text) for m in report.messages]


# (id, request, config, every message: rule, line, path, text)
EXACT: list[tuple[str, bytes, Config, list[tuple[str, int | None, str, str]]]] = [
    (
        "sr mismatch",
        request("4.1.1", sr="4.2"),
        Config(),
        [
            (
                "srv.sr-mismatch",
                6,
                HDR + "ServiceReference",
                f"ServiceReference is 4.2 but {R411} belongs to ServiceReference 4.1; write 4.1",
            )
        ],
    ),
    (
        "sr empty",
        request("4.1.1", sr=""),
        Config(),
        [
            (
                "srv.sr-mismatch",
                6,
                HDR + "ServiceReference",
                f"ServiceReference is empty but {R411} belongs to ServiceReference 4.1; write 4.1",
            )
        ],
    ),
    (
        "foreign body",
        request(body="<sr:ReadInstantaneousImportRegisters/>"),
        Config(),
        [
            (
                "srv.body-mismatch",
                10,
                "/sr:Request/sr:Body/sr:ReadInstantaneousImportRegisters",
                "SRV 8.11 (Update HAN Device Log) takes a UpdateHANDeviceLog body; "
                "found ReadInstantaneousImportRegisters (the body of SRV 4.1.1)",
            )
        ],
    ),
    (
        "unknown body element",
        request("4.1.1", body="<sr:NoSuchBody/>"),
        Config(),
        [
            (
                "srv.body-mismatch",
                10,
                "/sr:Request/sr:Body/sr:NoSuchBody",
                f"{R411} takes a ReadInstantaneousImportRegisters body; found NoSuchBody",
            )
        ],
    ),
    (
        "foreign body with CV 5",
        request("1.6", cv="5", body="<sr:ReadInstantaneousImportRegisters/>"),
        Config(),
        [
            (
                "srv.body-mismatch",
                10,
                "/sr:Request/sr:Body/sr:ReadInstantaneousImportRegisters",
                f"{R16} takes a SignedPreCommand body; "
                "found ReadInstantaneousImportRegisters (the body of SRV 4.1.1)",
            )
        ],
    ),
    (
        "signed body with CV 4",
        request("1.6", cv="4", body=SIGNED),
        Config(),
        [
            (
                "srv.body-mismatch",
                10,
                "/sr:Request/sr:Body/sr:SignedPreCommand",
                f"{R16} with this CommandVariant takes a UpdatePaymentMode body; "
                "SignedPreCommand is sent only with CommandVariant 5, 6 or 7, not 4",
            )
        ],
    ),
    (
        "own body with CV 6",
        request("1.6", cv="6"),
        Config(),
        [
            (
                "srv.body-mismatch",
                10,
                "/sr:Request/sr:Body/sr:UpdatePaymentMode",
                f"{R16} with this CommandVariant takes a SignedPreCommand body; "
                "CommandVariant 6 carries the signed Pre-Command",
            )
        ],
    ),
    (
        "own body with CV 7",
        request("1.6", cv="7"),
        Config(),
        [
            (
                "srv.body-mismatch",
                10,
                "/sr:Request/sr:Body/sr:UpdatePaymentMode",
                f"{R16} with this CommandVariant takes a SignedPreCommand body; "
                "CommandVariant 7 carries the signed Pre-Command",
            )
        ],
    ),
    (
        "CV 4 on non-critical",
        request("4.1.1", cv="4"),
        Config(),
        [
            (
                "cv.not-allowed",
                5,
                HDR + "CommandVariant",
                f"CommandVariant 4 is not allowed for {R411}, a non-critical request; "
                "it takes 1, 2, 3",
            )
        ],
    ),
    (
        "CV 1 on critical",
        request("1.6", cv="1"),
        Config(),
        [
            (
                "cv.not-allowed",
                5,
                HDR + "CommandVariant",
                f"CommandVariant 1 is not allowed for {R16}, a critical request; "
                "it takes 4, 5, 6, 7",
            )
        ],
    ),
    (
        "CV 1 on non-device",
        request("8.2", cv="1", target=DCC),
        Config(),
        [
            (
                "cv.not-allowed",
                5,
                HDR + "CommandVariant",
                "CommandVariant 1 is not allowed for SRV 8.2 (Read Inventory), a non-device "
                "request; it takes 8",
            )
        ],
    ),
    (
        "CV 6 on 8.1.1",
        request("8.1.1", cv="6", body=SIGNED),
        Config(),
        [
            (
                "cv.not-allowed",
                5,
                HDR + "CommandVariant",
                "CommandVariant 6 is not allowed for SRV 8.1.1 (Commission Device), a critical "
                "request; it takes 4, 5",
            )
        ],
    ),
    (
        "CV 9",
        request("4.1.1", cv="9"),
        Config(),
        [
            (
                "cv.not-allowed",
                5,
                HDR + "CommandVariant",
                "CommandVariant 9 is internal to the DCC and never valid from a User; "
                f"{R411} takes 1, 2, 3",
            )
        ],
    ),
    (
        "CV 9 unknown SRV",
        request("99.9", cv="9"),
        Config(),
        [
            (
                "cv.not-allowed",
                5,
                HDR + "CommandVariant",
                "CommandVariant 9 is internal to the DCC and never valid from a User",
            )
        ],
    ),
    (
        "originator is target",
        request("4.1.1", target=USER.lower()),
        Config(),
        [
            (
                "request-id.originator-is-target",
                4,
                HDR + "RequestID",
                f"RequestID's target is its originator {USER}; the target is the device "
                "(or the DCC for a non-device request)",
            )
        ],
    ),
    (
        "non-device to a device",
        request("8.2", cv="8", target=HUB),
        Config(dcc_eui=EUI64.parse(DCC)),
        [
            (
                "request-id.non-device-target",
                4,
                HDR + "RequestID",
                f"non-device request addressed to {HUB}; its target is the DCC's EUI {DCC}",
            )
        ],
    ),
    (
        "device request to the DCC",
        request("4.1.1", target=DCC.lower()),
        Config(dcc_eui=EUI64.parse(DCC)),
        [
            (
                "request-id.device-target-is-dcc",
                4,
                HDR + "RequestID",
                f"device request addressed to the DCC's EUI {DCC}; its target is the device",
            )
        ],
    ),
    (
        "role may not",
        request(),
        Config(role=UserRole.ED),
        [
            (
                "eligibility.role",
                7,
                HDR + "ServiceReferenceVariant",
                "SRV 8.11 (Update HAN Device Log) may be sent only by IS, GS, OU; not by role ED",
            ),
            GEN_UNKNOWN,
        ],
    ),
    (
        "originator's roles may not",
        request("4.1.1"),
        Config(originators={EUI64.parse(USER): (UserRole.ES, UserRole.OU)}),
        [
            (
                "eligibility.role",
                7,
                HDR + "ServiceReferenceVariant",
                f"{R411} may be sent only by IS, GS, ED, GT; not by originator {USER}'s roles "
                "(ES, OU)",
            )
        ],
    ),
    (
        "no roles listed",
        request("8.6", cv="8", target=DCC),
        Config(role=UserRole.IS),
        [
            (
                "eligibility.no-roles-listed",
                7,
                HDR + "ServiceReferenceVariant",
                "DUIS lists no eligible User Role for SRV 8.6 (Service Opt In); check that the "
                "sender may send it",
            )
        ],
    ),
    (
        "9 octets, generation unknown",
        request(body=han_log("00" * 9)),
        Config(),
        [
            (
                "install-code.length",
                10,
                CODE_PATH,
                "install code is 9 octets; ZigBee install codes are 6, 8, 12 or 16 octets "
                "(CRC excluded)",
            ),
            GEN_UNKNOWN,
        ],
    ),
    (
        "12 octets, SMETS2 by setting",
        request(body=han_log("00" * 12)),
        Config(smets=2),
        [
            (
                "install-code.length",
                10,
                CODE_PATH,
                "install code is 12 octets; a SMETS2+ device's is 16 octets "
                "(CRC excluded; generation from the smets setting)",
            )
        ],
    ),
    (
        "7 octets, SMETS1 by setting",
        request(body=han_log("00" * 7)),
        Config(smets=1),
        [
            (
                "install-code.length",
                10,
                CODE_PATH,
                "install code is 7 octets; a SMETS1 device's is 6, 8, 12 or 16 octets "
                "(CRC excluded; generation from the smets setting)",
            )
        ],
    ),
    (
        "generation unknown, one length allowed",
        request(body=han_log("00" * 12)),
        Config(install_code_lengths={"smets1": (6,), "smets2": (16,), "unknown": (16,)}),
        [
            (
                "install-code.length",
                10,
                CODE_PATH,
                "install code is 12 octets; ZigBee install codes are 16 octets (CRC excluded)",
            ),
            (
                "install-code.generation-unknown",
                10,
                CODE_PATH,
                "device generation not known: install code checked against 16 octets only; "
                "pass --smets 1|2 or a device inventory lookup to check SMETS2+ devices' "
                "16 octets",
            ),
        ],
    ),
    (
        "future dated CV 2",
        request("4.1.2", cv="2", body=FUTURE_READ),
        Config(),
        [
            (
                "future-dated.command-variant",
                10,
                "/sr:Request/sr:Body/sr:ReadInstantaneousImportTOUMatrices/sr:ExecutionDateTime",
                "ExecutionDateTime asks for a future-dated command but CommandVariant 2 is "
                "on-demand only; use 1 (or 4/5 for a critical SRV) or drop ExecutionDateTime",
            )
        ],
    ),
]


@pytest.mark.parametrize("name,data,config,expected", EXACT, ids=[c[0] for c in EXACT])
def test_exact_message(
    name: str, data: bytes, config: Config, expected: list[tuple[str, int | None, str, str]]
) -> None:
    assert messages(data, config) == expected


def test_severities_are_the_rule_defaults() -> None:
    report = Report("<t>")
    check_request(parse(request(body=han_log("00" * 9))).getroot(), report, Config())
    assert [(m.rule, m.severity.value) for m in report.messages] == [
        ("install-code.length", "error"),
        ("install-code.generation-unknown", "info"),
    ]


def _doc(header: str, body: str, *, before_header: str = "") -> bytes:
    return (
        f'<sr:Request {NS} schemaVersion="5.4">{before_header}'
        f"<sr:Header>{header}</sr:Header><sr:Body>{body}</sr:Body></sr:Request>"
    ).encode()


RID = f"<sr:RequestID>{USER}:{HUB}:1</sr:RequestID>"
SELF_RID = f"<sr:RequestID>{USER}:{USER}:1</sr:RequestID>"


def rules_of(data: bytes, config: Config | None = None) -> list[str]:
    return [rule for rule, *_ in messages(data, config)]


@pytest.mark.parametrize(
    "header",
    [
        # CommandVariant moved before RequestID: not the XSD's order, read by the full scan
        "<sr:CommandVariant>4</sr:CommandVariant>"
        + RID
        + "<sr:ServiceReference>4.1</sr:ServiceReference>"
        "<sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant>",
        # the SRV first
        "<sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant>"
        + RID
        + "<sr:CommandVariant>4</sr:CommandVariant>"
        "<sr:ServiceReference>4.1</sr:ServiceReference>",
        # SR and SRV swapped
        RID + "<sr:CommandVariant>4</sr:CommandVariant>"
        "<sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant>"
        "<sr:ServiceReference>4.1</sr:ServiceReference>",
        # CV and SR swapped
        RID + "<sr:ServiceReference>4.1</sr:ServiceReference>"
        "<sr:CommandVariant>4</sr:CommandVariant>"
        "<sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant>",
        # a duplicate CV later: the first one counts, as a reader of the first child would
        RID + "<sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant>"
        "<sr:CommandVariant>4</sr:CommandVariant><sr:CommandVariant>1</sr:CommandVariant>"
        "<sr:ServiceReference>4.1</sr:ServiceReference>",
    ],
)
def test_header_out_of_order_is_still_judged(header: str) -> None:
    data = _doc(header, "<sr:ReadInstantaneousImportRegisters/>")
    assert rules_of(data) == ["cv.not-allowed"]


def test_request_id_out_of_place_is_still_read() -> None:
    header = (
        "<sr:CommandVariant>1</sr:CommandVariant>"
        + SELF_RID
        + "<sr:ServiceReference>4.1</sr:ServiceReference>"
        "<sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant>"
    )
    assert rules_of(_doc(header, "<sr:ReadInstantaneousImportRegisters/>")) == [
        "request-id.originator-is-target"
    ]


GOOD_HEADER = (
    SELF_RID + "<sr:CommandVariant>4</sr:CommandVariant>"
    "<sr:ServiceReference>4.1</sr:ServiceReference>"
    "<sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant>"
)
WANT = ["cv.not-allowed", "request-id.originator-is-target"]


def test_body_before_header_is_read() -> None:
    data = (
        f'<sr:Request {NS} schemaVersion="5.4"><sr:Body><sr:ReadInstantaneousImportRegisters/>'
        f"</sr:Body><sr:Header>{GOOD_HEADER}</sr:Header></sr:Request>"
    ).encode()
    assert rules_of(data) == WANT


def test_a_comment_before_the_header_is_skipped() -> None:
    data = _doc(GOOD_HEADER, "<sr:ReadInstantaneousImportRegisters/>", before_header="<!-- c -->")
    assert rules_of(data) == WANT


def test_only_a_header_is_still_judged() -> None:
    data = f'<sr:Request {NS} schemaVersion="5.4"><sr:Header>{GOOD_HEADER}</sr:Header></sr:Request>'
    assert rules_of(data.encode()) == WANT


def test_no_header_no_findings() -> None:
    data = f'<sr:Request {NS} schemaVersion="5.4"><sr:Body><sr:X/></sr:Body></sr:Request>'
    assert rules_of(data.encode()) == []


def test_short_header_is_read_by_the_scan() -> None:
    # three header children: the fast path needs four
    header = (
        SELF_RID + "<sr:CommandVariant>4</sr:CommandVariant>"
        "<sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant>"
    )
    assert rules_of(_doc(header, "<sr:ReadInstantaneousImportRegisters/>")) == WANT


@pytest.mark.parametrize(
    "body",
    [
        "<!-- first --><sr:NoSuchBody/>",
        "<?pi x?><sr:NoSuchBody/>",
    ],
)
def test_body_content_after_a_comment_is_the_content(body: str) -> None:
    header = (
        RID + "<sr:CommandVariant>1</sr:CommandVariant>"
        "<sr:ServiceReference>4.1</sr:ServiceReference>"
        "<sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant>"
    )
    (msg,) = messages(_doc(header, body))
    assert msg[0] == "srv.body-mismatch" and msg[2] == "/sr:Request/sr:Body/sr:NoSuchBody"


def test_empty_body_no_body_finding() -> None:
    header = (
        RID + "<sr:CommandVariant>1</sr:CommandVariant>"
        "<sr:ServiceReference>4.1</sr:ServiceReference>"
        "<sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant>"
    )
    assert rules_of(_doc(header, "")) == []
    assert rules_of(_doc(header, "<!-- only a comment -->")) == []


@pytest.mark.parametrize(
    "rid",
    [
        f"{USER}:{USER}",  # two parts
        f"{USER}:{USER}:1:2",  # four parts
        f"{USER}0:{USER}:1",  # originator of 24 characters
        f"{USER}:{USER}0:1",  # target of 24 characters
        f"{USER[:-1]}:{USER[:-1]}:1",  # both of 22 characters
    ],
)
def test_request_id_not_of_three_dashed_euis_is_not_compared(rid: str) -> None:
    data = request("4.1.1", originator=rid.split(":")[0], target=":".join(rid.split(":")[1:]))
    # request() appends ":1700000000000"; rebuild with the exact RequestID text instead
    data = data.replace(
        f"<sr:RequestID>{rid.split(':')[0]}:{':'.join(rid.split(':')[1:])}:1700000000000".encode(),
        f"<sr:RequestID>{rid}".encode(),
    )
    assert rules_of(data, Config(dcc_eui=EUI64.parse(USER))) == []


def test_unreadable_command_variant_is_left_to_the_xsd() -> None:
    assert rules_of(request("4.1.1", cv="x")) == []
    assert rules_of(request("4.1.1", cv="1000")) == []
    assert rules_of(request("1.6", cv="x", body=SIGNED)) == []


def test_unknown_srv_with_a_valid_cv_gives_nothing() -> None:
    assert rules_of(request("99.9", cv="1")) == []


def test_no_request_id_still_checks_the_rest() -> None:
    header = (
        "<sr:CommandVariant>4</sr:CommandVariant>"
        "<sr:ServiceReference>4.1</sr:ServiceReference>"
        "<sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant>"
    )
    assert rules_of(
        _doc(header, "<sr:ReadInstantaneousImportRegisters/>"),
        Config(dcc_eui=EUI64.parse(DCC), role=UserRole.ES),
    ) == ["cv.not-allowed", "eligibility.role"]


def test_roles_table_for_another_originator_falls_back_to_the_role() -> None:
    cfg = Config(role=UserRole.ES, originators={EUI64.parse(GAS): (UserRole.IS,)})
    assert rules_of(request("4.1.1"), cfg) == ["eligibility.role"]
    cfg = Config(role=UserRole.IS, originators={EUI64.parse(GAS): (UserRole.ES,)})
    assert rules_of(request("4.1.1"), cfg) == []


def test_configs_are_not_mixed_up() -> None:
    # the derived strings are cached per Config: a second Config must not see the first's
    first = Config(dcc_eui=EUI64.parse(DCC))
    second = Config(dcc_eui=EUI64.parse(HUB))
    data = request("4.1.1", target=HUB)
    assert rules_of(data, first) == []
    assert rules_of(data, second) == ["request-id.device-target-is-dcc"]
    assert rules_of(data, first) == []


@pytest.mark.parametrize(
    "code",
    ["", "0", "00112233445", "GG112233445566778899AABB", "00 11223344556677889900AA"],
)
def test_install_code_that_is_not_hex_binary_is_left_to_the_xsd(code: str) -> None:
    assert rules_of(request(body=han_log(code)), Config(smets=2)) == []


def test_install_code_lower_case_hex_is_read() -> None:
    assert rules_of(request(body=han_log("ab" * 12)), Config(smets=2)) == ["install-code.length"]
    assert rules_of(request(body=han_log("ab" * 16)), Config(smets=2)) == []


def test_install_code_split_by_a_comment_is_read_whole() -> None:
    code = "00" * 8 + "<!-- c -->" + "00" * 8
    assert rules_of(request(body=han_log(code)), Config(smets=2)) == []


def test_install_code_uses_the_device_id_for_the_lookup() -> None:
    seen: list[EUI64 | None] = []

    def lookup(eui: EUI64) -> int | None:
        seen.append(eui)
        return 2

    assert rules_of(request(body=han_log("00" * 12)), Config(device_generation=lookup)) == [
        "install-code.length"
    ]
    assert seen == [EUI64.parse(GAS)]


def test_install_code_with_unreadable_device_id() -> None:
    seen: list[EUI64 | None] = []

    def lookup(eui: EUI64) -> int | None:
        seen.append(eui)
        return 2

    data = request(body=han_log("00" * 12, device="not-an-eui"))
    assert rules_of(data, Config(smets=2, device_generation=lookup)) == ["install-code.length"]
    assert seen == []


def test_install_code_without_whitelist_or_code() -> None:
    remove = (
        f"<sr:UpdateHANDeviceLog><sr:DeviceID>{GAS}</sr:DeviceID>"
        "<sr:RequestType>Remove</sr:RequestType></sr:UpdateHANDeviceLog>"
    )
    no_code = (
        f"<sr:UpdateHANDeviceLog><sr:DeviceID>{GAS}</sr:DeviceID>"
        "<sr:RequestType>Add</sr:RequestType><sr:AddDeviceToCHFWhitelist>"
        "<sr:JoinTimePeriod>60</sr:JoinTimePeriod></sr:AddDeviceToCHFWhitelist>"
        "</sr:UpdateHANDeviceLog>"
    )
    assert rules_of(request(body=remove)) == []
    assert rules_of(request(body=no_code)) == []


def test_install_code_rule_only_for_8_11() -> None:
    # an 8.11-shaped body under another SRV is a body mismatch, never an install-code finding
    assert rules_of(request("4.1.1", body=han_log("00" * 9))) == ["srv.body-mismatch"]


def test_install_code_checked_whatever_the_cv() -> None:
    # CV 4 is not 8.11's, but the body is 8.11's own: both are wrong, both are said
    assert rules_of(request(cv="4", body=han_log("00" * 9))) == [
        "cv.not-allowed",
        "install-code.length",
        "install-code.generation-unknown",
    ]


def test_unknown_generation_from_the_lookup_uses_the_zigbee_set() -> None:
    cfg = Config(device_generation=lambda eui: 3)
    assert rules_of(request(body=han_log("00" * 9)), cfg) == [
        "install-code.length",
        "install-code.generation-unknown",
    ]


@pytest.mark.parametrize(
    "body",
    [
        # ExecutionDateTime not first: not the future-dating element DUIS places first
        "<sr:ReadInstantaneousImportTOUMatrices><sr:X/>"
        "<sr:ExecutionDateTime>2030-01-01T00:00:00Z</sr:ExecutionDateTime>"
        "</sr:ReadInstantaneousImportTOUMatrices>",
        "<sr:ReadInstantaneousImportTOUMatrices/>",
    ],
)
def test_future_dating_is_only_a_first_execution_date_time(body: str) -> None:
    assert rules_of(request("4.1.2", cv="2", body=body)) == []


def test_future_dating_after_a_comment_is_found() -> None:
    body = (
        "<sr:ReadInstantaneousImportTOUMatrices><!-- c -->"
        "<sr:ExecutionDateTime>2030-01-01T00:00:00Z</sr:ExecutionDateTime>"
        "</sr:ReadInstantaneousImportTOUMatrices>"
    )
    assert rules_of(request("4.1.2", cv="3", body=body)) == ["future-dated.command-variant"]


def test_future_dating_with_a_cv_the_srv_does_not_take_is_one_finding() -> None:
    # CV 6 is on-demand only but not allowed for 4.1.2: cv.not-allowed alone
    assert rules_of(request("4.1.2", cv="6", body=FUTURE_READ)) == ["cv.not-allowed"]


def test_internal_error_is_a_finding_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(config: Config) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(_request, "_derive", broken)
    report = Report("<t>")
    check_request(parse(request("4.1.1")).getroot(), report, Config())
    ((rule, text),) = [(m.rule, m.text) for m in report.messages]
    assert rule == "rules.internal-error"
    assert text == (
        "the request rules stopped early (RuntimeError: boom); please report this with the message"
    )


def test_lookup_error_is_the_callers_own() -> None:
    class Mine(Exception):
        pass

    def lookup(eui: EUI64) -> int | None:
        raise Mine("inventory down")

    with pytest.raises(Mine, match=r"^inventory down$"):
        check_request(parse(request()).getroot(), Report("<t>"), Config(device_generation=lookup))


def test_facts_built_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    # The catalogue lookup is built once per process; from nothing it must give the
    # same verdicts (DUIS: 4.1.1 takes CV 1, 2, 3 and a ReadInstantaneousImportRegisters body).
    monkeypatch.setattr(_request, "_facts", None)
    assert rules_of(request("4.1.1", cv="4")) == ["cv.not-allowed"]
    assert rules_of(request("4.1.1", cv="2")) == []
    assert rules_of(request("4.1.1", body="<sr:ReadInventory/>")) == ["srv.body-mismatch"]


def test_body_element_in_no_namespace_is_named() -> None:
    ((rule, line, path, text),) = messages(request("4.1.1", body='<Plain xmlns=""/>'))
    assert (rule, line, path) == ("srv.body-mismatch", 10, "/sr:Request/sr:Body/sr:Plain")
    assert text == f"{R411} takes a ReadInstantaneousImportRegisters body; found Plain"


def test_install_code_without_device_id_asks_no_lookup() -> None:
    seen: list[object] = []

    def lookup(eui: EUI64) -> int | None:
        seen.append(eui)
        return 2

    no_device = (
        "<sr:UpdateHANDeviceLog><sr:RequestType>Add</sr:RequestType><sr:AddDeviceToCHFWhitelist>"
        "<sr:JoinTimePeriod>60</sr:JoinTimePeriod>"
        f"<sr:InstallCode>{'00' * 12}</sr:InstallCode>"
        "</sr:AddDeviceToCHFWhitelist></sr:UpdateHANDeviceLog>"
    )
    assert rules_of(request(body=no_device), Config(smets=1, device_generation=lookup)) == []
    assert seen == []


OK_HEADER = (
    RID + "<sr:CommandVariant>1</sr:CommandVariant>"
    "<sr:ServiceReference>4.1</sr:ServiceReference>"
    "<sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant>"
)


def test_body_found_past_an_extra_element() -> None:
    # Header, an element the XSD refuses, then Body: the Body is still judged
    data = (
        f'<sr:Request {NS} schemaVersion="5.4"><sr:Header>{OK_HEADER}</sr:Header>'
        "<sr:Extra><sr:ReadInstantaneousImportRegisters/></sr:Extra>"
        "<sr:Body><sr:ReadInventory/></sr:Body></sr:Request>"
    ).encode()
    assert rules_of(data) == ["srv.body-mismatch"]


def test_header_found_after_a_comment_and_the_body() -> None:
    data = (
        f'<sr:Request {NS} schemaVersion="5.4"><!-- c --><sr:Body><sr:ReadInventory/>'
        f"</sr:Body><sr:Header>{OK_HEADER}</sr:Header></sr:Request>"
    ).encode()
    assert rules_of(data) == ["srv.body-mismatch"]


def test_the_derived_tables_are_built_on_first_use_and_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Built once per configuration: from nothing (a fresh process) the verdicts are
    # the same, and the same configuration gets the same tables back.
    monkeypatch.setattr(_request, "_derived", None)
    config = Config()
    assert rules_of(request("4.1.1", cv="4"), config) == ["cv.not-allowed"]
    assert _request._derive(config) is _request._derive(config)
    assert _request._derive(config).config is config
    other = Config()
    assert _request._derive(other) is not _request._derive(config)


def test_an_install_code_request_with_an_empty_body_gives_no_finding() -> None:
    header = (
        RID + "<sr:CommandVariant>1</sr:CommandVariant>"
        "<sr:ServiceReference>8.11</sr:ServiceReference>"
        "<sr:ServiceReferenceVariant>8.11</sr:ServiceReferenceVariant>"
    )
    assert rules_of(_doc(header, "")) == []  # no install code to judge, and no crash


def test_an_extra_header_element_does_not_shift_what_is_read() -> None:
    # RequestID, an element DUIS does not define, then CV, SR, SRV: the last three are
    # still the ones read (ServiceReference 4.1 belongs to 4.1.1: no mismatch).
    header = (
        RID + "<sr:Extra>x</sr:Extra><sr:CommandVariant>1</sr:CommandVariant>"
        "<sr:ServiceReference>4.1</sr:ServiceReference>"
        "<sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant>"
    )
    assert rules_of(_doc(header, "<sr:ReadInstantaneousImportRegisters/>")) == []
    wrong_sr = header.replace(">4.1<", ">4.2<")
    assert rules_of(_doc(wrong_sr, "<sr:ReadInstantaneousImportRegisters/>")) == ["srv.sr-mismatch"]


def test_a_service_reference_mismatch_is_found_by_the_full_scan_too() -> None:
    # Out of the XSD's order (SRV before SR): the slow path reads each element by tag.
    header = (
        RID + "<sr:CommandVariant>1</sr:CommandVariant>"
        "<sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant>"
        "<sr:ServiceReference>4.2</sr:ServiceReference>"
    )
    assert rules_of(_doc(header, "<sr:ReadInstantaneousImportRegisters/>")) == ["srv.sr-mismatch"]
