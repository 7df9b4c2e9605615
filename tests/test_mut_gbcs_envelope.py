"""The grouping header read field by field, each refusal at its hand-counted byte.

Messages come from ``tests/gbcs_builders.py`` (written from the GBCS layout, not from
the reader). With the builder's defaults a general-signing message is laid out:

    0  DF
    1  09 | 2 CRA | 3..10 counter        transaction id
    11 08 | 12..19 originator            system title
    20 08 | 21..28 recipient             system title
    29 00                                date-time (none)
    30 02 | 31..32 message code          other-information
    33 03 | 34..36 payload               content
    37 signature length (00: empty; absent when the builder is given None)

and the MAC header wraps it as ``DD`` 00 x 6, a length at 7, security control at 8,
invocation counter 9..12, the message from 13, and the 12-byte MAC last.
"""

from __future__ import annotations

import pytest

from mmc.gbcs import CRA, GBCSFormatError, MessageKind, read_envelope
from mmc.gbcs._envelope import MAX_MESSAGE
from tests.gbcs_builders import general_signing, mac_header, parties_cut

ORIGINATOR = bytes.fromhex("90B3D51F30010000")
TARGET = bytes.fromhex("00DB1234567890A0")
SIGNATURE = bytes(range(64))


def refusal(data: bytes) -> tuple[int, str]:
    with pytest.raises(GBCSFormatError) as info:
        read_envelope(data)
    return info.value.offset, info.value.message


def test_a_general_signing_message_is_read_to_the_byte() -> None:
    raw = general_signing(cra=2, counter=0x0102030405060708, code=0x0027)
    e = read_envelope(raw)
    assert (e.kind, e.cra, e.counter, e.counter_bytes) == (
        MessageKind.GENERAL_SIGNING,
        CRA.RESPONSE,
        0x0102030405060708,
        bytes.fromhex("0102030405060708"),
    )
    assert (e.originator, e.recipient, e.message_code) == (ORIGINATOR, TARGET, 0x0027)
    assert (e.date_time, e.date_time_raw, e.other_information) == (None, None, b"\x00\x27")
    assert (e.supplementary_remote_party, e.supplementary_originator_counter) == (None, None)
    assert (e.payload_start, e.payload_end, e.payload) == (34, 37, b"\x01\x02\x03")
    assert (e.signed_range, e.signing_start, e.signing_end) == ((1, 37), 0, 38)
    assert (e.signature, e.signature_offset) == (None, 37)  # "00": an empty signature
    assert (e.security_control, e.mac_range, e.mac, e.mac_offset) == (None, None, None, None)
    assert e.invocation_counter is None and e.raw == raw


def test_a_signature_is_64_bytes_or_absent() -> None:
    signed = read_envelope(general_signing(signature=SIGNATURE))
    assert (signed.signature, signed.signature_offset, signed.signing_end) == (
        SIGNATURE,
        37,
        102,
    )
    absent = read_envelope(general_signing(signature=None))
    assert (absent.signature, absent.signature_offset, absent.signing_end) == (None, None, 37)
    assert refusal(general_signing(signature=SIGNATURE[:63])) == (
        37,
        "byte 37: signature length 63: GBCS signatures are 64 bytes",
    )
    assert refusal(general_signing(signature=b"") + b"\xaa\xbb") == (
        38,
        "byte 38: 2 unexpected bytes after the signature",
    )


@pytest.mark.parametrize(
    ("extras", "remote", "counter"),
    [
        (bytes(range(8)), bytes(range(8)), None),  # 10: remote party
        (bytes(range(16)), bytes(range(8)), None),  # 18: and its counter
        (bytes(range(24)), bytes(range(8)), bytes(range(16, 24))),  # 26: and originator's
        (bytes(range(25)), bytes(range(8)), None),  # 27: longer than GBCS gives: read on
    ],
    ids=["10", "18", "26", "27"],
)
def test_supplementary_fields_by_other_information_length(
    extras: bytes, remote: bytes, counter: bytes | None
) -> None:
    e = read_envelope(general_signing(code=0x0059, extras=extras))
    assert e.message_code == 0x0059 and e.other_information == b"\x00\x59" + extras
    assert (e.supplementary_remote_party, e.supplementary_originator_counter) == (remote, counter)


@pytest.mark.parametrize("size", [0, 1, 3, 9, 11, 17, 19, 25])
def test_other_information_of_a_length_gbcs_does_not_give_is_refused(size: int) -> None:
    raw = bytearray(general_signing(extras=bytes(max(size - 2, 0))))
    if size < 2:  # shorter than the code: rewrite the field itself
        raw = bytearray(raw[:30] + bytes([size]) + bytes(size) + raw[33:])
    offset, message = refusal(bytes(raw))
    assert (offset, message) == (
        30,
        f"byte 30: other-information of {size} bytes: GBCS gives 2 (message code), "
        "10, 18 or 26 (with supplementary fields)",
    )


@pytest.mark.parametrize(
    ("at", "value", "offset", "message"),
    [
        (1, 8, 1, "transaction-id must be 9 bytes (CRA flag and counter)"),
        (2, 0, 2, "CRA flag 0: expected 1 (command), 2 (response) or 3 (alert)"),
        (2, 4, 2, "CRA flag 4: expected 1 (command), 2 (response) or 3 (alert)"),
        (11, 7, 11, "business originator must be 8 bytes (an EUI-64)"),
        (20, 9, 20, "business target must be 8 bytes (an EUI-64)"),
    ],
    ids=["transaction-id", "cra-0", "cra-4", "originator", "target"],
)
def test_a_malformed_transaction_id_or_title_is_refused_at_its_byte(
    at: int, value: int, offset: int, message: str
) -> None:
    raw = bytearray(general_signing())
    raw[at] = value
    assert refusal(bytes(raw)) == (offset, f"byte {offset}: {message}")


@pytest.mark.parametrize("cra", [1, 2, 3])
def test_each_cra_flag_reads_on_the_fast_and_the_field_by_field_path(cra: int) -> None:
    fast = read_envelope(general_signing(cra=cra))
    assert fast.cra == CRA(cra)
    # A truncated message takes the field-by-field path: it reads the same until the end.
    assert refusal(general_signing(cra=cra)[:27]) == (
        21,
        "byte 21: truncated: business target needs 8 bytes, 6 left",
    )


def test_a_message_that_is_not_gbcs_or_too_large_is_refused_first() -> None:
    assert refusal(b"\x30\x00") == (
        0,
        "byte 0: grouping header tag 0x30: not a GBCS message (expected DF for general "
        "signing or DD for general ciphering)",
    )
    assert refusal(b"") == (0, "byte 0: truncated: grouping header tag missing")
    big = general_signing() + bytes(MAX_MESSAGE)  # the size is refused before reading
    assert refusal(big) == (
        0,
        f"byte 0: message of {len(big)} bytes exceeds the 1048576-byte limit",
    )


# -- the MAC header ------------------------------------------------------------------------


def test_a_mac_header_message_is_read_with_its_seal() -> None:
    inner = general_signing(cra=2, signature=None)
    raw = mac_header(inner, ic=0x01020304, mac=b"\xcc" * 12)
    e = read_envelope(raw)
    assert (e.kind, e.security_control, e.invocation_counter) == (
        MessageKind.MAC_HEADER,
        0x11,
        0x01020304,
    )
    end = len(raw) - 12
    assert (e.mac_range, e.mac, e.mac_offset) == ((13, end), b"\xcc" * 12, end)
    assert (e.signed_range, e.signing_start, e.signing_end) == ((14, 50), 13, end)
    assert (e.payload_start, e.payload, e.signature) == (47, b"\x01\x02\x03", None)


@pytest.mark.parametrize(
    ("change", "offset", "message"),
    [
        (
            (3, 1),
            3,
            "MAC header: transaction-id, system titles, date-time, other-information and "
            "key-info must be empty (00) in GBCS",
        ),
        (
            (6, 9),
            6,
            "MAC header: transaction-id, system titles, date-time, other-information and "
            "key-info must be empty (00) in GBCS",
        ),
        ((8, 0x10), 8, "security control 0x10: GBCS's MAC header uses 0x11"),
        ((13, 0xDD), 13, "protected message tag 0xDD: expected DF (general signing)"),
    ],
    ids=["zero-3", "zero-6", "security-control", "inner-tag"],
)
def test_a_malformed_mac_header_is_refused_at_its_byte(
    change: tuple[int, int], offset: int, message: str
) -> None:
    raw = bytearray(mac_header(general_signing(signature=None)))
    at, value = change
    raw[at] = value
    assert refusal(bytes(raw)) == (offset, f"byte {offset}: {message}")


def test_mac_header_lengths_must_match_and_leave_room() -> None:
    raw = mac_header(general_signing(signature=None))
    assert refusal(raw + b"\x00") == (
        8,
        f"byte 8: MAC header length {raw[7]} but {raw[7] + 1} bytes follow",
    )
    assert refusal(raw[:-1]) == (
        8,
        f"byte 8: MAC header length {raw[7]} but {raw[7] - 1} bytes follow",
    )
    tight = b"\xdd" + bytes(6) + bytes([1 + 4 + 12]) + b"\x11" + bytes(4) + b"\xdf" + bytes(11)
    assert refusal(tight) == (
        13,
        "byte 13: truncated MAC header: no room for a message and the 12-byte MAC",
    )


# -- a GBT block as the message --------------------------------------------------------------


def _block(number: int, last: bool, data: bytes) -> bytes:
    apdu = bytes([0xE0, 0x80 if last else 0x00]) + number.to_bytes(2, "big") + bytes(2)
    apdu += bytes([len(data)]) + data
    content = bytes.fromhex("3100000000") + apdu
    head = b"\xdd\x09\x02" + bytes(8) + b"\x08" + TARGET + b"\x08" + ORIGINATOR
    return head + b"\x00\x02\x00\x59\x00" + bytes([len(content)]) + content


def test_a_single_block_transfer_is_read_in_place() -> None:
    inner = general_signing(cra=2, code=0x0059)
    e = read_envelope(_block(1, True, inner))
    assert (e.kind, e.message_code, e.payload) == (
        MessageKind.GENERAL_SIGNING,
        0x0059,
        b"\x01\x02\x03",
    )
    assert e.payload_start == 47 + 34  # the block's data starts at 47


@pytest.mark.parametrize(
    ("number", "last", "what"),
    [(2, False, "block 2"), (3, True, "block 3 (the last)"), (1, False, "block 1")],
    ids=["middle", "last", "first-of-more"],
)
def test_one_block_of_a_longer_transfer_is_refused(number: int, last: bool, what: str) -> None:
    assert refusal(_block(number, last, general_signing())) == (
        1,
        f"byte 1: General Block Transfer {what} of a longer message: pass all its blocks "
        "to reassemble_blocks (mmc.gbcs) or decode_blocks (mmc.payload)",
    )


def test_a_block_inside_a_block_is_refused_where_the_inner_one_starts() -> None:
    assert refusal(_block(1, True, _block(1, True, general_signing()))) == (
        47,
        "byte 47: a General Block Transfer block inside a block",
    )


def test_a_message_of_exactly_the_limit_is_read_not_refused_for_its_size() -> None:
    raw = general_signing(signature=b"")
    exact = raw + bytes(MAX_MESSAGE - len(raw))
    offset, message = refusal(exact)
    assert (offset, message) == (
        38,
        f"byte 38: {MAX_MESSAGE - 38} unexpected bytes after the signature",
    )


@pytest.mark.parametrize(
    ("raw", "offset", "message"),
    [
        (general_signing()[:30], 30, "truncated: other-information missing"),
        (general_signing()[:31], 31, "truncated: other-information needs 2 bytes, 0 left"),
        (general_signing()[:33], 33, "truncated: content missing"),
        (general_signing()[:35], 34, "truncated: content needs 3 bytes, 1 left"),
        (
            general_signing(signature=None) + b"\x40" + SIGNATURE[:10],
            38,
            "truncated: signature needs 64 bytes, 10 left",
        ),
        (
            general_signing()[:30] + b"\x81\x02" + general_signing()[31:],
            30,
            "other-information: 81 02 is not the shortest BER form",
        ),
        (
            general_signing()[:33] + b"\x81\x03" + general_signing()[34:],
            33,
            "content: 81 03 is not the shortest BER form",
        ),
        (
            general_signing(signature=None) + b"\x81\x40" + SIGNATURE,
            37,
            "signature: 81 40 is not the shortest BER form",
        ),
        (b"\xdd\x00\x00", 3, "truncated: MAC header field (zero length) missing"),
    ],
    ids=[
        "other-length",
        "other-bytes",
        "content-length",
        "content-bytes",
        "signature-bytes",
        "other-shortest",
        "content-shortest",
        "signature-shortest",
        "mac-zero-field",
    ],
)
def test_each_field_names_itself_when_truncated_or_not_in_shortest_form(
    raw: bytes, offset: int, message: str
) -> None:
    assert refusal(raw) == (offset, f"byte {offset}: {message}")


def test_the_mac_header_length_must_be_in_shortest_form() -> None:
    raw = mac_header(general_signing(signature=None))
    assert raw[7] < 0x80
    longer = raw[:7] + b"\x81" + raw[7:]
    assert refusal(longer) == (
        7,
        f"byte 7: MAC header: 81 {raw[7]:02X} is not the shortest BER form",
    )


def _signing_cut(n: int) -> str:
    if n == 0:
        return "byte 0: truncated: grouping header tag missing"
    if n <= 28:
        return parties_cut(n)
    return {
        29: "byte 29: truncated: date-time length missing",
        30: "byte 30: truncated: other-information missing",
        31: "byte 31: truncated: other-information needs 2 bytes, 0 left",
        32: "byte 31: truncated: other-information needs 2 bytes, 1 left",
        33: "byte 33: truncated: content missing",
    }.get(n, f"byte 34: truncated: content needs 3 bytes, {n - 34} left")


@pytest.mark.parametrize("n", range(37))
def test_a_message_cut_anywhere_names_the_field_it_was_cut_in(n: int) -> None:
    raw = general_signing(signature=b"")
    assert refusal(raw[:n])[1] == _signing_cut(n)
    assert read_envelope(raw[:37]).signature_offset is None  # cut after the content: whole


@pytest.mark.parametrize("n", range(1, 62))
def test_a_mac_header_cut_anywhere_names_where(n: int) -> None:
    raw = mac_header(general_signing(signature=None))
    assert len(raw) == 62 and raw[7] == 54
    if n <= 6:
        expected = f"byte {n}: truncated: MAC header field (zero length) missing"
    elif n == 7:
        expected = "byte 7: truncated: MAC header missing"
    else:
        expected = f"byte 8: MAC header length 54 but {n - 8} bytes follow"
    assert refusal(raw[:n])[1] == expected


def test_the_mac_headers_own_fields_name_themselves_when_cut() -> None:
    head = b"\xdd" + bytes(6)
    assert refusal(head + b"\x00") == (8, "byte 8: truncated: security control missing")
    assert refusal(head + b"\x03\x11\x00\x00") == (
        9,
        "byte 9: truncated: invocation counter needs 4 bytes, 2 left",
    )
    # Room for the DF tag and the 12-byte MAC, and nothing more: read on, then refused
    # inside the message; one byte less has no room at all.
    room = head + bytes([1 + 4 + 13]) + b"\x11" + bytes(4) + b"\xdf" + bytes(12)
    assert refusal(room) == (14, "byte 14: truncated: transaction-id length missing")
    less = head + bytes([1 + 4 + 12]) + b"\x11" + bytes(4) + b"\xdf" + bytes(11)
    assert refusal(less)[1] == (
        "byte 13: truncated MAC header: no room for a message and the 12-byte MAC"
    )


@pytest.mark.parametrize(
    ("changes", "offset", "message"),
    [
        # each malformed field with the byte beside it set to what the field should
        # hold, so a fast-path check of the wrong byte would accept the message
        ({2: 0, 3: 2}, 2, "CRA flag 0: expected 1 (command), 2 (response) or 3 (alert)"),
        ({11: 7, 12: 8}, 11, "business originator must be 8 bytes (an EUI-64)"),
        ({20: 9, 21: 8}, 20, "business target must be 8 bytes (an EUI-64)"),
        ({11: 7}, 11, "business originator must be 8 bytes (an EUI-64)"),
        ({20: 9}, 20, "business target must be 8 bytes (an EUI-64)"),
    ],
    ids=["cra-beside", "originator-beside", "target-beside", "originator-08s", "target-08s"],
)
def test_the_fast_path_checks_exactly_the_header_bytes(
    changes: dict[int, int], offset: int, message: str
) -> None:
    # A payload of 08 bytes: a check counted from the wrong end would find 08 there.
    raw = bytearray(general_signing(payload=b"\x08" * 20, signature=b""))
    for at, value in changes.items():
        raw[at] = value
    assert refusal(bytes(raw)) == (offset, f"byte {offset}: {message}")
