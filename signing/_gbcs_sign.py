"""Sign and verify GBCS commands: the User's Digital Signing signature on a Pre-Command.

A critical command comes back from the DCC as a ``PreCommand``: a GBCS general-signing
command that ends after its payload, without a signature (every RTDS Pre-Command; an
empty ``00`` field is accepted too). The User signs the bytes from just after the
``DF`` tag to the end of the payload with the Digital Signing key of the business
originator (ECDSA P-256, SHA-256) and appends the signature field: ``40`` and the
64-byte raw signature r || s (IEEE P1363, not DER). That key is not the xmlSign
key: an xmlSign key signs DUIS XML only, so it is refused here, and so is a key whose
certificate's EUI is not the Pre-Command's business originator (the device would reject
the command). See ``docs/critical-commands.md``.
"""

from __future__ import annotations

from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from mmc.gbcs import GBCSMessage, read_message
from signing._certs import CertificateUse, OrgCertificate, utcnow
from signing._exceptions import CredentialValidityError, SigningError, VerificationError
from signing._keystore import Credentials

__all__ = [
    "GBCSKeyError",
    "GBCSSignatureError",
    "NotPreCommandError",
    "sign_pre_command",
    "verify_command",
]

_HALF = 32
#: ECDSA with SHA-256: the GBCS command signature algorithm (stateless, built once).
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())


class GBCSKeyError(SigningError):
    """The key offered cannot sign this GBCS command (xmlSign key, other EUI)."""

    rule = "gbcs.wrong-key"


class NotPreCommandError(SigningError):
    """The bytes are not a Pre-Command: no empty signature field to fill."""

    rule = "precommand.not-precommand"


class GBCSSignatureError(VerificationError):
    """A GBCS command's signature is missing or does not hold for the certificate."""

    rule = "gbcs.signature-invalid"


def _message(data: bytes | GBCSMessage, source: str | None) -> GBCSMessage:
    return data if isinstance(data, GBCSMessage) else read_message(data, source=source)


def check_signing_key(message: GBCSMessage, certificate: OrgCertificate) -> None:
    """Refuse a certificate that may not sign ``message`` (raises :class:`GBCSKeyError`)."""
    if certificate.use is not CertificateUse.DIGITAL_SIGNING:
        what = certificate.use.value if certificate.use else "non-signing"
        raise GBCSKeyError(
            f"a GBCS command is signed with a Digital Signing key, not an {what} one "
            f"({certificate.describe()}); xmlSign keys sign DUIS XML only",
            source=certificate.source,
        )
    if certificate.eui != message.originator:
        raise GBCSKeyError(
            f"the certificate's EUI {certificate.eui} is not the command's business "
            f"originator {message.originator}",
            source=certificate.source,
        )


def sign_pre_command(
    data: bytes | GBCSMessage,
    credentials: Credentials,
    *,
    at: datetime | None = None,
    source: str | None = None,
) -> bytes:
    """Return the signed general-signing command for a Pre-Command's bytes.

    The result is the Pre-Command up to the end of its payload followed by ``40`` +
    r || s. Raises :class:`NotPreCommandError` for a message that is not an unsigned
    command, :class:`GBCSKeyError` for a key that may not sign it, and
    :class:`~mmc.gbcs.GBCSFormatError` for bytes that are not a GBCS message, and
    :class:`CredentialValidityError` for a certificate not valid at ``at`` (default now):
    the keystore offers an expired key when it has no other, for this check to name.
    """
    message = _message(data, source)
    if not message.is_pre_command:
        raise NotPreCommandError(
            f"not a Pre-Command ({message.describe()}): only a command without a "
            "signature is signed",
            source=source,
        )
    check_signing_key(message, credentials.certificate)
    problem = credentials.certificate.validity_problem(at or utcnow())
    if problem is not None:
        raise CredentialValidityError(
            f"Digital Signing certificate {problem}; for test certificates give the signing "
            f"time with --at / at= ({credentials.certificate.describe()})",
            source=source,
        )
    key = credentials.private_key
    if not isinstance(key, ec.EllipticCurvePrivateKey):  # pragma: no cover - typed
        raise GBCSKeyError("GBCS commands are signed with an EC P-256 key", source=source)
    r, s = decode_dss_signature(key.sign(message.signed_bytes, _ECDSA_SHA256))
    signature = r.to_bytes(_HALF, "big") + s.to_bytes(_HALF, "big")
    head = message.raw[message.signing_start : message.signature_field]
    return head + bytes([len(signature)]) + signature


def verify_command(
    data: bytes | GBCSMessage,
    certificate: OrgCertificate,
    *,
    check_originator: bool = True,
    source: str | None = None,
) -> GBCSMessage:
    """Check a signed GBCS command's signature with ``certificate``; returns the message.

    Works on the general-signing form and on the MAC-header form (the signature inside
    is checked, not the MAC, which needs the device's keys). Unless
    ``check_originator`` is false, the certificate's EUI must be the business
    originator. Raises :class:`GBCSSignatureError`.
    """
    message = _message(data, source)
    if not message.signature:
        raise GBCSSignatureError(
            f"the GBCS message is not signed ({message.describe()})", source=source
        )
    if check_originator and certificate.eui != message.originator:
        raise GBCSSignatureError(
            f"signed by business originator {message.originator}, but the certificate is "
            f"for {certificate.eui}",
            source=source,
        )
    r = int.from_bytes(message.signature[:_HALF], "big")
    s = int.from_bytes(message.signature[_HALF:], "big")
    try:
        certificate.public_key.verify(
            encode_dss_signature(r, s), message.signed_bytes, _ECDSA_SHA256
        )
    except InvalidSignature:
        raise GBCSSignatureError(
            f"the GBCS signature does not verify with {certificate.describe()}", source=source
        ) from None
    return message
