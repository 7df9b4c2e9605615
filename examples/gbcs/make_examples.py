"""Make the GBCS examples in this folder: test-only keys, a MAC'd 11.2 response, a signed alert.

Run from the project root: ``python examples/gbcs/make_examples.py``. Everything is
made here with fresh P-256 keys (TEST ONLY, never deployed): the User's key-agreement
key (``90b3d51f30010000-ka.key``) and the electricity meter's key-agreement and
digital-signing keys, whose public halves stand for the device certificates. The
messages follow the GBCS layout built byte by byte below, so they are an independent
check of ``duis decode``:

* ``ECS52_11.2_RESPONSE.HEX``: general-ciphering response, ACCESS-Response with the
  firmware version octet-string ``02 01 00 07``, MAC'd for the User.
* ``8F35_ALERT.HEX``: general-signing DATA-NOTIFICATION alert 8F35 (ECS80, supply restored)
  with timestamp 2026-03-04T05:06:07Z and a double-long-unsigned 1200, signed by the
  meter.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HERE = Path(__file__).resolve().parent
USER = bytes.fromhex("90B3D51F30010000")
METER = bytes.fromhex("00124B000A517E01")


def _header(cra: int, counter: int, originator: bytes, recipient: bytes, code: int) -> bytes:
    return (
        bytes([0x09, cra])
        + counter.to_bytes(8, "big")
        + b"\x08"
        + originator
        + b"\x08"
        + recipient
        + b"\x00"  # no date-time
        + b"\x02"
        + code.to_bytes(2, "big")
    )


def _key(
    private: ec.EllipticCurvePrivateKey, public: ec.EllipticCurvePublicKey, other: bytes
) -> bytes:
    shared = private.exchange(ec.ECDH(), public)
    return hashlib.sha256(b"\x00\x00\x00\x01" + shared + other).digest()[:16]


def main() -> None:
    keys = HERE / "keystore"
    keys.mkdir(exist_ok=True)
    user_ka = ec.generate_private_key(ec.SECP256R1())
    meter_ka = ec.generate_private_key(ec.SECP256R1())
    meter_ds = ec.generate_private_key(ec.SECP256R1())
    (keys / f"{USER.hex()}-ka.key").write_bytes(
        user_ka.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    for name, key in ((f"{METER.hex()}-ka.pem", meter_ka), (f"{METER.hex()}-ds.pem", meter_ds)):
        (keys / name).write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    # 11.2 response: ACCESS-Response DA, invoke id, no date-time, no request spec,
    # 1 data item: octet-string 02 01 00 07; 1 result: get (1), success (0).
    payload = bytes.fromhex("DA20000001000001090402010007010100")
    counter = 0x0000_0100_0000_0001
    inner = b"\xdf" + _header(2, counter, METER, USER, 0x0059) + bytes([len(payload)])
    inner += payload + b"\x00"  # empty signature field
    security = bytes([0x11, 0, 0, 0, 0])
    other = (
        bytes.fromhex("60857406080300") + METER + b"\x09\x02" + counter.to_bytes(8, "big") + USER
    )
    tag = AESGCM(_key(meter_ka, user_ka.public_key(), other)).encrypt(
        METER + bytes(4), b"", security + b"\x00" + inner
    )[:12]
    content = security + inner + tag
    response = b"\xdd" + bytes(6) + bytes([len(content)]) + content
    (HERE / "ECS52_11.2_RESPONSE.HEX").write_text(response.hex().upper() + "\n")

    # 8F35 alert: DATA-NOTIFICATION structure(3): alert code, date-time, 1200.
    notification = bytes.fromhex("0F00000001000203128F35090C07EA0304FF0506070000000006000004B0")
    signed = _header(3, 7, METER, USER, 0x0067) + bytes([len(notification)]) + notification
    r, s = decode_dss_signature(meter_ds.sign(signed, ec.ECDSA(hashes.SHA256())))
    alert = b"\xdf" + signed + b"\x40" + r.to_bytes(32, "big") + s.to_bytes(32, "big")
    (HERE / "8F35_ALERT.HEX").write_text(alert.hex().upper() + "\n")


if __name__ == "__main__":
    main()
