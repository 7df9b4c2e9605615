"""General Block Transfer and GBZ control flags, on messages built here with our own keys.

A long electricity response (an ACCESS-Response with a 400-byte octet-string) is MAC'd
with keys generated in the test (``sealed_mac_header``, written from GBCS section 4),
cut into GBT blocks (``gbt_blocks``, from the Message Routing Header and DLMS GBT
layouts) and read back; expected values are the literals put in.
"""

from __future__ import annotations

import contextlib
import random

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import example, given, settings
from hypothesis import strategies as st

from duis import DuisError
from mmc.gbcs import GBCSFormatError, read_block, read_envelope, reassemble_blocks
from mmc.payload import GBCSDecodeError, GBCSKeystore, Opaque, Record, decode, decode_blocks
from tests.gbcs_builders import gbt_blocks, general_signing, sealed_mac_header

DEVICE = bytes.fromhex("00DB000000000002")
USER = bytes.fromhex("90B3D50000000002")
DEVICE_KA = ec.derive_private_key(0x2468ACE, ec.SECP256R1())
USER_KA = ec.derive_private_key(0x13579BD, ec.SECP256R1())
FIRMWARE = bytes(range(256)) + bytes(range(144))
#: ACCESS-Response: invoke id 1, no date-time, no request spec, 1 data item: octet-string
#: (09, length 82 0190) of FIRMWARE; 1 result: get (01), success (00).
ACCESS_RESPONSE = (
    bytes.fromhex("DA000000010000010982 0190".replace(" ", "")) + FIRMWARE + b"\x01\x01\x00"
)


def _response() -> bytes:
    inner = general_signing(
        cra=2,
        counter=0x3F02328000000101,
        originator=DEVICE,
        target=USER,
        code=0x0059,
        payload=ACCESS_RESPONSE,
        signature=None,
    )
    return sealed_mac_header(inner, DEVICE_KA, USER_KA.public_key())


def _keys() -> GBCSKeystore:
    return GBCSKeystore(
        public={(DEVICE, "ka"): DEVICE_KA.public_key()}, private={(USER, "ka"): USER_KA}
    )


def _firmware(payload: object) -> object:
    assert isinstance(payload, Record)
    items = payload.get("items")
    assert isinstance(items, tuple) and isinstance(items[0], Record)
    return items[0].get("data")


def test_the_built_response_itself_verifies() -> None:
    message = decode(_response(), _keys())
    assert message.authentication == "MAC verified"
    assert _firmware(message.payload) == FIRMWARE


def test_blocks_carry_the_routing_header_and_gbt_fields() -> None:
    blocks = gbt_blocks(_response(), 200)
    assert len(blocks) == 3
    first, last = read_block(blocks[0]), read_block(blocks[-1])
    assert (first.number, first.last, first.ack, first.window) == (1, False, 0, 0)
    assert (last.number, last.last) == (3, True)
    assert first.originator == DEVICE and first.recipient == USER
    assert first.counter == 0x3F02328000000101 and first.message_code == 0x0059
    assert len(first.data) == 200


def test_blocks_in_any_order_reassemble_and_authenticate() -> None:
    response = _response()
    blocks = gbt_blocks(response, 150)
    random.Random(7).shuffle(blocks)
    assert reassemble_blocks(blocks) == response
    message = decode_blocks(blocks, _keys())
    assert message.authentication == "MAC verified"
    assert _firmware(message.payload) == FIRMWARE


def test_one_block_transfer_is_decoded_in_place() -> None:
    response = _response()
    [block] = gbt_blocks(response, len(response))
    message = decode(block, _keys())
    assert message.authentication == "MAC verified"
    assert _firmware(message.payload) == FIRMWARE
    env = read_envelope(block)
    # offsets are in the block: the MAC is the block's last 12 bytes
    assert env.mac == block[-12:] and env.mac_offset == len(block) - 12


def test_a_block_of_a_longer_transfer_is_refused_with_its_offset() -> None:
    blocks = gbt_blocks(_response(), 200)
    with pytest.raises(GBCSDecodeError) as caught:
        decode(blocks[1], _keys())
    assert caught.value.offset == 1
    assert "block 2" in str(caught.value) and "reassemble_blocks" in str(caught.value)


@pytest.mark.parametrize(
    ("pick", "words"),
    [
        (lambda b: b[:1] + b[2:], "block 2 missing"),
        (lambda b: [*b, b[0]], "given twice"),
        (lambda b: b[:2], "highest but not marked last"),
        (lambda b: [], "no General Block Transfer blocks"),
    ],
)
def test_incomplete_or_inconsistent_transfers_are_refused(pick: object, words: str) -> None:
    blocks = gbt_blocks(_response(), 200)
    assert callable(pick)
    with pytest.raises(GBCSFormatError, match=words):
        reassemble_blocks(pick(blocks))


def test_a_block_of_another_transfer_is_refused() -> None:
    blocks = gbt_blocks(_response(), 200)
    other = bytearray(blocks[1])
    other[10] ^= 0x01  # a byte of the routing header's originator counter
    with pytest.raises(GBCSFormatError, match="another transfer"):
        reassemble_blocks([blocks[0], bytes(other), blocks[2]])


def test_a_flipped_data_byte_fails_authentication() -> None:
    response = _response()
    blocks = gbt_blocks(response, 200)
    first = read_block(blocks[0])
    for i in range(first.data_start, first.data_end):
        bad = bytearray(blocks[0])
        bad[i] ^= 0x01
        with pytest.raises(DuisError) as caught:
            decode_blocks([bytes(bad), *blocks[1:]], _keys())
        # a flipped system title names a party whose key the keystore lacks
        assert caught.value.rule in ("gbcs.mac-invalid", "gbcs.malformed", "gbcs.key-missing")


def test_a_block_inside_a_block_is_refused() -> None:
    response = _response()
    [inner] = gbt_blocks(response, len(response))
    [outer] = gbt_blocks(inner, len(inner))
    nested = outer
    for _ in range(1200):  # deep nesting stays a library error, never a RecursionError
        [nested] = gbt_blocks(nested, len(nested))
    for data in (outer, nested):
        with pytest.raises(GBCSFormatError, match="inside a block"):
            decode(data, _keys())


def test_malformed_gbt_apdu_names_its_offset() -> None:
    block = bytearray(gbt_blocks(_response(), 200)[0])
    at = block.index(b"\xe0\x00\x00\x01")
    block[at] = 0xE1
    with pytest.raises(GBCSFormatError) as caught:
        read_block(bytes(block))
    assert caught.value.offset == at


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
@example(b"\xdd\x09")
@example(
    b"\xdd\x09\x02"
    + bytes(8)
    + b"\x08"
    + bytes(8)
    + b"\x08"
    + bytes(8)
    + b"\x00\x02\x00\x59\x00\x00"
)
def test_random_gbt_bytes_raise_only_library_errors(tail: bytes) -> None:
    data = b"\xdd\x09" + tail
    try:
        decode(data, None)
    except GBCSFormatError as exc:
        assert 0 <= exc.offset <= len(data)
    except DuisError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_blocks_raise_only_library_errors(data: st.DataObject) -> None:
    blocks = [bytearray(b) for b in gbt_blocks(_response(), 200)]
    for _ in range(data.draw(st.integers(1, 3))):
        block = blocks[data.draw(st.integers(0, len(blocks) - 1))]
        block[data.draw(st.integers(0, len(block) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(blocks[-1])))
    blocks[-1] = blocks[-1][:cut]
    try:
        decode_blocks([bytes(b) for b in blocks], _keys())
    except GBCSFormatError as exc:
        assert exc.offset >= 0
    except DuisError:
        pass


# GBZ: the extended header control field's bits


def _gbz_component(control: int, body: bytes) -> bytes:
    # profile 0109, 1 component: control, cluster 0702 (Metering), length, body
    return (
        bytes.fromhex("010901")
        + bytes([control])
        + b"\x07\x02"
        + len(body).to_bytes(2, "big")
        + body
    )


def test_gbz_component_with_an_unread_control_bit_is_kept_whole() -> None:
    body = bytes.fromhex("0801010000002503000000000000")  # would read as a ZCL frame
    payload = _gbz_component(0x05, body)  # last (01) + bit 0x04, no public layout
    message = decode(general_signing(cra=2, code=0x0074, payload=payload, signature=None), None)
    assert isinstance(message.payload, Record)
    [component] = message.payload.get("components")  # type: ignore[misc]
    assert isinstance(component, Record)
    opaque = component.get("payload")
    assert isinstance(opaque, Opaque) and opaque.data == body
    # the control byte's place: DF, 9+1 transaction id, 2x(1+8) titles, date-time 00,
    # other-information 02 0074, content length: payload at 34; 0109 and count: 37
    assert "0x04" in opaque.what and "byte 37" in opaque.what


def test_gbz_known_control_bits_still_read() -> None:
    body = bytes.fromhex("08010100000025E80300000000")  # attribute 0: UINT48 1000
    message = decode(
        general_signing(cra=2, code=0x0074, payload=_gbz_component(0x01, body), signature=None),
        None,
    )
    assert isinstance(message.payload, Record)
    [component] = message.payload.get("components")  # type: ignore[misc]
    assert isinstance(component, Record)
    [attribute] = component.get("payload")  # type: ignore[misc]
    assert isinstance(attribute, Record) and attribute.get("value") == 1000


def test_unread_gbz_bits_never_raise_anything_else() -> None:
    for control in range(256):
        with contextlib.suppress(GBCSDecodeError):
            decode(
                general_signing(
                    cra=2, payload=_gbz_component(control, b"\x08\x01\x01"), signature=None
                ),
                None,
            )
