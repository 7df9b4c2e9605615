"""``duis decode``: text and JSON output, exit codes, authentication said out loud."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

from duis.cli import cli
from tests.test_gbcs_payload import DEVICE, KEY, NOTIFICATION, _alert


@pytest.fixture
def alert_hex(tmp_path: Path) -> Path:
    path = tmp_path / "ALERT_GBCS.HEX"
    path.write_text(_alert(NOTIFICATION).hex().upper())
    return path


@pytest.fixture
def keystore(tmp_path: Path) -> Path:
    folder = tmp_path / "keys"
    folder.mkdir()
    pem = KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (folder / f"{DEVICE.hex()}-ds.pem").write_bytes(pem)
    return folder


def test_decode_hex_with_keystore(alert_hex: Path, keystore: Path) -> None:
    result = CliRunner().invoke(
        cli, ["decode", str(alert_hex), "--keystore", str(keystore), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    [out] = json.loads(result.stdout)
    assert out["authentication"] == "signature verified"
    assert out["alert_code"]["code"] == "8F35"
    assert out["payload"]["timestamp"] == "2026-03-04T05:06:07Z"
    assert out["payload"]["body"] == [1200]


def test_decode_binary_without_keys_warns(tmp_path: Path) -> None:
    path = tmp_path / "alert.bin"
    path.write_bytes(_alert(NOTIFICATION))
    result = CliRunner().invoke(cli, ["decode", str(path)])
    assert result.exit_code == 0
    assert "not authenticated [gbcs.not-authenticated]" in result.stderr
    assert "8F35" in result.stdout


def test_decode_tampered_exits_1_with_rule(alert_hex: Path, keystore: Path) -> None:
    raw = bytearray(bytes.fromhex(alert_hex.read_text()))
    raw[-1] ^= 1
    alert_hex.write_text(raw.hex())
    result = CliRunner().invoke(cli, ["decode", str(alert_hex), "--keystore", str(keystore)])
    assert result.exit_code == 1
    assert "[gbcs.signature-invalid]" in result.stderr


def test_decode_malformed_and_missing(tmp_path: Path) -> None:
    path = tmp_path / "bad.HEX"
    path.write_text("DF0903")
    result = CliRunner().invoke(cli, ["decode", str(path), str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "byte 3" in result.stderr and "[gbcs.malformed]" in result.stderr


def test_decode_format_mmc_is_valid_mmc(alert_hex: Path, keystore: Path) -> None:
    import mmc

    result = CliRunner().invoke(
        cli, ["decode", str(alert_hex), "--keystore", str(keystore), "--format", "mmc"]
    )
    assert result.exit_code == 0, result.output
    assert "<ra:GBCSHexAlertCode>8F35</ra:GBCSHexAlertCode>" in result.stdout
    assert "<ra:Timestamp>2026-03-04T05:06:07Z</ra:Timestamp>" in result.stdout
    assert mmc.validate(result.stdout.encode()).valid
