"""Every GBCS alert code DCC's XSDs use has a meaning stated in this project's words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from duis.codes import Basis, device_alert_code


def _xsd_alert_codes(folder: Path) -> set[str]:
    codes: set[str] = set()
    for xsd in folder.glob("*.xsd"):
        text = xsd.read_text("utf-8")
        # Alert configuration elements are named x + the code (x8145); payload
        # comments name them as 0x8F86.
        codes.update(re.findall(r'name="x([0-9A-F]{4})"', text))
        codes.update(c.upper() for c in re.findall(r"0x([0-9A-Fa-f]{4})", text))
    return codes


@pytest.mark.parametrize("version", ["5.0", "5.1", "5.3a", "5.4"])
def test_every_xsd_alert_code_has_a_stated_meaning(ref: Path, version: str) -> None:
    codes = _xsd_alert_codes(ref / "dcc-schemas" / version)
    assert len(codes) > 100
    unstated = sorted(c for c in codes if device_alert_code(c).basis is not Basis.STATED)
    assert unstated == []
