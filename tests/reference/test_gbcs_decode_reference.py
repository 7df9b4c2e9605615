"""Every RTDS device response and alert decodes, and its MAC or signature verifies.

The RTDS keys are read from the reference folder at test time. Expected values are read
by hand from the RTDS bytes (offsets named in each test), not from the decoder.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duis import DuisError
from mmc.payload import (
    GBCSAuthenticationError,
    GBCSKeyError,
    GBCSKeystore,
    Record,
    decode,
    parse_hex,
)

#: Both ends of these device-to-device (PPMID) responses are devices whose private keys
#: the RTDS keystore does not hold: their MAC cannot be checked by anyone but them.
DEVICE_TO_DEVICE = {"PCS01_NA_SUCCESS_RESPONSE_GBCS.HEX", "PCS02_NA_SUCCESS_RESPONSE_GBCS.HEX"}


@pytest.fixture(scope="module")
def rtds(ref: Path) -> Path:
    return ref / "gbcs-rtds" / "RTDS-4.5.0"


@pytest.fixture(scope="module")
def keys(ref: Path) -> GBCSKeystore:
    return GBCSKeystore.from_dir(ref / "gbcs-rtds" / "keystore")


def _messages(rtds: Path) -> list[Path]:
    return sorted([*rtds.glob("*/*RESPONSE*GBCS.HEX"), *rtds.glob("*/*ALERT*GBCS.HEX")])


def test_every_response_and_alert_decodes_and_authenticates(rtds: Path, keys: GBCSKeystore) -> None:
    files = _messages(rtds)
    assert len(files) >= 503 + 93
    verified = 0
    for path in files:
        data = parse_hex(path.read_text())
        if path.name in DEVICE_TO_DEVICE:
            with pytest.raises(GBCSKeyError):
                decode(data, keys)
            assert decode(data, None).authentication == "not authenticated"
            continue
        message = decode(data, keys)
        assert message.authentication in ("MAC verified", "signature verified"), path
        assert isinstance(message.payload, Record)
        verified += 1
    assert verified == len(files) - len(DEVICE_TO_DEVICE)


def test_a_flipped_byte_anywhere_fails(rtds: Path, keys: GBCSKeystore) -> None:
    """Each byte of one MAC'd response and one signed alert, flipped, is refused."""
    mac = parse_hex((rtds / "11.2_ECS52" / "ECS52_11.2_SUCCESS_RESPONSE_GBCS.HEX").read_text())
    signed = next((rtds / "1.1.1_ECS01a").glob("*8F66*CURRENCY_UNIT_GBCS.HEX"))
    for data in (mac, parse_hex(signed.read_text())):
        decode(data, keys)
        for i in range(len(data)):
            bad = bytearray(data)
            bad[i] ^= 0x01
            with pytest.raises(DuisError) as caught:
                decode(bytes(bad), keys)
            assert caught.value.rule in (
                "gbcs.mac-invalid",
                "gbcs.signature-invalid",
                "gbcs.malformed",
                "gbcs.key-missing",
            )


def test_flipped_mac_and_signature_name_their_rule(rtds: Path, keys: GBCSKeystore) -> None:
    mac = bytearray(
        parse_hex((rtds / "11.2_ECS52" / "ECS52_11.2_SUCCESS_RESPONSE_GBCS.HEX").read_text())
    )
    mac[-1] ^= 0x80
    with pytest.raises(GBCSAuthenticationError) as caught:
        decode(bytes(mac), keys)
    assert caught.value.rule == "gbcs.mac-invalid"
    signed = bytearray(
        parse_hex(next((rtds / "1.1.1_ECS01a").glob("*8F66*CURRENCY_UNIT_GBCS.HEX")).read_text())
    )
    signed[-1] ^= 0x80
    with pytest.raises(GBCSAuthenticationError) as caught:
        decode(bytes(signed), keys)
    assert caught.value.rule == "gbcs.signature-invalid"


def test_firmware_version_read_by_hand(rtds: Path, keys: GBCSKeystore) -> None:
    """ECS52 (11.2): the ACCESS-Response holds octet-string 09 04 01 23 AB CD, result 0."""
    data = parse_hex((rtds / "11.2_ECS52" / "ECS52_11.2_SUCCESS_RESPONSE_GBCS.HEX").read_text())
    message = decode(data, keys)
    assert message.use_case is not None and message.use_case.startswith("ECS52")
    assert message.message_code == 0x0069 or message.use_case.startswith("ECS52")
    assert isinstance(message.payload, Record)
    items = message.payload.get("items")
    assert isinstance(items, tuple) and isinstance(items[0], Record)
    assert items[0].get("data") == bytes.fromhex("0123ABCD")
    result = items[0].get("result")
    assert result is not None and getattr(result, "name", None) == "success"


def test_future_dated_alert_carries_its_instruction(rtds: Path, keys: GBCSKeystore) -> None:
    """8F66 alert: code 8F66, timestamp 07EE-01-0F 09:00:00 (2030-01-15), then message code
    0019 (ECS01a) and originator counter 0x3F0232800005E2C (bytes read from the file)."""
    path = next((rtds / "1.1.1_ECS01a").glob("*8F66*CURRENCY_UNIT_GBCS.HEX"))
    message = decode(parse_hex(path.read_text()), keys)
    code = message.alert_code
    assert code is not None and code.value == 0x8F66 and code.name
    assert isinstance(message.payload, Record)
    assert message.payload.get("timestamp") == datetime(2030, 1, 15, 9, 0, tzinfo=timezone.utc)
    body = message.payload.get("body")
    assert isinstance(body, tuple) and isinstance(body[0], Record)
    assert body[0].get("message-code") == 0x0019
    assert body[0].get("originator-counter") == 0x3F0
    assert body[0].get("class-id") == 0x2328
    assert body[0].get("attribute") == 6
    assert body[0].get("logical-name") == "0.0.94.44.2.0"


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_mutated_rtds_messages_raise_only_library_errors(
    rtds: Path, keys: GBCSKeystore, data: st.DataObject
) -> None:
    files = _messages(rtds)
    path = files[data.draw(st.integers(0, len(files) - 1))]
    raw = bytearray(parse_hex(path.read_text()))
    for _ in range(data.draw(st.integers(1, 3))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    for keystore in (keys, None):
        with contextlib.suppress(DuisError):
            decode(bytes(raw), keystore)


@pytest.mark.parametrize(
    ("name", "version"),
    [("readfw-response.xml", "0C230000"), ("message.xml", "05150509")],
)
def test_inspect_shows_firmware_version_of_real_11_2(ref: Path, name: str, version: str) -> None:
    """The ECS52 payloads of DCC Boxed's 11.2 responses: ACCESS-Response octet-string
    09 04 followed by the version (read from the base64 by hand)."""
    from click.testing import CliRunner

    from duis.cli import cli

    result = CliRunner().invoke(cli, ["inspect", "--no-body", str(ref / "signed" / name)])
    assert result.exit_code == 0, result.output
    assert f"firmware version   {version}" in result.stdout


def test_mmc_output_of_every_rtds_message_is_valid_against_official_54(
    rtds: Path, keys: GBCSKeystore, official_54: Path
) -> None:
    """Mapped use cases (ECS52 -> ReadFirmwareVersionRsp, every alert) and the raw
    GBCSData of the rest: all valid against DCC's MMC 5.4 XSD and through mmc.validate."""
    import mmc
    from duis.schemas import SchemaRegistry
    from mmc.payload import to_mmc

    official = SchemaRegistry([official_54])
    files = _messages(rtds)
    firmware = 0
    for path in files:
        message = decode(parse_hex(path.read_text()), None)
        xml = to_mmc(message)
        report = mmc.validate(xml, schemas=official, source=path.name)
        assert report.valid, (path.name, [str(m) for m in report.messages])
        if b"ReadFirmwareVersionRsp" in xml:
            firmware += 1
    assert firmware >= 2


def test_mmc_firmware_version_read_by_hand(rtds: Path, keys: GBCSKeystore) -> None:
    from mmc.payload import to_mmc

    data = parse_hex((rtds / "11.2_ECS52" / "ECS52_11.2_SUCCESS_RESPONSE_GBCS.HEX").read_text())
    xml = to_mmc(decode(data, keys))
    assert b"<ra:FirmwareVersion>0123ABCD</ra:FirmwareVersion>" in xml
    assert b"<ra:ServiceReferenceVariant>11.2</ra:ServiceReferenceVariant>" in xml
    assert b'MessageSuccess="true"' in xml


def test_gbz_future_dated_alert_time_is_big_endian(rtds: Path, keys: GBCSKeystore) -> None:
    """GBZ alert times are big-endian (ZCL's attribute times little-endian): the GCS01a
    8F66 alert says 2030-01-15T09:00:00Z like its DLMS twin, not a date in the 2100s."""
    path = sorted((rtds / "1.1.1_GCS01a").glob("*8F66*GBCS.HEX"))[0]
    message = decode(parse_hex(path.read_text()), keys)
    assert isinstance(message.payload, Record)
    assert message.payload.get("timestamp") == datetime(2030, 1, 15, 9, 0, tzinfo=timezone.utc)
    outcome = message.payload.get("outcome")
    assert isinstance(outcome, Record) and outcome.kind == "future-dated-outcome"
