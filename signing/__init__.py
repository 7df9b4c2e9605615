"""signing: SMKI organisation certificates, keystores, and the DUIS xmlSign profile.

Sign a request with the User's xmlSign credentials and verify what the DCC sends,
byte-compatible with DCC's own tooling::

    from signing import Keystore, CounterStore, sign, verify

    keystore = Keystore.from_dir("examples/pki")
    signed = sign(request_bytes, keystore=keystore, counters=CounterStore())
    verified = verify(signed.xml, keystore)   # raises a VerificationError if not
    verified.tree, verified.signer            # only what the signature covers
"""

from __future__ import annotations

# Not ``typing.TYPE_CHECKING``: keep this package's import as cheap as duis's.
_TYPE_CHECKING = False
if _TYPE_CHECKING:
    from typing import Any as _Any

    from signing._certs import (
        DIGITAL_SIGNING_ROLES,
        XMLSIGN_ROLES,
        CertificateUse,
        OrgCertificate,
        RemotePartyRole,
        load_certificate,
        load_certificates,
        load_private_key,
        parse_issuer_name,
    )
    from signing._counters import (
        CounterStore,
        SQLiteCounterStore,
        default_counter_location,
        default_counter_path,
        open_counter_store,
    )
    from signing._counters_pg import PostgresCounterStore
    from signing._exceptions import (
        AlgorithmError,
        BadSignatureError,
        CertificateError,
        CommentInjectionError,
        CounterReplayError,
        CounterStoreError,
        CredentialEUIError,
        CredentialRoleError,
        CredentialValidityError,
        DigestMismatchError,
        InvalidRequestError,
        KeyInfoError,
        KeyMismatchError,
        KeystoreError,
        MultipleSignaturesError,
        NoCredentialsError,
        NotSignableError,
        ReferenceURIError,
        SignatureEncodingError,
        SignatureMissingError,
        SignaturePlacementError,
        SignatureStructureError,
        SignerEUIError,
        SignerRoleError,
        SignerValidityError,
        SigningError,
        TransformError,
        UnknownSignerError,
        UntrustedSignerError,
        VerificationError,
        WrappedDocumentError,
    )
    from signing._gbcs_precommand import (
        PreCommandCheckError,
        PreCommandFinding,
        SignedPreCommand,
        build_signed_pre_command,
        check_pre_command,
        sign_precommand,
    )
    from signing._gbcs_sign import (
        GBCSKeyError,
        GBCSSignatureError,
        NotPreCommandError,
        sign_pre_command,
        verify_command,
    )
    from signing._keystore import Credentials, Keystore, SkippedEntry
    from signing._pki import TEST_POLICY_OID, TestPKI, issue_org_certificate, make_test_pki
    from signing._policy import DEFAULT_RESPONSE_ROLES, SignerPolicy
    from signing._profile import DCC_TEST_EUI, Algorithm
    from signing._replay import message_counter_id, record_counter
    from signing._sign import SignedMessage, sign, sign_tree
    from signing._verify import (
        SignatureCheck,
        SignatureStatus,
        VerifiedMessage,
        check_signature,
        verify,
    )

# Loaded on first use (PEP 562): ``duis sign`` needs the xmlSign modules, not the GBCS
# Pre-Command code (which loads the MMC decoder), the test PKI or PostgreSQL: name ->
# module that defines it.
_LAZY = {
    "CertificateUse": "signing._certs",
    "DIGITAL_SIGNING_ROLES": "signing._certs",
    "OrgCertificate": "signing._certs",
    "RemotePartyRole": "signing._certs",
    "XMLSIGN_ROLES": "signing._certs",
    "load_certificate": "signing._certs",
    "load_certificates": "signing._certs",
    "load_private_key": "signing._certs",
    "parse_issuer_name": "signing._certs",
    "CounterStore": "signing._counters",
    "SQLiteCounterStore": "signing._counters",
    "default_counter_location": "signing._counters",
    "default_counter_path": "signing._counters",
    "open_counter_store": "signing._counters",
    "PostgresCounterStore": "signing._counters_pg",
    "AlgorithmError": "signing._exceptions",
    "BadSignatureError": "signing._exceptions",
    "CertificateError": "signing._exceptions",
    "CommentInjectionError": "signing._exceptions",
    "CounterReplayError": "signing._exceptions",
    "CounterStoreError": "signing._exceptions",
    "CredentialEUIError": "signing._exceptions",
    "CredentialRoleError": "signing._exceptions",
    "CredentialValidityError": "signing._exceptions",
    "DigestMismatchError": "signing._exceptions",
    "InvalidRequestError": "signing._exceptions",
    "KeyInfoError": "signing._exceptions",
    "KeyMismatchError": "signing._exceptions",
    "KeystoreError": "signing._exceptions",
    "MultipleSignaturesError": "signing._exceptions",
    "NoCredentialsError": "signing._exceptions",
    "NotSignableError": "signing._exceptions",
    "ReferenceURIError": "signing._exceptions",
    "SignatureEncodingError": "signing._exceptions",
    "SignatureMissingError": "signing._exceptions",
    "SignaturePlacementError": "signing._exceptions",
    "SignatureStructureError": "signing._exceptions",
    "SignerEUIError": "signing._exceptions",
    "SignerRoleError": "signing._exceptions",
    "SignerValidityError": "signing._exceptions",
    "SigningError": "signing._exceptions",
    "TransformError": "signing._exceptions",
    "UnknownSignerError": "signing._exceptions",
    "UntrustedSignerError": "signing._exceptions",
    "VerificationError": "signing._exceptions",
    "WrappedDocumentError": "signing._exceptions",
    "PreCommandCheckError": "signing._gbcs_precommand",
    "PreCommandFinding": "signing._gbcs_precommand",
    "SignedPreCommand": "signing._gbcs_precommand",
    "build_signed_pre_command": "signing._gbcs_precommand",
    "check_pre_command": "signing._gbcs_precommand",
    "sign_precommand": "signing._gbcs_precommand",
    "GBCSKeyError": "signing._gbcs_sign",
    "GBCSSignatureError": "signing._gbcs_sign",
    "NotPreCommandError": "signing._gbcs_sign",
    "sign_pre_command": "signing._gbcs_sign",
    "verify_command": "signing._gbcs_sign",
    "Credentials": "signing._keystore",
    "Keystore": "signing._keystore",
    "SkippedEntry": "signing._keystore",
    "TEST_POLICY_OID": "signing._pki",
    "TestPKI": "signing._pki",
    "issue_org_certificate": "signing._pki",
    "make_test_pki": "signing._pki",
    "DEFAULT_RESPONSE_ROLES": "signing._policy",
    "SignerPolicy": "signing._policy",
    "Algorithm": "signing._profile",
    "DCC_TEST_EUI": "signing._profile",
    "message_counter_id": "signing._replay",
    "record_counter": "signing._replay",
    "SignedMessage": "signing._sign",
    "sign": "signing._sign",
    "sign_tree": "signing._sign",
    "SignatureCheck": "signing._verify",
    "SignatureStatus": "signing._verify",
    "VerifiedMessage": "signing._verify",
    "check_signature": "signing._verify",
    "verify": "signing._verify",
}


def __getattr__(name: str) -> _Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'signing' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "DCC_TEST_EUI",
    "DEFAULT_RESPONSE_ROLES",
    "DIGITAL_SIGNING_ROLES",
    "TEST_POLICY_OID",
    "XMLSIGN_ROLES",
    "Algorithm",
    "AlgorithmError",
    "BadSignatureError",
    "CertificateError",
    "CertificateUse",
    "CommentInjectionError",
    "CounterReplayError",
    "CounterStore",
    "CounterStoreError",
    "CredentialEUIError",
    "CredentialRoleError",
    "CredentialValidityError",
    "Credentials",
    "DigestMismatchError",
    "GBCSKeyError",
    "GBCSSignatureError",
    "InvalidRequestError",
    "KeyInfoError",
    "KeyMismatchError",
    "Keystore",
    "KeystoreError",
    "MultipleSignaturesError",
    "NoCredentialsError",
    "NotPreCommandError",
    "NotSignableError",
    "OrgCertificate",
    "PostgresCounterStore",
    "PreCommandCheckError",
    "PreCommandFinding",
    "ReferenceURIError",
    "RemotePartyRole",
    "SQLiteCounterStore",
    "SignatureCheck",
    "SignatureEncodingError",
    "SignatureMissingError",
    "SignaturePlacementError",
    "SignatureStatus",
    "SignatureStructureError",
    "SignedMessage",
    "SignedPreCommand",
    "SignerEUIError",
    "SignerPolicy",
    "SignerRoleError",
    "SignerValidityError",
    "SigningError",
    "SkippedEntry",
    "TestPKI",
    "TransformError",
    "UnknownSignerError",
    "UntrustedSignerError",
    "VerificationError",
    "VerifiedMessage",
    "WrappedDocumentError",
    "build_signed_pre_command",
    "check_pre_command",
    "check_signature",
    "default_counter_location",
    "default_counter_path",
    "issue_org_certificate",
    "load_certificate",
    "load_certificates",
    "load_private_key",
    "make_test_pki",
    "message_counter_id",
    "open_counter_store",
    "parse_issuer_name",
    "record_counter",
    "sign",
    "sign_pre_command",
    "sign_precommand",
    "sign_tree",
    "verify",
    "verify_command",
]
