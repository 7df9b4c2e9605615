"""``duis sign``, ``duis verify`` and ``duis cert``: output lines and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from duis.cli import cli
from duis.ids import EUI64
from signing import RemotePartyRole, make_test_pki

USER = EUI64.parse("90-B3-D5-1F-30-01-00-00")
DCC = EUI64.parse("90-B3-D5-1F-30-00-00-02")
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
VALID = EXAMPLES / "requests" / "valid" / "4.1.1-read-instantaneous-import-registers.xml"
INVALID = EXAMPLES / "requests" / "invalid" / "cv-not-allowed.xml"


@pytest.fixture(scope="module")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pki")
    make_test_pki([(USER, RemotePartyRole.XML_SIGN), (DCC, RemotePartyRole.DSP_XML_SIGN)], folder)
    return folder


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DUIS_COUNTER_DB", str(tmp_path / "counters.sqlite3"))
    return CliRunner()


def test_sign_then_verify(runner: CliRunner, pki_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "signed.xml"
    r = runner.invoke(cli, ["sign", "--keystore", str(pki_dir), str(VALID), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "[sign.signed]" in r.output
    r = runner.invoke(cli, ["verify", "--keystore", str(pki_dir), str(out), "-v"])
    assert r.exit_code == 0, r.output
    assert "signature.valid" in r.output


def test_sign_to_stdout_and_verify_stdin(runner: CliRunner, pki_dir: Path) -> None:
    r = runner.invoke(cli, ["sign", "--keystore", str(pki_dir), "--preserve-counter", str(VALID)])
    assert r.exit_code == 0
    signed = r.stdout_bytes
    assert signed.startswith(b"<?xml") and b"</ds:Signature></sr:Request>" in signed
    r = runner.invoke(cli, ["verify", "--keystore", str(pki_dir), "-"], input=signed)
    assert r.exit_code == 0, r.output
    tampered = signed.replace(b"<sr:CommandVariant>1<", b"<sr:CommandVariant>2<")
    r = runner.invoke(cli, ["verify", "--keystore", str(pki_dir), "-"], input=tampered)
    assert r.exit_code == 1
    assert "<stdin>" in r.output and "[signature.digest-mismatch]" in r.output


def test_in_place_and_invalid_refused(runner: CliRunner, pki_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(INVALID.read_bytes())
    good = tmp_path / "good.xml"
    good.write_bytes(VALID.read_bytes())
    r = runner.invoke(cli, ["sign", "--keystore", str(pki_dir), "--in-place", str(good), str(bad)])
    assert r.exit_code == 1, r.output
    assert "[sign.invalid-request]" in r.output
    assert bad.read_bytes() == INVALID.read_bytes()  # refused: untouched
    assert b"<ds:Signature" in good.read_bytes()


def test_verify_json_and_unsigned_response(
    runner: CliRunner, pki_dir: Path, tmp_path: Path
) -> None:
    resp = tmp_path / "resp.xml"
    resp.write_bytes(VALID.read_bytes().replace(b"sr:Request", b"sr:Response"))
    r = runner.invoke(cli, ["verify", "--keystore", str(pki_dir), "--format", "json", str(resp)])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["files"][0]["messages"][0]["rule"] == "signature.missing"
    assert doc["files"][0]["messages"][0]["severity"] == "warning"
    r = runner.invoke(cli, ["verify", "--keystore", str(pki_dir), "--require-signature", str(resp)])
    assert r.exit_code == 1


def test_set_up_errors_exit_2(runner: CliRunner, pki_dir: Path, tmp_path: Path) -> None:
    r = runner.invoke(cli, ["verify", "--keystore", str(tmp_path / "nope"), str(VALID)])
    assert r.exit_code == 2 and "keystore folder does not exist" in r.output
    r = runner.invoke(cli, ["sign", str(VALID)])
    assert r.exit_code == 2
    r = runner.invoke(cli, ["verify", "--keystore", str(pki_dir), "--at", "yesterday", str(VALID)])
    assert r.exit_code == 2
    r = runner.invoke(cli, ["verify", "--keystore", str(pki_dir), str(tmp_path / "missing.xml")])
    assert r.exit_code == 2


def test_check_replay(runner: CliRunner, pki_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "signed.xml"
    runner.invoke(cli, ["sign", "--keystore", str(pki_dir), str(VALID), "-o", str(out)])
    args = ["verify", "--keystore", str(pki_dir), "--check-replay", str(out)]
    args += ["--counter-db", str(tmp_path / "seen.sqlite3")]
    assert runner.invoke(cli, args).exit_code == 0
    r = runner.invoke(cli, args)
    assert r.exit_code == 1 and "[request-id.counter-replay]" in r.output


def test_cert_show_and_make_test_pki(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "pki"
    r = runner.invoke(
        cli,
        ["cert", "make-test-pki", str(folder), "--eui", str(USER), "--role", "xml-sign"],
    )
    assert r.exit_code == 0, r.output
    cert = folder / "xml-sign-90B3D51F30010000.pem"
    r = runner.invoke(cli, ["cert", "show", "--format", "json", str(cert)])
    assert r.exit_code == 0
    doc = json.loads(r.output)
    assert doc[0]["eui"] == str(USER) and doc[0]["role"] == "87"
    r = runner.invoke(cli, ["cert", "show", str(cert)])
    assert "90-B3-D5-1F-30-01-00-00" in r.output and "87 (xml sign)" in r.output
    r = runner.invoke(cli, ["cert", "show", str(tmp_path / "none.pem")])
    assert r.exit_code == 2
    r = runner.invoke(cli, ["cert", "make-test-pki", str(folder), "--eui", "zz"])
    assert r.exit_code == 2


def test_examples_pki_signs_and_verifies(runner: CliRunner, tmp_path: Path) -> None:
    pki = EXAMPLES / "pki"
    out = tmp_path / "signed.xml"
    r = runner.invoke(cli, ["sign", "--keystore", str(pki), str(VALID), "-o", str(out)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        cli, ["verify", "--keystore", str(pki), "--trust", str(pki / "issuing-ca.pem"), str(out)]
    )
    assert r.exit_code == 0, r.output


def test_check_replay_records_only_verified_responses(
    runner: CliRunner, pki_dir: Path, tmp_path: Path
) -> None:
    """An unsigned copy seen first must not make the genuine signed one a 'replay'."""
    unsigned = EXAMPLES / "responses" / "read-firmware-version.xml"
    signed = tmp_path / "signed-response.xml"
    r = runner.invoke(
        cli,
        [
            "sign",
            "--keystore",
            str(pki_dir),
            "--preserve-counter",
            str(unsigned),
            "-o",
            str(signed),
        ],
    )
    assert r.exit_code == 0, r.output
    base = ["verify", "--keystore", str(pki_dir), "--check-replay"]
    base += ["--counter-db", str(tmp_path / "seen.sqlite3")]
    r = runner.invoke(cli, [*base, str(unsigned)])
    assert r.exit_code == 0, r.output  # unsigned response: a warning, nothing recorded
    r = runner.invoke(cli, [*base, str(signed)])
    assert r.exit_code == 0, r.output
    assert "[request-id.counter-replay]" not in r.output
    r = runner.invoke(cli, [*base, str(signed)])  # the same signed response again
    assert r.exit_code == 1 and "[request-id.counter-replay]" in r.output
