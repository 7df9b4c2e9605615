"""Response rules, finding by finding: the exact rule, line, path and text.

For the mutation run (docs/testing.md). The cases are ``test_response_rules.FAILING``
(each changes one thing in a project example); the expected texts were written down
and checked by hand against the facts they state: DUIS's SRV matrix (4.1.1 and 8.11
are future-dated by the DSP, 8.2 is a non-device request, 7.1 is not future-dated),
alerts 8F66/8F67 as the outcomes of future-dated commands, the MMC schema's comments
on which alert returns which payload (8F86 LimitAPCLevelCommandProcessed, 8F87
LimitAPCLevelEnded, 8F35-8F3C SupplyOutageRestore) and DCC alert AD1's
PowerOutageEvent. The alert summary after " (concerning" belongs to duis.alerts.
"""

from __future__ import annotations

import pytest
from lxml import etree
from test_response_rules import FAILING, NS

import duis

EXPECTED: list[tuple[str, int, str, str]] = [
    (
        "future-dated.pattern",
        13,
        "/sr:Response/sr:Body/sr:ResponseMessage/sr:FutureDatedDeviceAlertMessage",
        (
            "a future-dated device alert (8F66/8F67) answers SRV 4.1.1 (Read Instantaneous "
            "Import Registers), which is future-dated by the DSP: the DCC sends it when it "
            "is due and its outcome arrives as an ordinary response; only SRVs the device "
            "future-dates (pattern Device or DSP & Device) get one"
        ),
    ),
    (
        "future-dated.pattern",
        13,
        "/sr:Response/sr:Body/sr:ResponseMessage/sr:FutureDatedDeviceAlertMessage",
        (
            "a future-dated device alert (8F66/8F67) answers SRV 8.2 (Read Inventory), which "
            "is a non-device request, answered by the DCC itself: no device ever holds it; "
            "only SRVs the device future-dates (pattern Device or DSP & Device) get one"
        ),
    ),
    (
        "future-dated.pattern",
        13,
        "/sr:Response/sr:Body/sr:ResponseMessage/sr:FutureDatedDeviceAlertMessage",
        (
            "a future-dated device alert (8F66/8F67) answers SRV 8.11 (Update HAN Device "
            "Log), which is future-dated by the DSP: the DCC sends it when it is due and its "
            "outcome arrives as an ordinary response; only SRVs the device future-dates "
            "(pattern Device or DSP & Device) get one"
        ),
    ),
    (
        "future-dated.pattern",
        13,
        "/sr:Response/sr:Body/sr:ResponseMessage/sr:FutureDatedDeviceAlertMessage",
        (
            "a future-dated device alert (8F66/8F67) answers SRV 7.1 (Enable Supply), which "
            "is not a future-dated request at all; only SRVs the device future-dates "
            "(pattern Device or DSP & Device) get one"
        ),
    ),
    (
        "future-dated.instruction",
        16,
        "/sr:Response/sr:Body/sr:ResponseMessage/sr:FutureDatedDeviceAlertMessage",
        "InstructionNumber 3 of 2: instructions are numbered 1 to TotalCommandInstructions",
    ),
    (
        "future-dated.instruction",
        16,
        "/sr:Response/sr:Body/sr:ResponseMessage/sr:FutureDatedDeviceAlertMessage",
        "InstructionNumber 0 of 2: instructions are numbered 1 to TotalCommandInstructions",
    ),
    (
        "future-dated.instruction",
        17,
        "/sr:Response/sr:Body/sr:ResponseMessage/sr:FutureDatedDeviceAlertMessage",
        "TotalCommandInstructions is 0: a command has at least one instruction",
    ),
    (
        "future-dated.body-kind",
        10,
        "/sr:Response/sr:Body/sr:DeviceAlertMessage/sr:AlertCode",
        (
            "alert 8F66 (outcome of a future-dated command) must arrive as a "
            "FutureDatedDeviceAlertMessage in a ResponseMessage naming the SRV, not as a "
            "DeviceAlertMessage"
        ),
    ),
    (
        "future-dated.body-kind",
        10,
        "/sr:Response/sr:Body/sr:DeviceAlertMessage/sr:AlertCode",
        (
            "alert 8F67 (outcome of a future-dated command) must arrive as a "
            "FutureDatedDeviceAlertMessage in a ResponseMessage naming the SRV, not as a "
            "DeviceAlertMessage"
        ),
    ),
    (
        "alert.payload",
        14,
        (
            "/ra:GBCSResponse/ra:Body/ra:DeviceAlertMessage/ra:DeviceAlertContent/ra:Payload/ra:LimitAPCLevelCommandProcessedDeviceAlert"
        ),
        (
            "the payload <LimitAPCLevelCommandProcessedDeviceAlert> is returned by alert "
            "8F86 only, but the alert code is 8F35; alert 8F35 carries "
            "SupplyOutageRestoreAlert"
        ),
    ),
    (
        "alert.payload",
        14,
        (
            "/ra:GBCSResponse/ra:Body/ra:DeviceAlertMessage/ra:DeviceAlertContent/ra:Payload/ra:LimitAPCLevelCommandProcessedDeviceAlert"
        ),
        (
            "the payload <LimitAPCLevelCommandProcessedDeviceAlert> is returned by alert "
            "8F86 only, but the alert code is 8F87; alert 8F87 carries "
            "LimitAPCLevelEndedDeviceAlert"
        ),
    ),
    (
        "alert.payload",
        14,
        (
            "/ra:GBCSResponse/ra:Body/ra:DeviceAlertMessage/ra:DeviceAlertContent/ra:Payload/ra:SupplyOutageRestoreAlert"
        ),
        (
            "the payload <SupplyOutageRestoreAlert> is returned by alert "
            "8F35/8F36/8F37/8F38/8F39/8F3A/8F3B/8F3C only, but the alert code is 8F20; alert "
            "8F20 carries no payload element"
        ),
    ),
    (
        "dcc-alert.event",
        11,
        "/sr:Response/sr:Body/sr:DCCAlertMessage/sr:DCCAlert/sr:UpdateHANDeviceLogResult",
        "DCC alert AD1 carries PowerOutageEvent, not UpdateHANDeviceLogResult",
    ),
    (
        "dcc-alert.event",
        11,
        "/sr:Response/sr:Body/sr:DCCAlertMessage/sr:DCCAlert/sr:PowerOutageEvent",
        "the event PowerOutageEvent belongs to DCC alert AD1, not N3",
    ),
    (
        "throttle.count-without-id",
        11,
        "/sr:Response/sr:Body/sr:DeviceAlertMessage/sr:ThrottledAlertCount",
        (
            "ThrottledAlertCount 12 has no ThrottledAlertSequenceId: the count cannot be "
            "tied to a run of throttled alerts"
        ),
    ),
    (
        "throttle.count-without-id",
        10,
        "/sr:Response/sr:Body/sr:DCCAlertMessage/sr:ThrottledAlertCount",
        (
            "ThrottledAlertCount 3 has no ThrottledAlertSequenceId: the count cannot be tied "
            "to a run of throttled alerts"
        ),
    ),
]


def test_every_failing_case_is_pinned() -> None:
    assert [rule for rule, _, _ in FAILING] == [rule for rule, *_ in EXPECTED]


@pytest.mark.parametrize("index", range(len(EXPECTED)))
def test_exact_finding(index: int) -> None:
    rule_id, example, edits = FAILING[index]
    from test_response_rules import crafted

    report = duis.validate(crafted(example, *edits), source="crafted.xml")
    (m,) = [m for m in report.messages if m.rule == rule_id]
    assert (m.rule, m.line, m.path, m.text.split(" (concerning")[0]) == EXPECTED[index]


def test_sequence_back_names_the_earlier_file_and_line() -> None:
    from test_response_rules import _alert_with_sequence

    from duis.rules import AlertSequences

    run = AlertSequences()
    early = _alert_with_sequence("9")
    # The line of the sequence id in the earlier file, counted in its bytes.
    early_line = early[: early.index(b"<sr:ThrottledAlertSequenceId>")].count(b"\n") + 1
    assert duis.validate(early, source="early.xml", sequences=run).messages == []
    late = _alert_with_sequence("5")
    late_line = late[: late.index(b"<sr:ThrottledAlertSequenceId>")].count(b"\n") + 1
    report = duis.validate(late, source="late.xml", sequences=run)
    (m,) = report.messages
    assert (m.rule, m.line, m.path, m.text.split(" (concerning")[0]) == (
        "throttle.sequence-back",
        late_line,
        "/sr:Response/sr:Body/sr:DeviceAlertMessage/sr:ThrottledAlertSequenceId",
        (
            "ThrottledAlertSequenceId 5 of device 00-DB-12-34-56-78-90-A2 is below 9, seen "
            f"earlier in early.xml:{early_line}: out of order or replayed"
        ),
    )


def test_sequence_back_without_an_earlier_line_names_the_file_alone() -> None:
    from test_response_rules import _alert_with_sequence

    from duis.rules import AlertSequences

    run = AlertSequences()
    # A tree built in memory has no line numbers: only the source is known.
    assert run.see("00-DB-12-34-56-78-90-A2", 9, "built-tree", None) is None
    report = duis.validate(_alert_with_sequence("5"), source="late.xml", sequences=run)
    (m,) = report.messages
    assert m.text.split(" (concerning")[0] == (
        "ThrottledAlertSequenceId 5 of device 00-DB-12-34-56-78-90-A2 is below 9, seen "
        "earlier in built-tree: out of order or replayed"
    )


def test_dcc_alert_event_needs_both_a_code_and_an_event() -> None:
    from test_response_rules import DCC_ALERT, DCC_CODE, crafted, findings, set_text

    # An empty DCCAlertCode is the XSD's to refuse: PowerOutageEvent (AD1's) is not
    # then said to belong to another alert.
    no_code = crafted(DCC_ALERT, set_text(DCC_CODE, ""))
    assert "dcc-alert.event" not in findings(no_code)

    def drop_event(root: etree._Element) -> None:
        wrapper = root.find(".//sr:DCCAlert", NS)
        assert wrapper is not None
        for child in list(wrapper):
            wrapper.remove(child)

    no_event = crafted(DCC_ALERT, drop_event)
    assert findings(no_event) & {"dcc-alert.event", "rules.internal-error"} == set()


def test_alert_rules_failure_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    from test_response_rules import APC_PROCESSED, MMC_ALERT, MMC_TIMESTAMP, crafted, insert_after

    import duis.rules._response as response

    def broken(*args: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(response, "_device_alert_payload", broken)
    data = crafted(MMC_ALERT, insert_after(MMC_TIMESTAMP, APC_PROCESSED))
    report = duis.validate(data, source="crafted.xml")
    (m,) = [m for m in report.messages if m.rule == "rules.internal-error"]
    assert m.text == (
        "the alert rules stopped early (ValueError: boom); please report this with the message"
    )


def test_payload_tables_name_the_alerts_of_the_mmc_schema() -> None:
    from duis.rules._response import dcc_alert_elements, device_alert_elements

    # MMC schema comments: FutureDatedCommandOutcomeDeviceAlert is returned by 8F66 and
    # 8F67, LimitAPCLevelEndedDeviceAlert by 8F87; DCC alert AD1 is a power outage.
    device = device_alert_elements()
    assert device["FutureDatedCommandOutcomeDeviceAlert"] == {"8F66", "8F67"}
    assert device["LimitAPCLevelEndedDeviceAlert"] == {"8F87"}
    assert dcc_alert_elements()["PowerOutageEvent"] == {"AD1"}
    # Copies: a caller's edit does not change the rules' table.
    device.clear()
    assert device_alert_elements()["LimitAPCLevelEndedDeviceAlert"] == {"8F87"}


def test_a_finding_ends_by_naming_its_alert() -> None:
    from test_response_rules import _alert_with_sequence

    from duis.rules import AlertSequences

    run = AlertSequences()
    duis.validate(_alert_with_sequence("9"), source="early.xml", sequences=run)
    (m,) = duis.validate(_alert_with_sequence("5"), source="late.xml", sequences=run).messages
    _, sep, about = m.text.partition(" (concerning ")
    # The example's alert: code 8F35 from device 00-DB-12-34-56-78-90-A2.
    assert sep and about.endswith(")") and "None" not in about
    assert "8F35" in about and "00-DB-12-34-56-78-90-A2" in about


def test_response_rules_failure_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    from test_response_rules import DEVICE_ALERT, crafted

    import duis.rules._response as response

    def broken(*args: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(response, "_check", broken)
    report = duis.validate(crafted(DEVICE_ALERT), source="crafted.xml")
    (m,) = report.messages
    assert (m.rule, m.text) == (
        "rules.internal-error",
        "the response rules stopped early (ValueError: boom); please report this with the message",
    )


def test_smets1_response_throttling_is_checked() -> None:
    from test_response_rules import DEVICE_ALERT, _throttle, crafted, findings

    def to_smets1(root: etree._Element) -> None:
        body = root.find(".//sr:DeviceAlertMessage", NS)
        assert body is not None
        body.tag = "{" + NS["sr"] + "}SMETS1ResponseMessage"

    code = ".//sr:SMETS1ResponseMessage/sr:AlertCode"
    data = crafted(DEVICE_ALERT, to_smets1, _throttle(None, "3", code))
    assert "throttle.count-without-id" in findings(data)


def test_device_alert_without_a_code_is_the_xsds_to_refuse() -> None:
    from test_response_rules import DEVICE_ALERT, crafted, findings

    def drop_code(root: etree._Element) -> None:
        code = root.find(".//sr:AlertCode", NS)
        assert code is not None
        code.getparent().remove(code)  # type: ignore[union-attr]

    assert "rules.internal-error" not in findings(crafted(DEVICE_ALERT, drop_code))


def test_dcc_alert_without_a_code_element_names_no_alert() -> None:
    from test_response_rules import DCC_ALERT, crafted, findings

    def drop_code(root: etree._Element) -> None:
        code = root.find(".//sr:DCCAlertCode", NS)
        assert code is not None
        code.getparent().remove(code)  # type: ignore[union-attr]

    assert (
        findings(crafted(DCC_ALERT, drop_code)) & {"dcc-alert.event", "rules.internal-error"}
        == set()
    )


def test_payload_in_no_namespace_is_the_xsds_to_refuse() -> None:
    from test_response_rules import MMC_ALERT, MMC_TIMESTAMP, crafted, findings

    def add_bare(root: etree._Element) -> None:
        anchor = root.find(MMC_TIMESTAMP, NS)
        assert anchor is not None
        payload = etree.Element("{" + NS["ra"] + "}Payload")
        etree.SubElement(payload, "LimitAPCLevelEndedDeviceAlert")
        anchor.addnext(payload)

    assert "rules.internal-error" not in findings(crafted(MMC_ALERT, add_bare))
