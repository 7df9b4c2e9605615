"""Every GBCS RTDS file reads; every PRECOMMAND/COMMAND pair signs and verifies.

Reads DCC's Reference Test Data Set in place (never copied): the header agrees with
the file name's use case, our signature of each Pre-Command gives the RTDS command's
bytes but the 64 signature bytes, the RTDS signature verifies with the keystore's
Digital Signing certificate, ours too, and a changed byte fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mmc.gbcs import MessageKind, read_message
from signing import Credentials
from signing._gbcs_sign import GBCSSignatureError, sign_pre_command, verify_command

#: RTDS files whose header names another use case than the file name (facts of the data).
_NAMED_OTHERWISE = {"CS04B": {"CS04B", "CS04AC"}, "CCS05CCS04": {None}}


def _hex(path: Path) -> bytes:
    return bytes.fromhex(path.read_text().strip())


@pytest.fixture(scope="module")
def rtds(ref: Path) -> Path:
    return ref / "gbcs-rtds" / "RTDS-4.5.0"


def test_every_file_reads_and_names_its_use_case(rtds: Path) -> None:
    files = sorted(rtds.glob("*/*.HEX"))
    assert len(files) > 1200
    for f in files:
        m = read_message(_hex(f), source=f.name)
        if "_ALERT" in f.name:
            continue  # an alert's message code is the alert's, not the use case's
        named = f.name.split("_", 1)[0]
        if named in _NAMED_OTHERWISE:
            assert m.message_code.use_case in _NAMED_OTHERWISE[named], f.name
            continue
        assert m.message_code.use_case, f.name
        assert named.startswith(m.message_code.use_case), (f.name, m.message_code)
        folder_ref = f.parent.name.split("_", 1)[0]
        if folder_ref != "NA":
            assert any(
                s == folder_ref or s.startswith(folder_ref + ".") for s in m.message_code.srvs
            ), (f.name, m.message_code.srvs)


def _pairs(rtds: Path) -> list[tuple[Path, Path]]:
    out = []
    for pre in sorted(rtds.glob("*/*_PRECOMMAND_GBCS.HEX")):
        cmd = pre.with_name(pre.name.replace("_PRECOMMAND_", "_COMMAND_"))
        if cmd.exists():
            out.append((pre, cmd))
    return out


def test_pre_command_pairs_sign_and_verify(ref: Path, rtds: Path) -> None:
    keystore = ref / "gbcs-rtds" / "keystore"
    pairs = _pairs(rtds)
    assert len(pairs) >= 170
    creds: dict[str, Credentials] = {}
    for pre_path, cmd_path in pairs:
        pre = read_message(_hex(pre_path), source=pre_path.name)
        cmd = read_message(_hex(cmd_path), source=cmd_path.name)
        assert pre.kind is MessageKind.GENERAL_SIGNING and pre.is_pre_command
        assert cmd.kind is MessageKind.MAC_HEADER and len(cmd.signature) == 64
        eui = pre.originator.hex.lower()
        if eui not in creds:
            creds[eui] = Credentials.load(keystore / f"{eui}-ds.pem", keystore / f"{eui}-ds.key")
        cert = creds[eui].certificate
        # the RTDS command's own signature verifies
        verify_command(cmd, cert)
        # DCC's RTDS test certificates have expired: sign at a time they were valid.
        ours = sign_pre_command(pre, creds[eui], at=cert.not_before)
        expected = cmd.general_signing
        assert len(ours) == len(expected)
        assert ours[:-64] == expected[:-64], pre_path.name
        verify_command(ours, cert)
        flipped = bytearray(ours)
        flipped[len(flipped) // 2] ^= 0x01
        with pytest.raises(GBCSSignatureError):
            verify_command(bytes(flipped), cert)
