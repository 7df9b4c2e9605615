"""A test PKI shaped like SMKI, so examples and tests never need DCC's keys.

Root and issuing CA, then Organisation Certificates with the SMKI facts verifiers
look at: ``OU`` = role as two hex digits, ``x500UniqueIdentifier`` = EUI-64 as an
8-byte BIT STRING, critical key usage (digitalSignature for signing roles,
keyAgreement otherwise), critical certificate policies, subject and authority key
identifiers. An xmlSign certificate has role 87 (89 for the DCC); a Digital Signing
certificate (the key that signs GBCS commands) has the organisation's own role, e.g.
02 supplier, with digitalSignature, as in DCC's RTDS keystore. Everything made here is
for testing only: the keys are written unencrypted next to the certificates.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID

from duis.fileio import atomic_write
from duis.ids import EUI64
from signing._certs import (
    DIGITAL_SIGNING_ROLES,
    X500_UNIQUE_IDENTIFIER,
    XMLSIGN_ROLES,
    CertificateUse,
    OrgCertificate,
    PrivateKey,
    RemotePartyRole,
    utc_text,
)
from signing._exceptions import CertificateError, KeystoreError
from signing._keystore import Credentials

__all__ = ["TEST_POLICY_OID", "TestPKI", "issue_org_certificate", "make_test_pki"]

#: The SMKI test certificate policy (a fact of the SMKI Organisation CP).
TEST_POLICY_OID = "1.2.826.0.1.8641679.1.2.1.4"

DEFAULT_NOT_BEFORE = datetime(2020, 1, 1, tzinfo=timezone.utc)
DEFAULT_NOT_AFTER = datetime(2099, 12, 31, 23, 59, 59, tzinfo=timezone.utc)

_README = """TEST-ONLY PKI made by `duis cert make-test-pki`. NOT FOR PRODUCTION.

The private keys here are public (they are in this repository): anything signed
with them proves nothing. The shape follows SMKI Organisation Certificates
(OU = Remote Party Role, x500UniqueIdentifier = EUI-64) so the signing code can be
exercised end to end without DCC's own test keys.

{listing}
"""


@dataclass(frozen=True, eq=False)
class TestPKI:
    """What :func:`make_test_pki` made: the CAs and one credential per organisation."""

    __test__ = False  # not a pytest test class, despite the name

    root: OrgCertificate
    root_key: PrivateKey
    issuing_ca: OrgCertificate
    issuing_ca_key: PrivateKey
    organisations: tuple[Credentials, ...]
    folder: Path | None = None


def _serial() -> int:
    # SMKI serials are 16 random bytes (positive, top bit clear).
    return secrets.randbits(127) | (1 << 120)


def _key_usage(signing: bool, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing and not ca,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=not signing and not ca,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _policies(oid: str) -> x509.CertificatePolicies:
    return x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(oid), None)])


def _ca(
    subject: x509.Name,
    issuer: x509.Name,
    key: PrivateKey,
    signer: PrivateKey,
    not_before: datetime,
    not_after: datetime,
    policy: str,
    issuer_key: PrivateKey,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(_serial())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(True, ca=True), critical=True)
        .add_extension(_policies(policy), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    return builder.sign(signer, hashes.SHA256())


def issue_org_certificate(
    issuing_ca: OrgCertificate,
    issuing_ca_key: PrivateKey,
    eui: EUI64,
    role: RemotePartyRole,
    *,
    common_name: str | None = None,
    not_before: datetime = DEFAULT_NOT_BEFORE,
    not_after: datetime = DEFAULT_NOT_AFTER,
    policy: str = TEST_POLICY_OID,
    key: PrivateKey | None = None,
    key_agreement: bool = False,
) -> Credentials:
    """An SMKI-shaped Organisation Certificate (and new key) for ``eui`` in ``role``.

    xmlSign roles (87, 89) and organisation roles (01-08, 7F) get digitalSignature:
    an organisation role with it is a Digital Signing certificate. ``key_agreement``
    makes the Key Agreement certificate of an organisation role instead. A validity
    no certificate can hold is a CertificateError.
    """
    _check_validity(not_before, not_after)
    key = key or ec.generate_private_key(ec.SECP256R1())
    attrs: list[x509.NameAttribute[str] | x509.NameAttribute[bytes]] = [
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role.value)
    ]
    if common_name:
        attrs.insert(0, x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    attrs.append(
        x509.NameAttribute(
            X500_UNIQUE_IDENTIFIER, b"\x00" + eui.to_bytes(), _type=_ASN1Type.BitString
        )
    )
    signing = (role in XMLSIGN_ROLES or role in DIGITAL_SIGNING_ROLES) and not key_agreement
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attrs))
        .issuer_name(issuing_ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(_serial())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(_key_usage(signing), critical=True)
        .add_extension(_policies(policy), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuing_ca_key.public_key()),
            critical=False,
        )
        .sign(issuing_ca_key, hashes.SHA256())
    )
    return Credentials(OrgCertificate.from_x509(cert), key)


def make_test_pki(
    organisations: Iterable[tuple[EUI64, RemotePartyRole]],
    folder: str | os.PathLike[str] | None = None,
    *,
    ca_name: str = "T1",
    not_before: datetime = DEFAULT_NOT_BEFORE,
    not_after: datetime = DEFAULT_NOT_AFTER,
    policy: str = TEST_POLICY_OID,
    replace: bool = False,
) -> TestPKI:
    """Make a root, an issuing CA ``CN=<ca_name>,OU=07`` and one certificate per (EUI, role).

    An xmlSign role (87, 89) gives an xmlSign certificate; an organisation role (e.g.
    02 supplier) gives that organisation's Digital Signing certificate, the key for
    GBCS commands. With ``folder``, writes ``root.pem``, ``issuing-ca.pem`` (and their
    ``.key.pem``), ``<stem>.pem`` / ``.key.pem`` per organisation (stem from
    :func:`org_file_stem`: ``xml-sign-<EUI>``, ``ds-supplier-<EUI>``) and a README
    marking it all test-only; the folder then works as a keystore.

    A folder that already holds any of those files is refused (KeystoreError) before
    anything is written, unless ``replace``: pointed by mistake at a real keystore,
    this would have replaced its keys with test keys.
    """
    _check_validity(not_before, not_after)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, RemotePartyRole.ROOT.value),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{ca_name}-root TEST ONLY"),
        ]
    )
    root_cert = _ca(
        root_name, root_name, root_key, root_key, not_before, not_after, policy, root_key
    )
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_subject = x509.Name(
        [
            x509.NameAttribute(
                NameOID.ORGANIZATIONAL_UNIT_NAME, RemotePartyRole.ISSUING_AUTHORITY.value
            ),
            x509.NameAttribute(NameOID.COMMON_NAME, ca_name),
        ]
    )
    ca_cert = _ca(ca_subject, root_name, ca_key, root_key, not_before, not_after, policy, root_key)
    root = OrgCertificate.from_x509(root_cert)
    ca = OrgCertificate.from_x509(ca_cert)
    orgs = tuple(
        issue_org_certificate(
            ca, ca_key, eui, role, not_before=not_before, not_after=not_after, policy=policy
        )
        for eui, role in organisations
    )
    pki = TestPKI(root, root_key, ca, ca_key, orgs, Path(folder) if folder is not None else None)
    if folder is not None:
        _write(pki, Path(folder), replace=replace)
    return pki


#: What an X.509 validity can say (RFC 5280 4.1.2.5: UTCTime from 1950, GeneralizedTime
#: to 9999); cryptography refuses anything else with a ValueError.
_EARLIEST = datetime(1950, 1, 1, tzinfo=timezone.utc)
_LATEST = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)


def _check_validity(not_before: datetime, not_after: datetime) -> None:
    """CertificateError for a validity no certificate can hold, or an empty one."""

    def utc(when: datetime) -> datetime | None:  # None: past what UTC can hold
        try:
            return (
                when.replace(tzinfo=timezone.utc)
                if when.tzinfo is None
                else when.astimezone(timezone.utc)
            )
        except OverflowError:
            return None

    bounds = []
    for name, when in (("not_before", not_before), ("not_after", not_after)):
        at = utc(when)
        if at is None or not _EARLIEST <= at <= _LATEST:
            raise CertificateError(
                f"{name} {when.isoformat()} is outside what a certificate can hold "
                f"({utc_text(_EARLIEST)} to {utc_text(_LATEST)})"
            )
        bounds.append(at)
    if not bounds[0] < bounds[1]:
        raise CertificateError(
            f"not_after {not_after.isoformat()} is not after not_before {not_before.isoformat()}"
        )


def _pem_key(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _pem_cert(cert: OrgCertificate) -> bytes:
    return cert.certificate.public_bytes(serialization.Encoding.PEM)


def org_file_stem(cert: OrgCertificate) -> str:
    """``xml-sign-<EUI>``, ``ds-supplier-<EUI>``, ``ka-supplier-<EUI>``: use, role, EUI."""
    role = cert.role.name.lower().replace("_", "-") if cert.role else "org"
    prefix = (
        {CertificateUse.DIGITAL_SIGNING: "ds-", CertificateUse.KEY_AGREEMENT: "ka-"}.get(
            cert.use, ""
        )
        if cert.use
        else ""
    )
    return f"{prefix}{role}-{cert.eui.hex if cert.eui else 'none'}"


def _write(pki: TestPKI, folder: Path, *, replace: bool) -> None:
    files: list[tuple[str, bytes, int | None]] = [
        ("root.pem", _pem_cert(pki.root), None),
        ("root.key.pem", _pem_key(pki.root_key), 0o600),
        ("issuing-ca.pem", _pem_cert(pki.issuing_ca), None),
        ("issuing-ca.key.pem", _pem_key(pki.issuing_ca_key), 0o600),
    ]
    listing = [
        f"root.pem            root CA   {pki.root.subject}",
        f"issuing-ca.pem      issuing CA {pki.issuing_ca.subject}",
    ]
    for cred in pki.organisations:
        stem = org_file_stem(cred.certificate)
        files.append((f"{stem}.pem", _pem_cert(cred.certificate), None))
        files.append((f"{stem}.key.pem", _pem_key(cred.private_key), 0o600))
        c = cred.certificate
        use = c.use.value if c.use else "certificate"
        listing.append(
            f"{stem}.pem  {use}  role {c.role.value if c.role else '?'}  EUI {c.eui}  "
            f"serial {c.serial}"
        )
    files.append(("README.txt", _README.format(listing="\n".join(listing)).encode("utf-8"), None))
    if not replace:
        there = [name for name, _, _ in files if os.path.lexists(folder / name)]
        if there:
            shown = ", ".join(there[:4]) + (f" and {len(there) - 4} more" if len(there) > 4 else "")
            raise KeystoreError(
                f"already holds {shown}, which a test PKI would replace; choose an empty "
                "or new folder (or replace them on purpose: --replace, replace=True)",
                source=str(folder),
            )
    folder.mkdir(parents=True, exist_ok=True)
    for name, data, mode in files:
        atomic_write(folder / name, data, mode=mode)
