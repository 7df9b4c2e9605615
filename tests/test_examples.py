"""The bundled examples: valid ones pass, each invalid one trips exactly its rules.

The expected rules are read from the tables in ``examples/README.md``, so the README
can never drift from what the examples actually do.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from duis.cli import cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _table(section: str) -> dict[str, set[str]]:
    text = (EXAMPLES / "README.md").read_text()
    part = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, set[str]] = {}
    for line in part.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = set(re.findall(r"`([^`]+)`", cells[1]))
    return rows


def _run(*args: str) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(cli, ["validate", "--format", "json", *args])
    return result.exit_code, json.loads(result.output)


def test_readme_lists_every_request_example() -> None:
    for section in ("requests/valid", "requests/invalid"):
        listed = set(_table(section))
        on_disk = {p.name for p in (EXAMPLES / section).glob("*.xml")}
        assert listed == on_disk, section


def test_valid_requests_are_valid_with_the_embedded_schema() -> None:
    code, doc = _run(str(EXAMPLES / "requests" / "valid"))
    assert code == 0, doc
    files = doc["files"]
    assert isinstance(files, list) and len(files) == len(_table("requests/valid"))
    for f in files:
        assert f["schema"] == "embedded"
        assert f["kind"] == "request"
        # the covered bodies are checked in full: no "not checked" note
        assert not [m for m in f["messages"] if m["rule"] == "xsd.not-covered"], f


@pytest.mark.parametrize("name,rules", sorted(_table("requests/invalid").items()))
def test_each_invalid_request_trips_exactly_its_rules(name: str, rules: set[str]) -> None:
    code, doc = _run(str(EXAMPLES / "requests" / "invalid" / name))
    assert code == 1
    files = doc["files"]
    assert isinstance(files, list)
    errors = {m["rule"] for m in files[0]["messages"] if m["severity"] == "error"}
    assert errors == rules
