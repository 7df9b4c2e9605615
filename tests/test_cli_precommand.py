"""``duis precommand sign`` and ``inspect`` on the project's own example and altered copies."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from click.testing import CliRunner

from duis.cli import cli
from signing import Keystore, verify, verify_command
from signing._certs import CertificateUse
from tests.precommand_fixtures import REQUEST, gbcs, response

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "precommand"
PKI = ROOT / "examples" / "pki"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _sign(runner: CliRunner, resp: Path, req: Path, out: Path, *extra: str) -> tuple[int, str]:
    r = runner.invoke(
        cli,
        [
            "precommand",
            "sign",
            str(resp),
            "--request",
            str(req),
            "--keystore",
            str(PKI),
            "-o",
            str(out),
            *extra,
        ],
    )
    return r.exit_code, r.output + (r.stderr if r.stderr_bytes is not None else "")


def test_sign_example(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "cv5.xml"
    code, text = _sign(
        runner, EXAMPLES / "precommand-response.xml", EXAMPLES / "request-cv4.xml", out
    )
    assert code == 0, text
    store = Keystore.from_dir(PKI)
    assert verify(out.read_bytes(), store).request_id.counter == 1764230400123
    r = runner.invoke(cli, ["verify", "--keystore", str(PKI), str(out)])
    assert r.exit_code == 0, r.output


def test_output_over_an_input_is_refused_before_signing(runner: CliRunner, tmp_path: Path) -> None:
    # -o naming the CV 4 request (or the response) replaced it with the CV 5 request.
    resp = tmp_path / "response.xml"
    req = tmp_path / "request.xml"
    for src, dst in (
        (EXAMPLES / "precommand-response.xml", resp),
        (EXAMPLES / "request-cv4.xml", req),
    ):
        dst.write_bytes(src.read_bytes())
    for target, label in ((req, "--request"), (resp, "RESPONSE")):
        before = target.read_bytes()
        code, text = _sign(runner, resp, req, target)
        assert code == 2 and f"is the {label} file" in text
        assert target.read_bytes() == before


def test_checked_in_signed_example_verifies() -> None:
    store = Keystore.from_dir(PKI)
    data = (EXAMPLES / "signed-cv5.xml").read_bytes()
    assert verify(data, store).request_id.counter == 1764230400123
    start = data.index(b"<sr:GBCSPayload>") + len(b"<sr:GBCSPayload>")
    command = base64.b64decode(data[start : data.index(b"</sr:GBCSPayload>")])
    ds = next(c for c in store if c.use is CertificateUse.DIGITAL_SIGNING)
    verify_command(command, ds)


@pytest.mark.parametrize(
    ("changed", "rule"),
    [
        ({"code": 0x0019}, "precommand.use-case"),
        ({"target": bytes.fromhex("00DB1234567890A1")}, "precommand.target"),
        ({"counter": 5}, "precommand.counter"),
        ({"originator": bytes.fromhex("90B3D51F30020000")}, "precommand.originator"),
    ],
)
def test_altered_refused_nothing_written(
    runner: CliRunner, tmp_path: Path, changed: dict[str, object], rule: str
) -> None:
    resp = tmp_path / "resp.xml"
    resp.write_bytes(response(gbcs(**changed)))
    req = tmp_path / "req.xml"
    req.write_bytes(REQUEST)
    out = tmp_path / "cv5.xml"
    code, text = _sign(runner, resp, req, out)
    assert code == 1
    assert f"[{rule}]" in text
    assert not out.exists()
    # the named override skips the check; a command of another originator still finds
    # no Digital Signing key of that EUI, so it is never signed with the User's key
    code, text = _sign(runner, resp, req, out, "--override", rule)
    if rule == "precommand.originator":
        assert code == 1 and "[keystore.no-credentials]" in text and not out.exists()
    else:
        assert code == 0, text
        assert out.exists()


def test_inspect(runner: CliRunner, tmp_path: Path) -> None:
    r = runner.invoke(
        cli,
        [
            "precommand",
            "inspect",
            str(EXAMPLES / "precommand-response.xml"),
            "--request",
            str(EXAMPLES / "request-cv4.xml"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "0x001A ECS02" in r.output and "checks: all passed" in r.output
    bad = tmp_path / "bad.hex"
    bad.write_text(gbcs()[:20].hex())
    r = runner.invoke(cli, ["precommand", "inspect", str(bad)])
    assert r.exit_code == 1
    assert "byte 20" in r.output + r.stderr and "[gbcs.malformed]" in r.output + r.stderr
