"""inspect and validate name an alert, its device and its throttling state."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from test_response_rules import (
    DCC_ALERT,
    DCC_CODE,
    DEVICE_ALERT,
    DEVICE_CODE,
    EXAMPLES,
    _throttle,
    crafted,
    set_text,
)

import duis
from duis.alerts import summarize
from duis.cli import cli
from duis.xml import parse

METER = "00-DB-12-34-56-78-90-A2"  # the ResponseID's originator in device-alert.xml
HUB = "00-DB-12-34-56-78-90-C1"  # the PowerOutageEvent's CommsHubDeviceID in dcc-alert.xml


def test_device_alert_summary() -> None:
    alert = summarize(parse(crafted(DEVICE_ALERT, _throttle("41", "12", DEVICE_CODE))).getroot())
    assert alert is not None
    assert (alert.kind, alert.code, alert.device) == ("device-alert", "8F35", METER)
    assert (alert.sequence_id, alert.throttled_count) == (41, 12)
    assert "outage" in (alert.meaning or "")
    assert alert.throttling == "throttled: sequence id 41, 12 alerts held back"


def test_dcc_alert_names_the_hub_and_is_not_throttled() -> None:
    alert = summarize(parse(EXAMPLES / DCC_ALERT).getroot())
    assert alert is not None and alert.device == HUB and alert.code == "AD1"
    assert alert.throttling == "not throttled"


def test_future_dated_outcome_summary() -> None:
    alert = summarize(parse(EXAMPLES / "responses/future-dated-alert.xml").getroot())
    assert alert is not None and alert.instruction == (1, 2) and alert.code == "8F66"
    assert alert.device == METER  # the RequestID's target


def test_ordinary_response_is_no_alert() -> None:
    assert summarize(parse(EXAMPLES / "responses/read-firmware-version.xml").getroot()) is None


def test_inspect_shows_device_and_throttling(tmp_path: Path) -> None:
    path = tmp_path / "alert.xml"
    path.write_bytes(crafted(DEVICE_ALERT, _throttle("41", "12", DEVICE_CODE)))
    result = CliRunner().invoke(cli, ["inspect", "--no-body", "--format", "json", str(path)])
    assert result.exit_code == 0, result.output
    (summary,) = json.loads(result.output)
    assert summary["alert_device"] == METER
    assert summary["throttling"]["sequence_id"] == 41
    assert summary["throttling"]["throttled_count"] == 12
    text = CliRunner().invoke(cli, ["inspect", "--no-body", str(path)]).output
    assert "throttled: sequence id 41, 12 alerts held back" in text
    assert f"alert device       {METER}" in text


def test_validate_finding_names_alert_device_and_throttling() -> None:
    data = crafted(DCC_ALERT, set_text(DCC_CODE, "N3"), _throttle("7", "2", DCC_CODE))
    (message,) = [m for m in duis.validate(data).messages if m.rule != "xsd.not-covered"]
    assert message.rule == "dcc-alert.event"
    assert "alert N3" in message.text and f"from device {HUB}" in message.text
    assert "throttled: sequence id 7, 2 alerts held back" in message.text
