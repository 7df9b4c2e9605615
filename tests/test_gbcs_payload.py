"""GBCS decoding on messages built here with our own keys, and on random bytes.

The messages are assembled from the GBCS layout (grouping header, DLMS payload, ECDSA
signature) with a key generated in the test, so expected values are the literals put in.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import example, given, settings
from hypothesis import strategies as st

from duis import DuisError
from mmc.payload import (
    CRA,
    GBCSAuthenticationError,
    GBCSDecodeError,
    GBCSKeystore,
    Record,
    decode,
    parse_hex,
)

DEVICE = bytes.fromhex("00DB000000000001")
USER = bytes.fromhex("90B3D50000000001")
KEY = ec.derive_private_key(0x1234567, ec.SECP256R1())


def _alert(payload: bytes, *, key: ec.EllipticCurvePrivateKey = KEY) -> bytes:
    header = (
        bytes([0x09, 0x03])
        + (7).to_bytes(8, "big")
        + b"\x08"
        + DEVICE
        + b"\x08"
        + USER
        + b"\x00"
        + b"\x02\x00\xcc"
        + bytes([len(payload)])
        + payload
    )
    der = key.sign(header, ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return b"\xdf" + header + b"\x40" + r.to_bytes(32, "big") + s.to_bytes(32, "big")


#: DATA-NOTIFICATION: invoke id, no date-time, structure(3): alert 8F35 (long-unsigned),
#: date-time 2026-03-04 05:06:07 UTC, double-long-unsigned 1200.
NOTIFICATION = bytes.fromhex("0F00000001000203128F35090C07EA0304FF0506070000000006000004B0")


def _keys() -> GBCSKeystore:
    return GBCSKeystore(public={(DEVICE, "ds"): KEY.public_key()})


def test_signed_alert_decodes_to_typed_values() -> None:
    message = decode(_alert(NOTIFICATION), _keys())
    assert message.authentication == "signature verified"
    assert message.cra is CRA.ALERT
    assert message.envelope.counter == 7
    code = message.alert_code
    assert code is not None and code.value == 0x8F35
    assert isinstance(message.payload, Record)
    assert message.payload.get("timestamp") == datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    assert message.payload.get("body") == (1200,)


def test_without_keys_says_not_authenticated() -> None:
    assert decode(_alert(NOTIFICATION), None).authentication == "not authenticated"


def test_other_key_fails_signature() -> None:
    other = ec.derive_private_key(0x7654321, ec.SECP256R1())
    with pytest.raises(GBCSAuthenticationError) as caught:
        decode(_alert(NOTIFICATION, key=other), _keys())
    assert caught.value.rule == "gbcs.signature-invalid"


def test_truncation_names_the_offset() -> None:
    data = _alert(NOTIFICATION)[:20]
    with pytest.raises(GBCSDecodeError) as caught:
        decode(data, None)
    assert caught.value.offset == 20
    assert "byte 20" in str(caught.value)


def test_hex_text_errors_are_library_errors() -> None:
    with pytest.raises(GBCSDecodeError):
        parse_hex("DF0Z")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
@example(b"")
@example(b"\xdd")
@example(b"\xdf\x09\x03")
def test_random_bytes_raise_only_library_errors(data: bytes) -> None:
    with contextlib.suppress(DuisError):
        decode(data, None)


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_mutated_messages_raise_only_library_errors(data: st.DataObject) -> None:
    raw = bytearray(_alert(NOTIFICATION))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(raw)))
    with contextlib.suppress(DuisError):
        decode(bytes(raw[:cut] if data.draw(st.booleans()) else raw), _keys())
