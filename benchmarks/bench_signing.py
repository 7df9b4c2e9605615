"""How fast are ``signing.sign`` and ``signing.verify`` next to signxml and the floor?

Run: ``python benchmarks/bench_signing.py``. In one run on one machine, for a 3 KB
request (project-written, below) signed with a test-PKI xmlSign key, it times:

* sign: ``signing.sign`` (safe parse, credential checks, C14N, ECDSA, serialize;
  counter preserved, validation off) against signxml's ``XMLSigner`` (enveloped,
  ECDSA-SHA256) and against the floor: lxml parse + inclusive C14N + SHA-256 +
  cryptography's raw ECDSA sign + serialize.
* verify: ``signing.verify`` (safe parse, profile checks, signer lookup and binding,
  both C14Ns, ECDSA) against signxml's ``XMLVerifier`` on the same signed bytes, and
  against the floor: lxml parse + both C14Ns + SHA-256 + ECDSA verify.

Targets on the project machine: sign at most 120 us, verify at most 180 us (median).
Prints medians and ratios; exits 1 when a target is missed (or something fails to run).
"""

from __future__ import annotations

import base64
import hashlib
import statistics
import sys
import time
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from lxml import etree
from signxml import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConfiguration,
    SignatureMethod,
    XMLSigner,
    XMLVerifier,
)

from duis.ids import EUI64
from signing import Keystore, RemotePartyRole, make_test_pki, sign, verify

SR = "http://www.dccinterface.co.uk/ServiceUserGateway"
DS = "http://www.w3.org/2000/09/xmldsig#"
SIGN_TARGET_US = 120.0
VERIFY_TARGET_US = 180.0


def request_3kb() -> bytes:
    """A realistic ~3 KB request: header plus a body of many small elements."""
    rows = "".join(
        f'      <sr:Entry index="{i}"><sr:Start>2026-01-{i % 28 + 1:02d}T00:00:00Z</sr:Start>'
        f"<sr:Price>{1000 + i * 7}</sr:Price></sr:Entry>\n"
        for i in range(24)
    )
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sr:Request xmlns:sr="{SR}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'schemaVersion="5.4">\n  <sr:Header>\n'
        "    <sr:RequestID>90-B3-D5-1F-30-01-00-00:00-12-4B-00-0A-51-7E-01:1764230400003"
        "</sr:RequestID>\n    <sr:CommandVariant>1</sr:CommandVariant>\n"
        "    <sr:ServiceReference>1.1</sr:ServiceReference>\n"
        "    <sr:ServiceReferenceVariant>1.1.1</sr:ServiceReferenceVariant>\n"
        "  </sr:Header>\n  <sr:Body>\n    <sr:UpdateImportTariffPrimaryElement>\n"
        f"{rows}    </sr:UpdateImportTariffPrimaryElement>\n  </sr:Body>\n</sr:Request>\n"
    )
    return text.encode()


def median_us(fns: list[Callable[[], object]], rounds: int = 31, inner: int = 200) -> list[float]:
    """Median microseconds per call; functions take turns so load hits all alike."""
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            for _ in range(inner):
                fn()
            samples[i].append((time.perf_counter() - start) / inner * 1e6)
    return [statistics.median(s) for s in samples]


def main() -> int:
    user = EUI64.parse("90-B3-D5-1F-30-01-00-00")
    pki = make_test_pki([(user, RemotePartyRole.XML_SIGN)])
    creds = pki.organisations[0]
    keystore = Keystore([creds.certificate], [creds.private_key])
    key = creds.private_key
    pub = creds.certificate.public_key
    cert_pem = creds.certificate.certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    data = request_3kb()
    signed = sign(data, credentials=creds, preserve_counter=True, validate=False).xml
    print(f"request: {len(data)} bytes; signed: {len(signed)} bytes")

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    ecdsa = ec.ECDSA(hashes.SHA256())
    signer = XMLSigner(
        signature_algorithm=SignatureMethod.ECDSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    config = SignatureConfiguration(
        require_x509=False,
        signature_methods=frozenset({SignatureMethod.ECDSA_SHA256}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
        expect_references=1,
    )

    def ours_sign() -> object:
        return sign(data, credentials=creds, preserve_counter=True, validate=False)

    def signxml_sign() -> object:
        root = etree.fromstring(data, parser)
        return etree.tostring(signer.sign(root, key=key_pem, cert=cert_pem))

    def floor_sign() -> object:
        root = etree.fromstring(data, parser)
        digest = hashlib.sha256(etree.tostring(root.getroottree(), method="c14n")).digest()
        key.sign(base64.b64encode(digest) * 8, ecdsa)
        return etree.tostring(root)

    def ours_verify() -> object:
        return verify(signed, keystore)

    def signxml_verify() -> object:
        return XMLVerifier().verify(signed, x509_cert=cert_pem, expect_config=config)

    raw_value = base64.b64decode(
        "".join(etree.fromstring(signed).findtext(f".//{{{DS}}}SignatureValue", "").split())
    )
    der = encode_dss_signature(
        int.from_bytes(raw_value[:32], "big"), int.from_bytes(raw_value[32:], "big")
    )

    def floor_verify() -> object:
        root = etree.fromstring(signed, parser)
        sig = root[-1]
        si = etree.tostring(sig[0], method="c14n", exclusive=True)
        root.remove(sig)
        hashlib.sha256(etree.tostring(root.getroottree(), method="c14n")).digest()
        pub.verify(der, si, ecdsa)
        return root

    # Each must work before it is timed.
    verify(ours_sign().xml, keystore)  # type: ignore[attr-defined]
    signxml_verify()
    floor_verify()
    signxml_sign()

    s_ours, s_signxml, s_floor = median_us([ours_sign, signxml_sign, floor_sign])
    v_ours, v_signxml, v_floor = median_us([ours_verify, signxml_verify, floor_verify])
    missed = 0
    print()
    print(f"{'':8}{'duis':>10}{'signxml':>10}{'floor':>10}{'vs signxml':>12}{'vs floor':>10}")
    for label, ours, peer, floor, target in (
        ("sign", s_ours, s_signxml, s_floor, SIGN_TARGET_US),
        ("verify", v_ours, v_signxml, v_floor, VERIFY_TARGET_US),
    ):
        print(
            f"{label:8}{ours:>8.0f}us{peer:>8.0f}us{floor:>8.0f}us"
            f"{ours / peer:>11.2f}x{ours / floor:>9.2f}x   target <= {target:.0f}us: "
            f"{'met' if ours <= target else 'MISSED'}"
        )
        missed += ours > target
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
