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
from test_response_rules import FAILING

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
