"""examples/gbcs: made with test keys by make_examples.py; decoded values are its literals."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

import mmc
from mmc.payload import (
    GBCSAuthenticationError,
    GBCSKeystore,
    Record,
    decode,
    firmware_version,
    parse_hex,
    to_mmc,
)

HERE = Path(__file__).resolve().parents[1] / "examples" / "gbcs"


@pytest.fixture(scope="module")
def keys() -> GBCSKeystore:
    return GBCSKeystore.from_dir(HERE / "keystore")


def test_response_example(keys: GBCSKeystore) -> None:
    message = decode(parse_hex((HERE / "ECS52_11.2_RESPONSE.HEX").read_text()), keys)
    assert message.authentication == "MAC verified"
    assert firmware_version(message) == "02010007"
    xml = to_mmc(message)
    assert b"<ra:FirmwareVersion>02010007</ra:FirmwareVersion>" in xml
    assert mmc.validate(xml).valid


def test_alert_example(keys: GBCSKeystore) -> None:
    message = decode(parse_hex((HERE / "8F35_ALERT.HEX").read_text()), keys)
    assert message.authentication == "signature verified"
    assert message.alert_code is not None and message.alert_code.value == 0x8F35
    assert isinstance(message.payload, Record)
    assert message.payload.get("timestamp") == datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    assert mmc.validate(to_mmc(message)).valid


@pytest.mark.parametrize("name", ["ECS52_11.2_RESPONSE.HEX", "8F35_ALERT.HEX"])
def test_examples_tampered_fail(keys: GBCSKeystore, name: str) -> None:
    data = bytearray(parse_hex((HERE / name).read_text()))
    data[-3] ^= 0x10
    with pytest.raises(GBCSAuthenticationError):
        decode(bytes(data), keys)
