"""Response and alert codes, and describing DUIS messages, are duis core: no mmc needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import duis.codes
import mmc

ROOT = Path(__file__).resolve().parents[1]


def test_mmc_re_exports_the_core_catalogue() -> None:
    assert mmc.response_code is duis.codes.response_code
    assert mmc.alert_code is duis.codes.alert_code
    assert mmc.Code is duis.codes.Code
    # E2 is DUIS's "User not eligible for the Service Request" (DUIS response codes table).
    e2 = duis.codes.response_code("E2")
    assert e2 is not None and e2.category is duis.codes.Category.ERROR


def test_describe_a_response_without_importing_mmc() -> None:
    script = (
        "import sys, duis, duis.xml\n"
        f"tree = duis.xml.parse({str(ROOT / 'examples/responses/ineligible-role.xml')!r})\n"
        "s = duis.describe(tree, body=False)\n"
        "assert s['response_code']['code'] == 'E2', s\n"
        "assert not any(m == 'mmc' or m.startswith('mmc.') for m in sys.modules), 'mmc imported'\n"
        "assert not any(m.startswith('signing') for m in sys.modules), 'signing imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_duis_describe_points_mmc_output_to_mmc() -> None:

    tree = duis.xml.parse(ROOT / "examples" / "mmc" / "device-alert.xml")
    with pytest.raises(duis.ModelError, match=r"mmc\.describe"):
        duis.describe(tree)
    assert mmc.describe(tree, body=False)["kind"] == "mmc-device-alert"
