"""The response rules: each crafted response or alert trips exactly its rule.

Every case starts from one of the project's own examples (examples/responses,
examples/mmc), changes one thing, and states the one finding it must give (or none).
The facts behind the expectations are DUIS's SRV matrix (4.1.1 is DSP-dated, 8.2 is a
non-device request, 1.1.1 and 6.23 are device-dated) and the MMC schema's comments on
which alert returns which payload element.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from lxml import etree

import duis
from duis.report import Severity
from duis.rules import AlertSequences, get_rule
from duis.xml import parse

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SR = "http://www.dccinterface.co.uk/ServiceUserGateway"
RA = "http://www.dccinterface.co.uk/ResponseAndAlert"
NS = {"sr": SR, "ra": RA}

Edit = Callable[[etree._Element], None]


def crafted(example: str, *edits: Edit) -> bytes:
    root = parse(EXAMPLES / example).getroot()
    for edit in edits:
        edit(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def findings(data: bytes, sequences: AlertSequences | None = None) -> set[str]:
    report = duis.validate(data, source="crafted.xml", sequences=sequences)
    return {m.rule for m in report.messages if m.severity is not Severity.INFO}


def set_text(path: str, value: str) -> Edit:
    def edit(root: etree._Element) -> None:
        found = root.find(path, NS)
        assert found is not None, path
        found.text = value

    return edit


def insert_after(path: str, xml: str) -> Edit:
    """Insert the element written in ``xml`` (in the sr/ra namespaces) after ``path``."""

    def edit(root: etree._Element) -> None:
        anchor = root.find(path, NS)
        assert anchor is not None, path
        wrapped = f'<w xmlns:sr="{SR}" xmlns:ra="{RA}">{xml}</w>'
        for el in reversed(list(etree.fromstring(wrapped))):
            anchor.addnext(el)

    return edit


def both(first: Edit, second: Edit) -> Edit:
    def edit(root: etree._Element) -> None:
        first(root)
        second(root)

    return edit


def srv(sr: str, variant: str) -> Edit:
    return both(
        set_text(".//sr:ResponseMessage/sr:ServiceReference", sr),
        set_text(".//sr:ResponseMessage/sr:ServiceReferenceVariant", variant),
    )


def instruction(number: str, total: str) -> Edit:
    return both(
        set_text(".//sr:InstructionNumber", number),
        set_text(".//sr:TotalCommandInstructions", total),
    )


FUTURE = "responses/future-dated-alert.xml"
DEVICE_ALERT = "responses/device-alert.xml"
DCC_ALERT = "responses/dcc-alert.xml"
MMC_ALERT = "mmc/device-alert.xml"

APC_PROCESSED = (
    "<ra:Payload><ra:LimitAPCLevelCommandProcessedDeviceAlert>"
    "<ra:APCLimitPeriodStart>2025-03-14T10:00:00Z</ra:APCLimitPeriodStart>"
    "<ra:APCLimitPeriodEnd>2025-03-14T12:00:00Z</ra:APCLimitPeriodEnd>"
    "<ra:AuxiliaryControllerN>1</ra:AuxiliaryControllerN>"
    "<ra:ResultingLevel>40</ra:ResultingLevel>"
    "</ra:LimitAPCLevelCommandProcessedDeviceAlert></ra:Payload>"
)
APC_ENDED = (
    "<ra:Payload><ra:LimitAPCLevelEndedDeviceAlert>"
    "<ra:AuxiliaryControllerN>2</ra:AuxiliaryControllerN>"
    "<ra:ResultingLevel>100</ra:ResultingLevel>"
    "</ra:LimitAPCLevelEndedDeviceAlert></ra:Payload>"
)
OUTAGE = (
    "<ra:Payload><ra:SupplyOutageRestoreAlert>"
    "<ra:interruptionValue>2025-03-14T09:58:00Z</ra:interruptionValue>"
    "<ra:restorationValue>2025-03-14T10:02:00Z</ra:restorationValue>"
    "</ra:SupplyOutageRestoreAlert></ra:Payload>"
)
HAN_LOG_RESULT = (
    "<sr:UpdateHANDeviceLogResult><sr:UpdateHANDeviceLogServiceRequestID>"
    "00-24-13-01-00-00-00-01:00-DB-12-34-56-78-90-C1:1717171717002"
    "</sr:UpdateHANDeviceLogServiceRequestID></sr:UpdateHANDeviceLogResult>"
)
SCHEDULE_REMOVAL = (
    "<sr:DSPScheduleRemoval><sr:DeviceID>00-DB-12-34-56-78-90-A2</sr:DeviceID>"
    "<sr:DSPScheduleID>42</sr:DSPScheduleID></sr:DSPScheduleRemoval>"
)


def _replace_event(xml: str) -> Edit:
    def edit(root: etree._Element) -> None:
        wrapper = root.find(".//sr:DCCAlert", NS)
        assert wrapper is not None
        for child in list(wrapper):
            wrapper.remove(child)
        wrapped = f'<w xmlns:sr="{SR}">{xml}</w>'
        wrapper.append(etree.fromstring(wrapped)[0])

    return edit


def _throttle(seq: str | None, count: str | None, after: str) -> Edit:
    parts = ""
    if seq is not None:
        parts += f"<sr:ThrottledAlertSequenceId>{seq}</sr:ThrottledAlertSequenceId>"
    if count is not None:
        parts += f"<sr:ThrottledAlertCount>{count}</sr:ThrottledAlertCount>"
    return insert_after(after, parts)


DEVICE_CODE = ".//sr:DeviceAlertMessage/sr:AlertCode"
DCC_CODE = ".//sr:DCCAlertMessage/sr:DCCAlertCode"
MMC_TIMESTAMP = ".//ra:DeviceAlertContent/ra:Timestamp"
MMC_CODE = ".//ra:DeviceAlertContent/ra:GBCSHexAlertCode"

FAILING: list[tuple[str, str, tuple[Edit, ...]]] = [
    # 4.1.1 is future-dated by the DSP, not the device
    ("future-dated.pattern", FUTURE, (srv("4.1", "4.1.1"),)),
    # 8.2 is a non-device request
    ("future-dated.pattern", FUTURE, (srv("8.2", "8.2"),)),
    # 8.11 is dated by the DSP
    ("future-dated.pattern", FUTURE, (srv("8.11", "8.11"),)),
    # 7.1 Enable Supply cannot be future-dated at all
    ("future-dated.pattern", FUTURE, (srv("7.1", "7.1"),)),
    ("future-dated.instruction", FUTURE, (instruction("3", "2"),)),
    ("future-dated.instruction", FUTURE, (instruction("0", "2"),)),
    ("future-dated.instruction", FUTURE, (instruction("1", "0"),)),
    ("future-dated.body-kind", DEVICE_ALERT, (set_text(DEVICE_CODE, "8F66"),)),
    ("future-dated.body-kind", DEVICE_ALERT, (set_text(DEVICE_CODE, "8f67"),)),
    # an outage alert with an APC payload
    ("alert.payload", MMC_ALERT, (insert_after(MMC_TIMESTAMP, APC_PROCESSED),)),
    # 8F86's payload under 8F87's code
    (
        "alert.payload",
        MMC_ALERT,
        (set_text(MMC_CODE, "8F87"), insert_after(MMC_TIMESTAMP, APC_PROCESSED)),
    ),
    # a code with no payload element carrying one
    ("alert.payload", MMC_ALERT, (set_text(MMC_CODE, "8F20"), insert_after(MMC_TIMESTAMP, OUTAGE))),
    ("dcc-alert.event", DCC_ALERT, (_replace_event(HAN_LOG_RESULT),)),
    ("dcc-alert.event", DCC_ALERT, (set_text(DCC_CODE, "N3"),)),
    (
        "throttle.count-without-id",
        DEVICE_ALERT,
        (_throttle(None, "12", DEVICE_CODE),),
    ),
    ("throttle.count-without-id", DCC_ALERT, (_throttle(None, "3", DCC_CODE),)),
]

PASSING: list[tuple[str, str, tuple[Edit, ...]]] = [
    ("future-dated 1.1.1 as written", FUTURE, ()),
    ("6.23 is DSP & Device dated", FUTURE, (srv("6.23", "6.23"),)),
    ("6.4.1 is device-dated", FUTURE, (srv("6.4", "6.4.1"),)),
    ("last instruction", FUTURE, (instruction("2", "2"),)),
    ("one of one", FUTURE, (instruction("1", "1"),)),
    ("8F67 failure outcome", FUTURE, (set_text(".//sr:FutureDatedAlertCode", "8F67"),)),
    ("plain outage alert", DEVICE_ALERT, ()),
    ("throttled with both fields", DEVICE_ALERT, (_throttle("41", "12", DEVICE_CODE),)),
    ("sequence id alone", DCC_ALERT, (_throttle("7", None, DCC_CODE),)),
    ("outage payload on 8F35", MMC_ALERT, (insert_after(MMC_TIMESTAMP, OUTAGE),)),
    (
        "outage payload on 8F3C",
        MMC_ALERT,
        (set_text(MMC_CODE, "8f3c"), insert_after(MMC_TIMESTAMP, OUTAGE)),
    ),
    (
        "APC processed on 8F86",
        MMC_ALERT,
        (set_text(MMC_CODE, "8F86"), insert_after(MMC_TIMESTAMP, APC_PROCESSED)),
    ),
    (
        "APC ended on 8F87",
        MMC_ALERT,
        (set_text(MMC_CODE, "8F87"), insert_after(MMC_TIMESTAMP, APC_ENDED)),
    ),
    ("no payload on 8F35", MMC_ALERT, ()),
    ("AD1 with its power outage event", DCC_ALERT, ()),
    (
        "N24 with its HAN log result",
        DCC_ALERT,
        (set_text(DCC_CODE, "N24"), _replace_event(HAN_LOG_RESULT)),
    ),
    (
        "pairing not recorded: not checked",
        DCC_ALERT,
        (set_text(DCC_CODE, "N7"), _replace_event(SCHEDULE_REMOVAL)),
    ),
]


@pytest.mark.parametrize(("rule_id", "example", "edits"), FAILING)
def test_failing_case_trips_exactly_its_rule(
    rule_id: str, example: str, edits: tuple[Edit, ...]
) -> None:
    assert get_rule(rule_id) is not None
    assert findings(crafted(example, *edits)) == {rule_id}


@pytest.mark.parametrize(("why", "example", "edits"), PASSING)
def test_passing_case_trips_nothing(why: str, example: str, edits: tuple[Edit, ...]) -> None:
    assert findings(crafted(example, *edits)) == set(), why


def test_every_response_rule_has_a_failing_case() -> None:
    from duis.rules import all_rules

    response_rules = {r.id for r in all_rules() if r.area == "response"}
    covered = {rule_id for rule_id, _, _ in FAILING} | {"throttle.sequence-back"}
    assert covered == response_rules


def _alert_with_sequence(seq: str) -> bytes:
    return crafted(DEVICE_ALERT, _throttle(seq, "2", DEVICE_CODE))


def test_sequence_going_back_across_one_run() -> None:
    run = AlertSequences()
    assert findings(_alert_with_sequence("7"), run) == set()
    assert findings(_alert_with_sequence("9"), run) == set()
    report = duis.validate(_alert_with_sequence("5"), source="late.xml", sequences=run)
    assert report.rules() == {"throttle.sequence-back"}
    (message,) = report.messages
    assert "00-DB-12-34-56-78-90-A2" in message.text and "9" in message.text
    assert report.valid  # a warning: files may legitimately be given out of order


def test_sequence_repeated_is_not_going_back() -> None:
    run = AlertSequences()
    assert findings(_alert_with_sequence("7"), run) == set()
    assert findings(_alert_with_sequence("7"), run) == set()


def test_sequences_are_per_device() -> None:
    run = AlertSequences()
    assert findings(_alert_with_sequence("9"), run) == set()
    other = crafted(
        DEVICE_ALERT,
        set_text(
            ".//sr:ResponseID",
            "00-DB-12-34-56-78-90-B7:00-24-13-01-00-00-00-01:1717171718001",
        ),
        _throttle("3", "1", DEVICE_CODE),
    )
    assert findings(other, run) == set()


def test_without_run_state_no_sequence_finding() -> None:
    assert findings(_alert_with_sequence("1")) == set()


def test_cli_validate_keeps_sequence_state_across_files(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from duis.cli import cli

    first, second = tmp_path / "a.xml", tmp_path / "b.xml"
    first.write_bytes(_alert_with_sequence("12"))
    second.write_bytes(_alert_with_sequence("4"))
    result = CliRunner().invoke(cli, ["validate", str(first), str(second)])
    assert result.exit_code == 0, result.output
    assert "[throttle.sequence-back]" in result.output
    assert str(second) in result.output.split("[throttle.sequence-back]")[0]


_MUTABLE = (
    ".//sr:InstructionNumber",
    ".//sr:TotalCommandInstructions",
    ".//sr:FutureDatedAlertCode",
    ".//sr:ResponseMessage/sr:ServiceReferenceVariant",
)


@settings(max_examples=80, deadline=None)
@given(path=st.sampled_from(_MUTABLE), value=st.text(max_size=40))
@example(path=".//sr:InstructionNumber", value="\u00b2")  # a digit to isdigit, not to int
def test_mutated_future_dated_outcomes_never_break_the_rules(path: str, value: str) -> None:
    clean = "".join(c for c in value if c.isprintable())
    report = duis.validate(crafted(FUTURE, set_text(path, clean)), source="mutated.xml")
    assert "rules.internal-error" not in report.rules()


@settings(max_examples=60, deadline=None)
@given(seq=st.text(max_size=25), count=st.text(max_size=25))
@example(seq="\u00b2", count="")
def test_mutated_throttling_never_breaks_the_rules(seq: str, count: str) -> None:
    run = AlertSequences()
    for _ in range(2):
        data = crafted(
            DEVICE_ALERT,
            _throttle(_xml_text(seq), _xml_text(count), DEVICE_CODE),
        )
        report = duis.validate(data, sequences=run)
        assert "rules.internal-error" not in report.rules()


def _xml_text(value: str) -> str:
    clean = "".join(c for c in value if c.isprintable())
    return clean.replace("&", "&amp;").replace("<", "&lt;")


def _split_by_comment(path: str, before: str, after: str) -> Edit:
    """``<X>before<!-- -->after</X>``: the XSD (and the DCC) read ``before + after``."""

    def edit(root: etree._Element) -> None:
        found = root.find(path, NS)
        assert found is not None, path
        found.text = before
        comment = etree.Comment(" split ")
        comment.tail = after
        found.append(comment)

    return edit


@pytest.mark.parametrize(
    ("rule_id", "example", "edits"),
    [
        # SRV 4.1.1 (not device-dated), written 4.1<!-- -->.1
        (
            "future-dated.pattern",
            FUTURE,
            (
                set_text(".//sr:ResponseMessage/sr:ServiceReference", "4.1"),
                _split_by_comment(".//sr:ResponseMessage/sr:ServiceReferenceVariant", "4.1", ".1"),
            ),
        ),
        # 8F66 on a plain DeviceAlertMessage, written 8F<!-- -->66
        ("future-dated.body-kind", DEVICE_ALERT, (_split_by_comment(DEVICE_CODE, "8F", "66"),)),
    ],
    ids=["srv", "alert-code"],
)
def test_response_rules_read_text_split_by_comments_as_the_xsd_does(
    rule_id: str, example: str, edits: tuple[Edit, ...]
) -> None:
    assert rule_id in findings(crafted(example, *edits))
