"""signing: SMKI organisation certificates, keystores, and the DUIS xmlSign profile.

Sign a request with the User's xmlSign credentials and verify what the DCC sends,
byte-compatible with DCC's own tooling::

    from signing import Keystore, CounterStore, sign, verify

    keystore = Keystore.from_dir("examples/pki")
    signed = sign(request_bytes, keystore=keystore, counters=CounterStore())
    verified = verify(signed.xml, keystore)   # raises a VerificationError if not
    verified.tree, verified.signer            # only what the signature covers
"""

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
