"""How fast are GBCS header reading and Pre-Command signing next to the floor?

Run: ``PYTHONPATH=. python benchmarks/bench_gbcs.py`` (or with the project installed).
In one run on one machine, for a 1.4 KB Pre-Command (project-built to the GBCS
layout, the size of a tariff command) and a test-PKI Digital Signing key, it times:

* read: ``mmc.gbcs.read_message`` (bounds-checked header walk, message-code lookup)
  against the floor: slicing the same fields out with fixed offsets, no checks;
* sign: ``signing.sign_pre_command`` (read, Pre-Command and key checks, ECDSA, r||s)
  against the floor: cryptography's raw ECDSA P-256/SHA-256 sign of the same bytes;
* verify: ``signing.verify_command`` against cryptography's raw ECDSA verify.

Targets (median, on the shared 2-core project machine): read at most 25 us; sign
and verify within 2x their floor (signing pays one header read, about 15 us, on top
of the ECDSA that is the floor).
Prints medians and ratios; exits 1 on a missed target.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from duis.ids import EUI64
from mmc.gbcs import read_message
from signing import RemotePartyRole, make_test_pki, sign_pre_command, verify_command

READ_TARGET_US = 25.0
RATIO_TARGET = 2.0
SUPPLIER = EUI64.parse("90-B3-D5-1F-30-01-00-00")


def pre_command(payload_size: int = 1300) -> bytes:
    """A general-signing command without signature: header, 1.3 KB payload."""
    payload = bytes(i % 251 for i in range(payload_size))
    out = b"\xdf\x09\x01" + (1004).to_bytes(8, "big")
    out += b"\x08" + bytes.fromhex(SUPPLIER.hex) + b"\x08" + bytes.fromhex("00DB1234567890A0")
    out += b"\x00" + b"\x02\x00\x19"
    out += b"\x82" + len(payload).to_bytes(2, "big") + payload
    return out


def median_us(fn: Callable[[], object], n: int) -> float:
    for _ in range(max(10, n // 20)):
        fn()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e6


def main() -> int:
    pki = make_test_pki([(SUPPLIER, RemotePartyRole.SUPPLIER)])
    creds = pki.organisations[0]
    key = creds.private_key
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    pub = key.public_key()
    pre = pre_command()
    signed = sign_pre_command(pre, creds)
    tbs = pre[1:]
    der = key.sign(tbs, ec.ECDSA(hashes.SHA256()))
    r = int.from_bytes(signed[-64:-32], "big")
    s = int.from_bytes(signed[-32:], "big")

    def floor_read() -> object:
        return (pre[2], pre[3:11], pre[12:20], pre[21:29], pre[31:33], pre[36:])

    def floor_verify() -> None:
        pub.verify(encode_dss_signature(r, s), signed[1:-65], ec.ECDSA(hashes.SHA256()))

    rows = [
        ("read", median_us(lambda: read_message(pre), 5000), median_us(floor_read, 5000)),
        (
            "sign",
            median_us(lambda: sign_pre_command(pre, creds), 500),
            median_us(lambda: key.sign(tbs, ec.ECDSA(hashes.SHA256())), 500),
        ),
        (
            "verify",
            median_us(lambda: verify_command(signed, creds.certificate), 500),
            median_us(floor_verify, 500),
        ),
    ]
    assert der  # the floor's signature is a real one
    failed = False
    print(f"{'step':<8}{'ours us':>10}{'floor us':>10}{'ratio':>8}")
    for name, ours, floor in rows:
        ratio = ours / floor
        print(f"{name:<8}{ours:>10.1f}{floor:>10.1f}{ratio:>8.2f}")
        if name == "read" and ours > READ_TARGET_US:
            print(f"  MISSED: read above {READ_TARGET_US} us")
            failed = True
        if name != "read" and ratio > RATIO_TARGET:
            print(f"  MISSED: {name} above {RATIO_TARGET}x the floor")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
