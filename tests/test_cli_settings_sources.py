"""Where sign, verify and validate take their keystore, counter store and settings file.

The settings object is one: the option, else the settings file (``--config``, else
``$DUIS_CONFIG``, else the nearest one), else the environment. ``sign`` and ``verify``
ignored the settings' ``keystore`` and ``counter-db`` and ``$DUIS_KEYSTORE`` (so
``sign`` drew counters from another store than ``counters show`` read), and the CLI
ignored ``$DUIS_CONFIG``, though docs/configuration.md said all of them applied.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from duis.cli import cli
from duis.ids import EUI64
from signing import CounterStore

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "examples" / "requests" / "valid" / "8.2-read-inventory.xml"
BAD = ROOT / "examples" / "requests" / "invalid" / "srv-sr-mismatch.xml"  # srv.sr-mismatch
PKI = ROOT / "examples" / "pki"
USER = EUI64.parse("90-B3-D5-1F-30-01-00-00")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DUIS_CONFIG", "DUIS_KEYSTORE", "DUIS_COUNTER_DB"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_sign_and_verify_take_keystore_and_counter_db_from_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copytree(PKI, project / "pki")
    shutil.copy(GOOD, project / "req.xml")
    (project / "duis.toml").write_text('keystore = "pki"\ncounter-db = "state/counters.db"\n')
    monkeypatch.chdir(project)
    code, out = run("sign", "req.xml", "-o", "signed.xml")
    assert code == 0, out
    with CounterStore(project / "state" / "counters.db") as store:  # the settings' store
        assert store.originators() == [USER]
    code, out = run("verify", "signed.xml")
    assert code == 0, out
    code, out = run("counters", "show")
    assert code == 0 and f"store: {project / 'state' / 'counters.db'}" in out
    # An option still wins over the file.
    code, out = run("sign", "req.xml", "-o", "again.xml", "--counter-db", "other.db")
    assert code == 0 and (project / "other.db").is_file()


def test_duis_keystore_is_used_when_the_settings_name_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(GOOD, tmp_path / "req.xml")
    code, out = run("verify", "req.xml")
    assert code == 2 and "give --keystore DIR (or keystore in the settings" in out
    monkeypatch.setenv("DUIS_KEYSTORE", str(PKI))
    monkeypatch.setenv("DUIS_COUNTER_DB", str(tmp_path / "env.db"))
    code, out = run("sign", "req.xml", "-o", "signed.xml")
    assert code == 0, out
    assert (tmp_path / "env.db").is_file()
    code, out = run("verify", "signed.xml")
    assert code == 0, out


def test_duis_config_names_the_settings_file_unless_isolated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = tmp_path / "elsewhere" / "duis.toml"
    settings.parent.mkdir()
    settings.write_text('ignore = ["srv.sr-mismatch"]\n')
    code, _ = run("validate", str(BAD))
    assert code == 1  # no settings: the mismatch is found
    monkeypatch.setenv("DUIS_CONFIG", str(settings))
    code, out = run("validate", str(BAD))
    assert code == 0, out  # $DUIS_CONFIG's settings judged it
    code, _ = run("validate", "--isolated", str(BAD))
    assert code == 1
    monkeypatch.setenv("DUIS_CONFIG", str(tmp_path / "missing.toml"))
    for command in (
        ["validate", str(GOOD)],
        ["verify", "--keystore", str(PKI), str(GOOD)],
        ["schemas"],
    ):
        code, out = run(*command)
        assert code == 2 and f"$DUIS_CONFIG {tmp_path / 'missing.toml'}: no such" in out, command
