"""RTDS device messages through the one reader's General Block Transfer and GBZ paths.

Reads DCC's Reference Test Data Set in place (never copied). Facts of the data: no RTDS
file is a GBT block (none starts ``DD 09``) and no GBZ component sets an extended header
control bit beyond last / encrypted / from-date-time, so GBZ compression never occurs.
Every RTDS response and alert, cut here into GBT blocks, reassembles to its bytes and
decodes and authenticates exactly as the file itself does.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from mmc.gbcs import read_envelope, reassemble_blocks
from mmc.payload import GBCSKeyError, GBCSKeystore, Opaque, Record, Value, decode, decode_blocks
from tests.gbcs_builders import gbt_blocks

DEVICE_TO_DEVICE = {"PCS01_NA_SUCCESS_RESPONSE_GBCS.HEX", "PCS02_NA_SUCCESS_RESPONSE_GBCS.HEX"}


@pytest.fixture(scope="module")
def rtds(ref: Path) -> Path:
    return ref / "gbcs-rtds" / "RTDS-4.5.0"


def _hex(path: Path) -> bytes:
    return bytes.fromhex(path.read_text().strip())


def _unread_gbz(value: Value) -> bool:
    if isinstance(value, Opaque):
        return "not read here" in value.what
    if isinstance(value, Record):
        return any(_unread_gbz(v) for _, v in value.fields)
    if isinstance(value, tuple):
        return any(_unread_gbz(v) for v in value)
    return False


def test_no_rtds_file_uses_gbt_or_unread_gbz_bits(rtds: Path) -> None:
    files = sorted(rtds.glob("*/*.HEX"))
    assert len(files) > 1200
    for path in files:
        data = _hex(path)
        assert data[:2] != b"\xdd\x09", path.name
        read_envelope(data)
    for path in sorted([*rtds.glob("*/*RESPONSE*GBCS.HEX"), *rtds.glob("*/*ALERT*GBCS.HEX")]):
        assert not _unread_gbz(decode(_hex(path), None).payload), path.name


def test_every_response_and_alert_survives_block_transfer(rtds: Path, ref: Path) -> None:
    keys = GBCSKeystore.from_dir(ref / "gbcs-rtds" / "keystore")
    shuffle = random.Random(10)
    files = sorted([*rtds.glob("*/*RESPONSE*GBCS.HEX"), *rtds.glob("*/*ALERT*GBCS.HEX")])
    assert len(files) >= 503 + 36
    for path in files:
        data = _hex(path)
        code = read_envelope(data).message_code
        blocks = gbt_blocks(data, shuffle.randint(16, 120), code=code)
        shuffle.shuffle(blocks)
        assert reassemble_blocks(blocks) == data, path.name
        if path.name in DEVICE_TO_DEVICE:
            with pytest.raises(GBCSKeyError):
                decode_blocks(blocks, keys)
            continue
        direct, via_blocks = decode(data, keys), decode_blocks(blocks, keys)
        assert via_blocks.authentication == direct.authentication != "not authenticated"
        assert via_blocks.payload == direct.payload, path.name
