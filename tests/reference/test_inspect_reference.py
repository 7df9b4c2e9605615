"""``duis inspect`` on every DCC response in the reference folder: the right SRV and
response-code meaning, typed bodies with the official bundle, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

import mmc
from duis import catalogue
from duis.cli import cli
from duis.xml import parse
from tests.reference.conftest import at_least


def _files(ref: Path) -> list[Path]:
    files = sorted((ref / "signed").glob("*.*")) + sorted(
        (ref / "requests" / "rtds-testdata").glob("*.XML")
    )
    return at_least(files, 27, "signed and RTDS test-data files")


def test_inspect_names_srv_and_code_meaning(ref: Path, official_54: Path) -> None:
    files = _files(ref)
    result = CliRunner().invoke(
        cli, ["inspect", "--format", "json", "--schema-dir", str(official_54), *map(str, files)]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit)
    summaries = {s["path"]: s for s in json.loads(result.stdout)}
    assert set(summaries) == {str(p) for p in files}
    for path in files:
        s = summaries[str(path)]
        if path.name == "duis-xxe.xml":
            assert s["error"]["rule"] == "xml.unsafe"
            continue
        if path.name.endswith("-invalid.XML"):  # its RequestID has '::': not readable
            assert s["error"]["rule"] == "model.invalid" and "RequestID" in s["error"]["message"]
            continue
        root = parse(path).getroot()
        srv_el = root.find(".//{*}ServiceReferenceVariant")
        assert srv_el is not None
        row = catalogue.get(srv_el.text or "")
        assert row is not None
        assert s["srv"]["srv"] == row.srv and s["srv"]["name"] == " ".join(row.name.split())
        if s["kind"] == "request":
            assert s["command_variant"]["meaning"]
            continue
        code = root.find(".//{*}ResponseCode")
        assert code is not None
        expected = mmc.response_code(code.text or "")
        assert expected is not None
        assert s["response_code"]["code"] == expected.code
        assert s["response_code"]["meaning"] == expected.meaning
        assert s["body_typed"] is True and s["body_schema"] == "DCC DUIS 5.4"
    assert result.exit_code == 1  # the XXE file and the broken RequestID are refused
