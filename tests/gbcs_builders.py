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
