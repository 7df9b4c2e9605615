"""Build GBCS general-signing messages byte by byte from the layout (for tests).

The layout is written out here from GBCS, independently of the reader, so the tests
check the reader against the specification rather than against itself.
"""

from __future__ import annotations


def ber(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    if n < 0x100:
        return bytes([0x81, n])
    return bytes([0x82]) + n.to_bytes(2, "big")


def general_signing(
    *,
    cra: int = 1,
    counter: int = 0x0000000000000456,
    originator: bytes = bytes.fromhex("90B3D51F30010000"),
    target: bytes = bytes.fromhex("00DB1234567890A0"),
    date_time: bytes | None = None,
    code: int = 0x0019,
    extras: bytes = b"",
    payload: bytes = b"\x01\x02\x03",
    signature: bytes | None = b"",
) -> bytes:
    other = code.to_bytes(2, "big") + extras
    out = b"\xdf\x09" + bytes([cra]) + counter.to_bytes(8, "big")
    out += b"\x08" + originator + b"\x08" + target
    out += b"\x00" if date_time is None else b"\x0c" + date_time
    out += ber(len(other)) + other + ber(len(payload)) + payload
    if signature is not None:
        out += ber(len(signature)) + signature
    return out


def mac_header(inner: bytes, *, ic: int = 7, mac: bytes = b"\xaa" * 12) -> bytes:
    body = b"\x11" + ic.to_bytes(4, "big") + inner + mac
    return b"\xdd" + b"\x00" * 6 + ber(len(body)) + body


def sealed_mac_header(inner: bytes, private: object, public: object) -> bytes:
    """``inner`` (a general-signing message) behind a MAC header with a real GBCS MAC.

    Written from GBCS section 4, not from the decoder: AES-128 key = first 16 bytes of
    SHA-256(00000001 || Z || OtherInfo), Z the ECDH P-256 secret, OtherInfo = algorithm
    id 60 85 74 06 08 03 00 || originator || 09 || CRA flag || counter || recipient;
    AES-GCM, IV = originator || 00000000, 12-byte tag over the security header
    (11 00000000), a zero byte and the general-signing message.
    """
    import hashlib

    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    assert isinstance(private, ec.EllipticCurvePrivateKey)
    assert isinstance(public, ec.EllipticCurvePublicKey)
    cra, counter, originator, recipient = inner[2], inner[3:11], inner[12:20], inner[21:29]
    shared = private.exchange(ec.ECDH(), public)
    other = bytes.fromhex("60857406080300") + originator + bytes([0x09, cra]) + counter
    key = hashlib.sha256(b"\x00\x00\x00\x01" + shared + other + recipient).digest()[:16]
    security_header = b"\x11\x00\x00\x00\x00"
    encryptor = Cipher(algorithms.AES(key), modes.GCM(originator + bytes(4))).encryptor()
    encryptor.authenticate_additional_data(security_header + b"\x00" + inner)
    encryptor.finalize()
    return mac_header(inner, ic=0, mac=encryptor.tag[:12])


def gbt_blocks(message: bytes, size: int, *, code: int = 0x0059) -> list[bytes]:
    """``message`` cut into General Block Transfer blocks of ``size`` data bytes each.

    Each block: Message Routing Header (DD, the message's transaction id and system
    titles, date-time 00, other-information 02 + message code, key-info 00), BER
    length, a 5-byte security header, then DLMS's GBT APDU: E0, block-control (0x80
    on the last block), block-number from 1, block-number-ack 0, A-XDR length, data.
    """
    start = 0 if message[0] == 0xDF else message.index(b"\xdf\x09")
    routing = message[start + 1 : start + 29]  # 09 CRA counter 08 originator 08 target
    parts = [message[i : i + size] for i in range(0, len(message), size)]
    out = []
    for number, part in enumerate(parts, 1):
        control = 0x80 if number == len(parts) else 0x00
        apdu = bytes([0xE0, control]) + number.to_bytes(2, "big") + b"\x00\x00"
        apdu += ber(len(part)) + part
        content = b"\x00" * 5 + apdu
        head = b"\xdd" + routing + b"\x00" + b"\x02" + code.to_bytes(2, "big") + b"\x00"
        out.append(head + ber(len(content)) + content)
    return out


def parties_cut(n: int) -> str:
    """What the reader says of a general-signing or routing header cut at byte ``n``
    (1..28): the transaction id and the two system titles, the part both share."""
    if n == 1:
        return "byte 1: truncated: transaction-id length missing"
    if n == 2:
        return "byte 2: truncated: CRA flag missing"
    if n <= 10:
        return f"byte 3: truncated: originator counter needs 8 bytes, {n - 3} left"
    if n == 11:
        return "byte 11: truncated: business originator length missing"
    if n <= 19:
        return f"byte 12: truncated: business originator needs 8 bytes, {n - 12} left"
    if n == 20:
        return "byte 20: truncated: business target length missing"
    return f"byte 21: truncated: business target needs 8 bytes, {n - 21} left"
