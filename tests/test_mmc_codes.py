"""The response and alert code catalogue: complete, categorised, no orphan meanings."""

from __future__ import annotations

import json
from importlib import resources

import pytest

import mmc
from mmc import Basis, Category


def _meanings() -> dict[str, dict[str, str]]:
    return json.loads(resources.files("duis").joinpath("data/code_meanings.json").read_text())


def test_every_response_code_has_category_and_meaning() -> None:
    codes = mmc.response_codes()
    assert len(codes) == len({c.code for c in codes}) > 100
    for c in codes:
        assert c.meaning.strip(), c.code
        assert c.category.value == c.code[0], c.code


def test_every_alert_code_has_a_meaning() -> None:
    for c in (*mmc.dcc_alert_codes(), *mmc.future_dated_alert_codes()):
        assert c.meaning.strip()
    assert {c.category for c in mmc.dcc_alert_codes()} <= {
        Category.NOTIFICATION,
        Category.DCC_DEVICE_ALERT,
    }


def test_no_meaning_is_orphaned() -> None:
    data = _meanings()
    response = {c.code for c in mmc.response_codes()}
    assert set(data["response_codes"]) <= response
    assert set(data["dcc_alert_codes"]) <= {c.code for c in mmc.dcc_alert_codes()}
    assert set(data["future_dated_alert_codes"]) <= {c.code for c in mmc.future_dated_alert_codes()}


#: Meanings stated in DUIS (shared/docs/DOMAIN.md), as words each meaning must contain:
#: the oracle is the DUIS text, not the data file the code reads.
DUIS_MEANINGS = {
    "I0": ("success",),
    "I99": ("accepted", "non-device"),
    "E2": ("role", "not eligible"),
    "E4": ("role", "not authorised", "device"),
    "E12": ("commandvariant", "not valid"),
    "E19": ("unknown", "device"),
}


@pytest.mark.parametrize("code", sorted(DUIS_MEANINGS))
def test_stated_meanings_say_what_duis_says(code: str) -> None:
    found = mmc.response_code(code)
    assert found is not None and found.basis is Basis.STATED
    assert found.category.value == code[0]
    for word in DUIS_MEANINGS[code]:
        assert word in found.meaning.lower(), (code, found.meaning)


def test_response_code_count_is_the_xsd_enumeration() -> None:
    """DUIS 5.4's ResponseCode enumeration has 194 values (DOMAIN.md); the catalogue all."""
    assert len(mmc.response_codes()) >= 194


def test_sr_specific_codes_name_their_service_reference() -> None:
    code = mmc.response_code("E081101")
    assert code is not None and code.basis is Basis.STRUCTURE
    assert code.service_reference == "8.11" and "Update HAN Device Log" in code.meaning
    warning = mmc.response_code("W110101")
    assert warning is not None and warning.category is Category.WARNING
    assert warning.service_reference == "11.1" and warning.meaning.startswith("warning")
    sr_with_many = mmc.response_code("E010101")
    assert sr_with_many is not None and "1.1.1, 1.1.2" in sr_with_many.meaning


def test_unknown_codes() -> None:
    assert mmc.response_code("E9999") is None
    assert mmc.alert_code("N32") is None  # the XSD skips N32
    assert mmc.alert_code("not a code") is None


@pytest.mark.parametrize("text", ["8f66", "0x8F66", " 8F66 "])
def test_device_alert_code_spellings(text: str) -> None:
    code = mmc.alert_code(text)
    assert code is not None and code.code == "8F66" and code.category is Category.DEVICE_ALERT


def test_unlisted_device_alert_is_described_honestly() -> None:
    code = mmc.device_alert_code("1234")
    assert code.basis is Basis.NOT_RECORDED and "0x1234" in code.meaning
