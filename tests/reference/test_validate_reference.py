"""duis validate against DCC's own material: the official verdicts, reproduced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duis import DuisError, validate
from duis.cli import cli
from duis.schemas import SchemaRegistry

#: signed/ files the reference README calls XSD-invalid against official 5.4.
XSD_INVALID = {
    "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS-invalid.XML",
    "readfw-response-invalid.xml",
}


def _cli_json(*args: str) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(cli, ["validate", "--format", "json", *args])
    return result.exit_code, json.loads(result.stdout)


def test_all_reference_requests_valid_with_official_54(
    official_54: Path, ref: Path, reference_requests: list[Path]
) -> None:
    assert len(reference_requests) == 306
    code, doc = _cli_json("--schema-dir", str(official_54), str(ref / "requests"))
    files = doc["files"]
    assert isinstance(files, list) and len(files) == 306
    bad = [f for f in files if not f["valid"]]
    assert bad == [] and code == 0
    assert {f["schema"] for f in files} == {"DCC DUIS 5.4"}


def test_all_reference_requests_valid_with_embedded(reference_requests: list[Path]) -> None:
    registry = SchemaRegistry()
    for path in reference_requests:
        report = validate(path, schemas=registry)
        assert report.valid, (path.name, report.messages)
        assert report.schema == "embedded"


def test_each_message_judged_by_its_own_version(ref: Path) -> None:
    code, doc = _cli_json("--schema-dir", str(ref / "dcc-schemas"), str(ref / "signed"))
    files = doc["files"]
    assert isinstance(files, list)
    judged = 0
    for f in files:
        if f["schema"] is None:
            continue
        version = str(f["schema"]).removeprefix("DCC DUIS ").rstrip("a")
        assert version == f["schema_version"], f
        judged += 1
    assert judged == len(files) - 1  # all but duis-xxe.xml
    assert code == 1


def test_signed_folder_xsd_verdicts(official_54: Path, ref: Path) -> None:
    registry = SchemaRegistry([official_54])
    for path in sorted((ref / "signed").iterdir()):
        report = validate(path, schemas=registry)
        if path.name == "duis-xxe.xml":
            assert [m.rule for m in report.messages] == ["xml.unsafe"]
            assert report.schema is None  # refused before any schema saw it
            continue
        assert report.valid == (path.name not in XSD_INVALID), (path.name, report.messages)


def test_inventory_54_is_valid_for_54_only(ref: Path) -> None:
    message = ref / "signed" / "read-inventory-response-5.4.xml"
    assert validate(message, schemas=SchemaRegistry([ref / "dcc-schemas" / "5.4"])).valid
    older = validate(message, schemas=SchemaRegistry([ref / "dcc-schemas" / "5.3a"]))
    assert not older.valid and "Connectivity" in " ".join(m.text for m in older.messages)


def test_unknown_schema_version_against_official(official_54: Path, ref: Path) -> None:
    text = (ref / "signed" / "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML").read_bytes()
    text = text.replace(b'schemaVersion="5.0"', b'schemaVersion="9.9"')
    report = validate(text, schemas=SchemaRegistry([official_54]))
    assert "schema-version.unknown" in report.rules()
    assert "xsd" not in report.rules()  # the official XSD alone would have passed it


def test_several_bundles_and_no_match_is_a_clear_error(ref: Path) -> None:
    registry = SchemaRegistry([ref / "dcc-schemas" / "5.0", ref / "dcc-schemas" / "5.4"])
    text = (ref / "signed" / "ECS50_9.1_SUCCESS_REQUEST_DUIS.XML").read_bytes()  # 5.1
    report = validate(text, schemas=registry)
    [message] = [m for m in report.messages if m.rule == "schema-version.no-schema"]
    assert "5.0, 5.4" in message.text and "--schema-dir" in message.text


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_mutated_real_messages_raise_only_library_errors(
    data: st.DataObject, reference_requests: list[Path]
) -> None:
    path = data.draw(st.sampled_from(reference_requests))
    raw = bytearray(path.read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        op = data.draw(st.sampled_from(["flip", "insert", "delete"]))
        pos = data.draw(st.integers(0, len(raw) - 1))
        if op == "flip":
            raw[pos] = data.draw(st.integers(0, 255))
        elif op == "insert":
            raw[pos:pos] = data.draw(
                st.sampled_from([b"<", b">", b"&", b"<!DOCTYPE x>", b"\x00", b"]]>"])
            )
        else:
            del raw[pos : pos + data.draw(st.integers(1, 40))]
    try:
        report = validate(bytes(raw))
    except DuisError:
        return
    assert report.kind is not None
    if not report.valid:
        assert all(m.rule for m in report.errors)


@pytest.mark.parametrize("broken", [True, False], ids=["broken-bundle", "missing-folder"])
def test_schema_dir_that_will_not_load_exits_2(tmp_path: Path, broken: bool) -> None:
    folder = tmp_path / "bundle"
    folder.mkdir()
    (folder / "DUIS Schema V5.4.xsd").write_text("<not-a-schema/>")
    args = ["validate", "--schema-dir", str(folder if broken else tmp_path / "missing"), "x.xml"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "error" in result.stderr and "Traceback" not in result.output
