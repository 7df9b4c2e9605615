"""GBCS security: the KDF, AES-GCM MAC checks and decryption, ECDSA signature checks.

Facts (GBCS section 4, as implemented by DCC's gbcs-parser):

* The AES-128 key is the first 16 bytes of SHA-256(00000001 || Z || OtherInfo), Z the
  ECDH P-256 shared secret of one party's key-agreement private key and the other's
  public key (the NIST SP 800-56A single-step KDF with one round).
* OtherInfo = algorithm id ``60 85 74 06 08 03 00`` || originator system title ||
  ``09`` || use (1 command, 2 response, 3 alert MAC; 4 encryption) || counter (8) ||
  recipient system title. For encryption the counter and recipient are the
  supplementary originator counter and supplementary remote party when present.
* GCM with a 12-byte tag and IV = originator system title || ``00000000``. A MAC
  authenticates the security header (``11 00000000`` in GBCS: security control and a
  zero invocation counter) and a zero byte, then the grouping header and payload. The
  header is taken from the message, not assumed, so altering it fails the MAC. The
  encrypted parts of a payload use additional data ``31`` and carry their tag last.
* Signatures are ECDSA P-256 / SHA-256 over the message after its ``DF`` tag up to the
  payload's end, as raw r || s (64 bytes).
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from mmc.gbcs._envelope import CRA, Envelope
from mmc.payload._keys import GBCSKeystore

__all__ = ["check_mac", "check_signature", "decrypt", "derive_key"]

_ALGORITHM_ID = bytes.fromhex("60857406080300")
_ENCRYPTION_AAD = bytes([0x31])
_TAG = 12
_ENCRYPTION_USE = 4


def derive_key(
    private: ec.EllipticCurvePrivateKey,
    public: ec.EllipticCurvePublicKey,
    originator: bytes,
    use: int,
    counter: bytes,
    recipient: bytes,
) -> bytes:
    """The GBCS AES-128 key for one message (see the module docstring)."""
    shared = private.exchange(ec.ECDH(), public)
    other = _ALGORITHM_ID + originator + bytes([0x09, use]) + counter + recipient
    return hashlib.sha256(b"\x00\x00\x00\x01" + shared + other).digest()[:16]


def _gcm_open(key: bytes, iv: bytes, aad: bytes, ciphertext: bytes, tag: bytes) -> bytes | None:
    decryptor = Cipher(algorithms.AES(key), modes.GCM(iv, tag, min_tag_length=_TAG)).decryptor()
    decryptor.authenticate_additional_data(aad)
    plain = decryptor.update(ciphertext)
    try:
        return plain + decryptor.finalize()
    except InvalidTag:
        return None


def _pair(
    env: Envelope, keys: GBCSKeystore, recipient: bytes
) -> tuple[ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey]:
    """The recipient's private KA key and the originator's public one (or the reverse)."""
    if keys.has_private(recipient, "ka"):
        return keys.private_key(recipient, "ka"), keys.public_key(env.originator, "ka")
    return keys.private_key(env.originator, "ka"), keys.public_key(recipient, "ka")


def check_mac(env: Envelope, keys: GBCSKeystore) -> bool:
    """Whether the general-ciphering MAC verifies. Raises GBCSKeyError without keys."""
    if env.mac is None or env.mac_range is None:
        raise ValueError("not a general-ciphering message")
    private, public = _pair(env, keys, env.recipient)
    key = derive_key(
        private, public, env.originator, int(env.cra), env.counter_bytes, env.recipient
    )
    start, end = env.mac_range
    aad = env.raw[start - 5 : start] + b"\x00" + env.raw[start:end]
    return _gcm_open(key, env.originator + bytes(4), aad, b"", env.mac) is not None


def check_signature(env: Envelope, keys: GBCSKeystore) -> bool:
    """Whether the ECDSA signature verifies with the originator's DS certificate."""
    if env.signature is None:
        raise ValueError("message carries no signature")
    public = keys.public_key(env.originator, "ds")
    r = int.from_bytes(env.signature[:32], "big")
    s = int.from_bytes(env.signature[32:], "big")
    start, end = env.signed_range
    try:
        public.verify(encode_dss_signature(r, s), env.raw[start:end], ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def encryption_key(env: Envelope, keys: GBCSKeystore) -> bytes:
    """The key for the encrypted parts of a payload (use 4)."""
    party = env.supplementary_remote_party or env.recipient
    counter = env.supplementary_originator_counter or env.counter_bytes
    private, public = _pair(env, keys, party)
    return derive_key(private, public, env.originator, _ENCRYPTION_USE, counter, party)


def decrypt(env: Envelope, key: bytes, ciphertext_and_tag: bytes) -> bytes | None:
    """Decrypt one encrypted part (ciphertext || 12-byte tag); None if it fails to verify."""
    if len(ciphertext_and_tag) < _TAG:
        return None
    return _gcm_open(
        key,
        env.originator + bytes(4),
        _ENCRYPTION_AAD,
        ciphertext_and_tag[:-_TAG],
        ciphertext_and_tag[-_TAG:],
    )


_ = CRA  # re-exported type used in signatures of callers
