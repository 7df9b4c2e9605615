"""``duis inspect`` on the project's examples: what it says, and that it never crashes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from duis.cli import cli

ROOT = Path(__file__).resolve().parents[1] / "examples"


def _run(*args: str, input: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["inspect", *args], input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_response_json() -> None:
    code, out, _ = _run("--format", "json", str(ROOT / "responses" / "ineligible-role.xml"))
    assert code == 0
    (summary,) = json.loads(out)
    assert summary["kind"] == "response"
    assert summary["srv"]["name"] == "Read Instantaneous Import Registers"
    assert summary["response_code"]["code"] == "E2"
    assert "not eligible" in summary["response_code"]["meaning"]
    assert summary["body_typed"] is True


def test_typed_body_numbers_and_dates() -> None:
    code, out, _ = _run(
        "--format",
        "json",
        str(ROOT / "mmc" / "read-instantaneous-import-registers-gas.xml"),
        str(ROOT / "responses" / "future-dated-alert.xml"),
    )
    assert code == 0
    gas, future = json.loads(out)
    value = gas["body"]["ResponseMessage"]["SMETSData"]["ReadInstantaneousImportRegistersRsp"]
    assert value["Gas"]["ConsumptionRegister"]["Value"] == 5231.875
    assert value["@MessageSuccess"] is True
    assert gas["srv"] == {
        "srv": "4.1.1",
        "name": "Read Instantaneous Import Registers",
        "known": True,
        "from": "the ReadInstantaneousImportRegistersRsp element",
    }
    alert = future["body"]["ResponseMessage"]["FutureDatedDeviceAlertMessage"]
    assert alert["InstructionNumber"] == 1 and isinstance(alert["InstructionNumber"], int)
    assert future["alert_code"]["code"] == "8F66"


def test_request_text() -> None:
    code, out, _ = _run(str(ROOT / "responses" / "read-firmware-version.request.xml"))
    assert code == 0
    assert "11.2 Read Firmware Version" in out
    assert "1: send the command to the device over the SM WAN" in out
    assert "00-24-13-01-00-00-00-01" in out


def test_alerts_text() -> None:
    code, out, _ = _run(
        "--no-body",
        str(ROOT / "responses" / "dcc-alert.xml"),
        str(ROOT / "mmc" / "device-alert.xml"),
    )
    assert code == 0
    assert "AD1 [AD]: power outage" in out
    assert "mmc-device-alert" in out and "8F35" in out
    assert "body" not in out


def test_bad_input_is_an_error_line_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<sr:Request xmlns:sr='http://www.dccinterface.co.uk/ServiceUserGateway'>")
    other = tmp_path / "other.xml"
    other.write_bytes(b"<html/>")
    code, out, err = _run(str(bad), str(other), str(ROOT / "mmc" / "update-han-device-log.xml"))
    assert code == 1
    assert f"{bad}:1:" in err and "[xml.malformed]" in err
    assert f"{other}: error:" in err and "[model.invalid]" in err
    assert "UpdateHANDeviceLogRsp" in out


def test_json_reports_errors_in_place(tmp_path: Path) -> None:
    unsafe = tmp_path / "x.xml"
    unsafe.write_bytes(b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')
    code, out, _ = _run("--format", "json", str(unsafe))
    assert code == 1
    assert json.loads(out) == [
        {
            "path": str(unsafe),
            "error": {
                "rule": "xml.unsafe",
                "message": json.loads(out)[0]["error"]["message"],
                "line": 1,
            },
        }
    ]


def test_stdin_and_missing_path() -> None:
    data = (ROOT / "responses" / "acknowledgement.xml").read_bytes()
    code, out, _ = _run("--no-body", "-", input=data)
    assert code == 0 and "<stdin>" in out and "I99" in out
    code, _, err = _run("no/such/file.xml")
    assert code == 2 and "no such file" in err
