"""GBCS device alert codes and DCC alert codes have meanings in this project's words."""

from __future__ import annotations

import pytest

from duis.codes import Basis, Category, alert_code, device_alert_code


# The codes issue 13 names, each with a word its GBCS alert name contains.
@pytest.mark.parametrize(
    ("code", "word"),
    [
        ("8F66", "future-dated"),
        ("8F67", "future-dated"),
        ("8F86", "APC"),
        ("8F87", "APC"),
        ("8F88", "auxiliary controller"),
        ("8145", "clock"),
        ("81C6", "clock"),
        ("8F0C", "10 seconds"),
        ("8F35", "outage"),
        ("81A0", "integrity"),
    ],
)
def test_named_device_alerts_are_stated(code: str, word: str) -> None:
    found = device_alert_code(code)
    assert found.basis is Basis.STATED and found.category is Category.DEVICE_ALERT
    assert word in found.meaning


def test_either_case_and_0x_prefix() -> None:
    assert device_alert_code("0x8f0c") == device_alert_code("8F0C")


def test_an_unknown_device_alert_says_so() -> None:
    found = device_alert_code("8FFE")
    assert found.basis is Basis.NOT_RECORDED and "8FFE" in found.meaning


def test_success_and_failure_outcomes_differ() -> None:
    ok, bad = device_alert_code("8F66").meaning, device_alert_code("8F67").meaning
    assert ok != bad and "not" in bad


def test_n24_is_the_han_device_log_result() -> None:
    found = alert_code("N24")
    assert found is not None and found.category is Category.NOTIFICATION
    assert found.basis is Basis.STATED and "8.11" in found.meaning
