"""Make the mapped-MMC example here: a MAC'd ECS17a (SRV 4.2) response and its MMC output.

Run from the project root: ``python examples/gbcs-mmc/make_example.py``. The keys are
fresh P-256 keys made here (TEST ONLY, never deployed), kept in ``keystore/`` apart
from ``examples/gbcs`` so either folder can be remade alone. The response is built byte
by byte from the GBCS layout below; the MMC file is what ``duis decode --format mmc``
prints for it, kept so a reader sees the mapped output without running anything.

ACCESS-Response DA, invoke id 20000001, no date-time, no request spec, 4 data items:
double-long-unsigned 1234567 (active export register, Wh), its scaler-unit
structure (scaler 0, unit 30 = Wh), double-long-unsigned 89012 (reactive export
register), its scaler-unit (scaler 0, unit 32 = varh); 4 results: get (1), success (0).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HERE = Path(__file__).resolve().parent
USER = bytes.fromhex("90B3D51F30010000")
METER = bytes.fromhex("00124B000A517E01")
#: ECS17a "Read ESME Energy Registers (Export Energy)".
MESSAGE_CODE = 0x0026
PAYLOAD = bytes.fromhex(
    "DA2000000100" + "00" + "04"
    "06" + (1234567).to_bytes(4, "big").hex() + "02020F00161E"
    "06" + (89012).to_bytes(4, "big").hex() + "02020F001620"
    "04" + "0100" * 4
)


def _pem_private(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _pem_public(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def main() -> None:
    keys = HERE / "keystore"
    keys.mkdir(exist_ok=True)
    user_ka = ec.generate_private_key(ec.SECP256R1())
    meter_ka = ec.generate_private_key(ec.SECP256R1())
    meter_ds = ec.generate_private_key(ec.SECP256R1())
    (keys / f"{USER.hex()}-ka.key").write_bytes(_pem_private(user_ka))
    (keys / f"{METER.hex()}-ka.pem").write_bytes(_pem_public(meter_ka))
    (keys / f"{METER.hex()}-ds.pem").write_bytes(_pem_public(meter_ds))

    counter = 0x0000_0100_0000_0002
    header = (
        b"\x09\x02"  # general-signing frame of a response (CRA 2)
        + counter.to_bytes(8, "big")
        + b"\x08"
        + METER
        + b"\x08"
        + USER
        + b"\x00"  # no date-time
        + b"\x02"
        + MESSAGE_CODE.to_bytes(2, "big")
    )
    inner = b"\xdf" + header + bytes([len(PAYLOAD)]) + PAYLOAD + b"\x00"  # empty signature
    security = bytes([0x11, 0, 0, 0, 0])
    other = (
        bytes.fromhex("60857406080300") + METER + b"\x09\x02" + counter.to_bytes(8, "big") + USER
    )
    shared = meter_ka.exchange(ec.ECDH(), user_ka.public_key())
    key = hashlib.sha256(b"\x00\x00\x00\x01" + shared + other).digest()[:16]
    tag = AESGCM(key).encrypt(METER + bytes(4), b"", security + b"\x00" + inner)[:12]
    content = security + inner + tag
    response = b"\xdd" + bytes(6) + bytes([len(content)]) + content
    hex_path = HERE / "ECS17a_4.2_RESPONSE.HEX"
    hex_path.write_text(response.hex().upper() + "\n")
    command = [sys.executable, "-m", "duis", "decode", "--format", "mmc", "--keystore"]
    mmc = subprocess.run(
        [*command, str(keys), str(hex_path)],
        check=True,
        capture_output=True,
    ).stdout
    (HERE / "ECS17a_4.2_RESPONSE.mmc.xml").write_bytes(mmc)


if __name__ == "__main__":
    main()
