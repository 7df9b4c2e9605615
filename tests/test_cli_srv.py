"""``duis srv``: the catalogue from the shell."""

from __future__ import annotations

import json

from click.testing import CliRunner

from duis.cli import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["srv", *args])
    return result.exit_code, result.stdout, result.stderr


def test_8_11_in_text() -> None:
    code, out, _ = run("8.11")
    assert code == 0
    assert out.startswith("8.11  Update HAN Device Log\n")
    assert "eligible roles     IS, GS, OU" in out
    assert "CommandVariants    1, 2, 3\n" in out
    assert "body               UpdateHANDeviceLog\n" in out
    assert "MMC response       UpdateHANDeviceLogRsp" in out


def test_json_lists_all_129_with_every_field() -> None:
    code, out, _ = run("--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 129
    fields = {
        "srv",
        "sr",
        "name",
        "body",
        "command_variants",
        "critical",
        "on_demand",
        "future_dated",
        "dcc_scheduled",
        "non_device",
        "roles",
        "mmc_response",
    }
    assert all(set(r) == fields for r in rows)
    by = {r["srv"]: r for r in rows}
    assert by["8.11"]["roles"] == ["IS", "GS", "OU"]
    assert by["8.11"]["command_variants"] == [1, 2, 3]


def test_service_reference_lists_its_variants() -> None:
    code, out, _ = run("4.1")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == ["4.1.1", "4.1.2", "4.1.3", "4.1.4"]


def test_search_any_case_and_json() -> None:
    code, out, _ = run("--search", "FIRMWARE", "--format", "json")
    assert code == 0
    assert {r["srv"] for r in json.loads(out)} == {"11.1", "11.2", "11.3", "11.4"}


def test_no_match_exits_1_and_unknown_srv_exits_2() -> None:
    code, out, err = run("--search", "no such thing")
    assert code == 1 and out == "" and "no SRV matches" in err
    code, _, err = run("8.99")
    assert code == 2
    assert "'8.99' is not an SRV" in err and "8.11" in err and "Traceback" not in err
