"""Why signing or verification stopped, one class per reason a user must act on.

Every class carries a stable ``rule`` id so the CLI can print ``[rule]`` and CI can
grep for it; the tamper suite proves each kind of tampering lands on its own class::

    DuisError
    ├── CertificateError              certificate.invalid
    ├── KeystoreError                 keystore.unreadable
    │   └── NoCredentialsError            keystore.no-credentials (also a SigningError)
    ├── CounterStoreError             counter.store
    │   └── CounterReplayError            request-id.counter-replay
    ├── SigningError                  sign.refused
    │   ├── NoCredentialsError            keystore.no-credentials
    │   ├── NotSignableError              sign.not-signable
    │   ├── InvalidRequestError           sign.invalid-request
    │   ├── CredentialEUIError            sign.wrong-eui
    │   ├── CredentialRoleError           sign.wrong-role
    │   ├── CredentialValidityError       sign.certificate-validity
    │   └── KeyMismatchError              sign.key-mismatch
    └── VerificationError             signature.invalid
        ├── SignatureMissingError         signature.missing
        ├── WrappedDocumentError          signature.wrapping
        ├── MultipleSignaturesError       signature.multiple
        ├── SignaturePlacementError       signature.placement
        ├── CommentInjectionError         signature.comment
        ├── SignatureStructureError       signature.structure
        ├── AlgorithmError                signature.algorithm
        ├── TransformError                signature.transform
        ├── ReferenceURIError             signature.reference
        ├── KeyInfoError                  signature.key-info
        ├── UnknownSignerError            signature.unknown-signer
        ├── DigestMismatchError           signature.digest-mismatch
        ├── SignatureEncodingError        signature.value-encoding
        ├── BadSignatureError             signature.value-mismatch
        ├── SignerEUIError                signature.wrong-eui
        ├── SignerRoleError               signature.wrong-role
        ├── SignerValidityError           signature.certificate-validity
        └── UntrustedSignerError          signature.untrusted
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from duis._exceptions import DuisError

if TYPE_CHECKING:
    from duis.report import Report

__all__ = [
    "AlgorithmError",
    "BadSignatureError",
    "CertificateError",
    "CommentInjectionError",
    "CounterReplayError",
    "CounterStoreError",
    "CredentialEUIError",
    "CredentialRoleError",
    "CredentialValidityError",
    "DigestMismatchError",
    "InvalidRequestError",
    "KeyInfoError",
    "KeyMismatchError",
    "KeystoreError",
    "MultipleSignaturesError",
    "NoCredentialsError",
    "NotSignableError",
    "ReferenceURIError",
    "SignatureEncodingError",
    "SignatureMissingError",
    "SignaturePlacementError",
    "SignatureStructureError",
    "SignerEUIError",
    "SignerRoleError",
    "SignerValidityError",
    "SigningError",
    "TransformError",
    "UnknownSignerError",
    "UntrustedSignerError",
    "VerificationError",
    "WrappedDocumentError",
]


class CertificateError(DuisError):
    """A certificate or key file cannot be read or is not what the profile needs."""

    rule = "certificate.invalid"


class KeystoreError(DuisError):
    """The keystore folder, or one entry in it, cannot be used."""

    rule = "keystore.unreadable"


class CounterStoreError(DuisError):
    """The originator-counter database cannot be opened or written."""

    rule = "counter.store"


class CounterReplayError(CounterStoreError):
    """An OriginatorCounter not above the last one recorded for its originator."""

    rule = "request-id.counter-replay"


class SigningError(DuisError):
    """Signing was refused; the message says which check failed and what to do."""

    rule = "sign.refused"


class NoCredentialsError(KeystoreError, SigningError):
    """No certificate with a private key exists for the originator and role wanted.

    Both a keystore finding and a signing refusal: ``sign`` raises only
    :class:`SigningError` subclasses, this one included.
    """

    rule = "keystore.no-credentials"


class NotSignableError(SigningError):
    """The document is not a DUIS request or response, or lacks a usable RequestID."""

    rule = "sign.not-signable"


class InvalidRequestError(SigningError):
    """The message fails validation; signing it would only get it rejected later."""

    rule = "sign.invalid-request"

    def __init__(self, message: str, *, report: Report, source: str | None = None) -> None:
        super().__init__(message, source=source)
        self.report = report


class CredentialEUIError(SigningError):
    """The certificate's EUI-64 is not the message's originator."""

    rule = "sign.wrong-eui"


class CredentialRoleError(SigningError):
    """The certificate's Remote Party Role may not sign DUIS XML (without an option)."""

    rule = "sign.wrong-role"


class CredentialValidityError(SigningError):
    """The certificate is expired or not yet valid at the signing time."""

    rule = "sign.certificate-validity"


class KeyMismatchError(SigningError):
    """The private key does not belong to the certificate, or is not P-256."""

    rule = "sign.key-mismatch"


class VerificationError(DuisError):
    """The signature is absent where required, malformed, or does not hold."""

    rule = "signature.invalid"


class SignatureMissingError(VerificationError):
    rule = "signature.missing"


class WrappedDocumentError(VerificationError):
    """The signed message sits inside another root (signature wrapping)."""

    rule = "signature.wrapping"


class MultipleSignaturesError(VerificationError):
    rule = "signature.multiple"


class SignaturePlacementError(VerificationError):
    """The Signature is not the last child element of the root."""

    rule = "signature.placement"


class CommentInjectionError(VerificationError):
    """A comment or PI splits signed text; readers that stop at it see other text."""

    rule = "signature.comment"


class SignatureStructureError(VerificationError):
    rule = "signature.structure"


class AlgorithmError(VerificationError):
    """A canonicalization, signature or digest method outside the DUIS profile."""

    rule = "signature.algorithm"


class TransformError(VerificationError):
    """Transforms other than exactly the one enveloped-signature transform."""

    rule = "signature.transform"


class ReferenceURIError(VerificationError):
    """Not exactly one Reference, or one whose URI is not the whole document."""

    rule = "signature.reference"


class KeyInfoError(VerificationError):
    """KeyInfo does not name the signer by issuer and serial."""

    rule = "signature.key-info"


class UnknownSignerError(VerificationError):
    """No certificate in the keystore has the issuer and serial KeyInfo names."""

    rule = "signature.unknown-signer"


class DigestMismatchError(VerificationError):
    """The document was changed after signing (or digested with the wrong C14N)."""

    rule = "signature.digest-mismatch"


class SignatureEncodingError(VerificationError):
    """SignatureValue is not 64 bytes of raw r||s (e.g. DER, as Java's JCA emits)."""

    rule = "signature.value-encoding"


class BadSignatureError(VerificationError):
    """The SignatureValue does not verify with the named certificate's key."""

    rule = "signature.value-mismatch"


class SignerEUIError(VerificationError):
    """The signer's EUI-64 is not the one the message must be signed by."""

    rule = "signature.wrong-eui"


class SignerRoleError(VerificationError):
    """The signer's Remote Party Role or key usage is not accepted for this message."""

    rule = "signature.wrong-role"


class SignerValidityError(VerificationError):
    """The signer's certificate is expired or not yet valid at the checked time."""

    rule = "signature.certificate-validity"


class UntrustedSignerError(VerificationError):
    """The signer's certificate does not chain to a trusted issuing CA."""

    rule = "signature.untrusted"
