"""``duis --help`` answered without click: the same text, and nothing heavy imported.

The fast path (:func:`duis.cli._help.fast_help`) must print exactly what click prints
for the group; the oracle is click's own rendering of the real group, at several
terminal widths.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from duis.cli import cli
from duis.cli._help import fast_help

ROOT = Path(__file__).resolve().parents[1]


def click_help(columns: int, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    result = CliRunner().invoke(cli, ["--help"], prog_name="duis")
    assert result.exit_code == 0
    return result.stdout


@pytest.mark.parametrize("columns", [80, 81, 120, 200])
def test_fast_help_is_clicks_text_on_a_wide_terminal(
    columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = click_help(columns, monkeypatch)
    assert "Commands:" in expected and "validate" in expected
    assert fast_help("duis") == expected


@pytest.mark.parametrize("columns", [79, 60, 40, 1])
def test_fast_help_on_a_narrow_terminal_is_clicks_text_or_left_to_click(
    columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = click_help(columns, monkeypatch)
    text = fast_help("duis")
    assert text is None or text == expected
    if columns < 78:  # some summary is 64 characters: click wraps it, so must we
        assert text is None


_PROBE = (
    "import atexit, sys\n"
    "heavy = ('click', 'lxml', 'cryptography', 'xmlschema', 'typing')\n"
    "atexit.register(lambda: sys.stderr.write(\n"
    "    'loaded:' + ','.join(m for m in heavy if m in sys.modules)))\n"
    "from duis.cli import main\n"
    "main(sys.argv[1:])\n"
)


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["--version"]])
def test_top_level_help_and_version_import_no_click_and_no_subcommand(args: list[str]) -> None:
    env = {"COLUMNS": "100", "PATH": "/usr/bin:/bin"}
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], cwd=ROOT, capture_output=True, text=True, env=env
    )
    assert probe.returncode == 0
    assert probe.stderr.strip() == "loaded:"
    full = subprocess.run(
        [sys.executable, "-c", "from duis.cli import cli; cli.main(prog_name='duis')", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert full.returncode == 0
    assert probe.stdout == full.stdout
    assert probe.stdout.startswith("Usage: duis [OPTIONS]") or probe.stdout.startswith(
        "duis, version "
    )
