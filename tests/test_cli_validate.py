"""``duis validate`` as a user and a CI job meet it: formats, inputs, exit codes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from click.testing import CliRunner

from duis.cli import cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "requests"
GOOD = EXAMPLES / "valid" / "8.2-read-inventory.xml"
BAD = EXAMPLES / "invalid" / "srv-sr-mismatch.xml"
LINE = re.compile(
    r"^(?P<path>.+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning|info): "
    r".+ \[(?P<rule>[a-z0-9.-]+)\]$"
)


def run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["validate", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_valid_file_exits_0_with_summary() -> None:
    code, out, _ = run(str(GOOD))
    assert code == 0
    assert out.strip().endswith("(0 errors, 0 warnings, 0 notes)")


def test_invalid_file_line_format_and_exit_1() -> None:
    code, out, _ = run(str(BAD))
    assert code == 1
    lines = out.strip().splitlines()
    match = LINE.match(lines[0])
    assert match, lines[0]
    assert match["path"] == str(BAD) and match["rule"] == "srv.sr-mismatch"
    assert lines[-1].startswith("1 file checked: 0 valid, 1 invalid")


def test_stdin_and_json_shape() -> None:
    code, out, _ = run("--format", "json", "-", stdin=BAD.read_bytes())
    doc = json.loads(out)
    assert code == 1 and doc["valid"] is False
    [f] = doc["files"]
    assert set(f) >= {"path", "valid", "kind", "schema", "schema_version", "srv", "messages"}
    assert (f["path"], f["kind"], f["schema"], f["srv"]) == (
        "<stdin>",
        "request",
        "embedded",
        "4.1.1",
    )
    assert set(f["messages"][0]) >= {"severity", "rule", "message", "line", "path"}


def test_directories_are_walked_for_xml_in_any_case(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    shutil.copy(GOOD, tmp_path / "sub" / "A.XML")
    shutil.copy(GOOD, tmp_path / "b.xml")
    (tmp_path / "notes.txt").write_text("not xml")
    (tmp_path / ".hidden").mkdir()
    shutil.copy(BAD, tmp_path / ".hidden" / "c.xml")
    code, out, _ = run("--format", "json", str(tmp_path))
    names = sorted(Path(f["path"]).name for f in json.loads(out)["files"])
    assert code == 0 and names == ["A.XML", "b.xml"]


def test_github_annotations() -> None:
    code, out, _ = run("--format", "github", str(BAD))
    assert code == 1
    first = out.splitlines()[0]
    assert (
        first.startswith("::error file=")
        and "line=" in first
        and "title=srv.sr-mismatch::" in first
    )


def test_missing_path_is_exit_2_but_others_still_checked(tmp_path: Path) -> None:
    code, out, err = run(str(tmp_path / "absent.xml"), str(GOOD))
    assert code == 2
    assert "absent.xml: error: no such file" in err
    assert "1 file checked: 1 valid" in out


def test_malformed_and_unsafe_inputs_are_findings_not_tracebacks() -> None:
    code, out, _ = run("-", stdin=b"<sr:Request><unclosed>")
    assert code == 1 and "[xml.malformed]" in out and "Traceback" not in out
    code, out, _ = run(
        "-", stdin=b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    )
    assert code == 1 and "[xml.unsafe]" in out


def test_empty_stdin_is_one_clear_setup_error() -> None:
    # Issue 8 §2.10: it gave two errors; a pipeline that produced nothing must fail loud.
    code, out, err = run("-", stdin=b"")
    assert code == 2
    assert err.strip().splitlines() == [
        "<stdin>: error: standard input is empty (no document to read)"
    ]
    assert "0 files checked" in out


def test_size_limit_option() -> None:
    code, out, _ = run("--max-bytes", "100", str(GOOD))
    assert code == 1 and "[xml.too-large]" in out


def test_unknown_root_is_reported() -> None:
    code, out, _ = run("-", stdin=b"<hello/>")
    assert code == 1 and "[kind.unknown]" in out


UNCOVERED = b"""<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway"
 schemaVersion="5.4"><sr:Header>
<sr:RequestID>90-B3-D5-1F-30-01-00-00:00-12-4B-00-0A-51-7E-01:5</sr:RequestID>
<sr:CommandVariant>4</sr:CommandVariant><sr:ServiceReference>11.3</sr:ServiceReference>
<sr:ServiceReferenceVariant>11.3</sr:ServiceReferenceVariant></sr:Header>
<sr:Body><sr:ActivateFirmware><sr:Anything/></sr:ActivateFirmware></sr:Body></sr:Request>"""


def test_uncovered_body_gets_a_note_shown_with_verbose() -> None:
    code, out, _ = run("-", stdin=UNCOVERED)
    assert code == 0 and "[xsd.not-covered]" not in out and "1 notes not shown" in out
    code, out, _ = run("-v", "-", stdin=UNCOVERED)
    assert code == 0 and "[xsd.not-covered]" in out and "--schema-dir" in out


RESPONSES = Path(__file__).resolve().parents[1] / "examples" / "responses"


def test_request_option_correlates_responses() -> None:
    request = str(RESPONSES / "read-firmware-version.request.xml")
    code, out, _ = run("--request", request, str(RESPONSES / "read-firmware-version.xml"))
    assert code == 0, out
    code, out, _ = run("--request", request, str(RESPONSES / "mismatched" / "wrong-request.xml"))
    assert code == 1 and "[correlate." in out


def test_request_option_needs_a_readable_request(tmp_path: Path) -> None:
    response = str(RESPONSES / "read-firmware-version.xml")
    code, _, err = run("--request", str(tmp_path / "absent.xml"), response)
    assert code == 2 and "no such file" in err
    code, _, err = run("--request", response, response)
    assert code == 2 and "not a request" in err


MMC = Path(__file__).resolve().parents[1] / "examples" / "mmc"


def test_mmc_output_gets_the_mapping_check() -> None:
    code, out, _ = run(str(MMC / "read-firmware-version.xml"))
    assert code == 0, out
    code, out, _ = run(str(MMC / "wrong-element" / "firmware-srv-with-registers.xml"))
    assert code == 1 and "[mmc.element-mismatch]" in out


def test_request_option_gives_mmc_output_its_srv() -> None:
    registers = str(EXAMPLES / "valid" / "4.1.1-read-instantaneous-import-registers.xml")
    code, out, _ = run("--request", registers, str(MMC / "read-firmware-version.xml"))
    assert code == 1 and "[mmc.element-mismatch]" in out
    gas = str(MMC / "read-instantaneous-import-registers-gas.xml")
    code, out, _ = run("--request", registers, gas)
    assert code == 0, out


def test_mmc_output_with_unknown_schema_version() -> None:
    text = (MMC / "read-firmware-version.xml").read_bytes().replace(b'"5.4"', b'"7.7"', 1)
    code, out, _ = run("-", stdin=text)
    assert code == 1 and "[schema-version.unknown]" in out


PKI = Path(__file__).resolve().parents[1] / "examples" / "pki"


def test_keystore_verifies_signed_responses_for_correlation(tmp_path: Path) -> None:
    import signing

    keystore = signing.Keystore.from_dir(PKI)
    signed = signing.sign(RESPONSES / "read-firmware-version.xml", keystore=keystore).xml
    response = tmp_path / "signed.xml"
    response.write_bytes(signed)
    request = str(RESPONSES / "read-firmware-version.request.xml")

    code, out, _ = run("-v", "--request", request, str(response))
    assert code == 0 and "[correlate.signer-unverified]" in out
    code, out, _ = run("-v", "--request", request, "--keystore", str(PKI), str(response))
    assert code == 0 and "[signature.valid]" in out and "signer-unverified" not in out

    response.write_bytes(
        signed.replace(b"11.2</sr:ServiceReferenceVariant>", b"11.2 </sr:ServiceReferenceVariant>")
    )
    code, out, _ = run("--request", request, "--keystore", str(PKI), str(response))
    assert code == 1 and "[signature.digest-mismatch]" in out


def test_keystore_that_will_not_load_exits_2(tmp_path: Path) -> None:
    code, _, err = run("--keystore", str(tmp_path / "absent"), str(GOOD))
    assert code == 2 and "keystore" in err
