"""A folder of SMKI certificates and keys, indexed the two ways signing needs.

Verification finds the signer by the (issuer, serial) KeyInfo names; signing finds
credentials by the RequestID's originator EUI and a role. Keys are paired with
certificates by public key, so file names do not matter (DCC Boxed's ``X.pem`` /
``X.key`` pairs and one ``X.key.pem`` all work).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from duis.ids import EUI64
from signing._certs import (
    DIGITAL_SIGNING_ROLES,
    XMLSIGN_ROLES,
    CertificateUse,
    IssuerKey,
    OrgCertificate,
    PrivateKey,
    RemotePartyRole,
    issuer_key,
    load_certificate,
    load_certificates,
    load_private_key,
    read_credential_file,
    utcnow,
)
from signing._exceptions import (
    CertificateError,
    KeyMismatchError,
    KeystoreError,
    NoCredentialsError,
)

__all__ = ["Credentials", "Keystore", "SkippedEntry"]

_CERT_SUFFIXES = {".pem", ".crt", ".cer", ".der"}
_KEY_SUFFIXES = {".key"}


def _public_bytes(key: PrivateKey | OrgCertificate) -> bytes:
    if isinstance(key, OrgCertificate):
        return key.public_point
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )


@dataclass(frozen=True, eq=False)
class Credentials:
    """A signing certificate with its private key (checked to belong together)."""

    certificate: OrgCertificate
    private_key: PrivateKey

    def __post_init__(self) -> None:
        if _public_bytes(self.private_key) != _public_bytes(self.certificate):
            raise KeyMismatchError(
                f"private key does not belong to the certificate ({self.certificate.describe()})",
                source=self.certificate.source,
            )

    @classmethod
    def load(
        cls,
        certificate: str | os.PathLike[str] | bytes,
        private_key: str | os.PathLike[str] | bytes,
        *,
        password: bytes | None = None,
    ) -> Credentials:
        """Read a certificate and its key from files (PEM or DER) or bytes."""
        return cls(load_certificate(certificate), load_private_key(private_key, password=password))


@dataclass(frozen=True)
class SkippedEntry:
    """A keystore file that holds no certificate or key (a public key, a CSR, notes)."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class Keystore:
    """Certificates (and optionally keys) held in memory; see :meth:`from_dir`.

    Keys are asked for by use: :meth:`xml_sign_credentials` for DUIS XML,
    :meth:`digital_signing_credentials` for GBCS commands; one EUI usually has both,
    and the two must never stand in for each other.
    """

    def __init__(
        self, certificates: Iterable[OrgCertificate] = (), keys: Iterable[PrivateKey] = ()
    ) -> None:
        self._by_issuer_serial: dict[tuple[IssuerKey, int], OrgCertificate] = {}
        self._certs: list[OrgCertificate] = []
        self._keys: dict[bytes, PrivateKey] = {}
        self._credentials_made: dict[OrgCertificate, Credentials] = {}
        self.source: str | None = None
        #: Files :meth:`from_dir` passed over because they hold no certificate or key.
        self.skipped: tuple[SkippedEntry, ...] = ()
        for cert in certificates:
            self.add_certificate(cert)
        for key in keys:
            self.add_key(key)

    @classmethod
    def from_dir(cls, path: str | os.PathLike[str]) -> Keystore:
        """Load every ``.pem/.crt/.cer/.der/.key`` file in a folder (not recursive).

        A file that is a certificate or key but cannot be used (corrupt, ambiguous,
        an unsupported curve) is a KeystoreError naming it: a keystore silently
        missing a certificate would turn into a confusing "unknown signer" later. A
        file that is neither (a public key, a CSR, a text file with a .pem name) is
        passed over and listed in :attr:`skipped`, so one stray file does not make
        the whole folder unusable. Certificates of unknown roles load (they can be
        listed; the signer policy never lets them sign or be accepted). Other files
        (README, dotfiles) are ignored.
        """
        folder = Path(path)
        try:
            entries = sorted(folder.iterdir())
        except FileNotFoundError:
            raise KeystoreError("keystore folder does not exist", source=str(folder)) from None
        except NotADirectoryError:
            raise KeystoreError("keystore is not a folder", source=str(folder)) from None
        except OSError as exc:
            raise KeystoreError(
                f"cannot read keystore folder: {exc.strerror or exc}", source=str(folder)
            ) from None
        store = cls()
        store.source = str(folder)
        skipped: list[SkippedEntry] = []
        for entry in entries:
            if entry.name.startswith(".") or not entry.is_file():
                continue
            suffix = entry.suffix.lower()
            if suffix not in _CERT_SUFFIXES | _KEY_SUFFIXES:
                continue
            try:
                raw = read_credential_file(entry)
                reason = store._load_entry(raw, suffix, str(entry))
            except CertificateError as exc:
                raise KeystoreError(
                    f"unusable keystore entry: {exc.message}", source=str(entry)
                ) from None
            if reason is not None:
                skipped.append(SkippedEntry(str(entry), reason))
        store.skipped = tuple(skipped)
        return store

    def _load_entry(self, raw: bytes, suffix: str, name: str) -> str | None:
        """Add what one file holds; the reason it holds nothing usable, or None."""
        if b"PRIVATE KEY-----" in raw:
            self.add_key(load_private_key(raw, source=name))
            return None
        if b"-----BEGIN CERTIFICATE-----" in raw:
            for cert in load_certificates(raw, source=name):
                self.add_certificate(cert)
            return None
        if b"-----BEGIN " in raw:
            label = raw.split(b"-----BEGIN ", 1)[1].split(b"-----", 1)[0][:40]
            return (
                f"holds a PEM {label.decode('ascii', 'replace')!r} block, not a certificate "
                "or private key: skipped"
            )
        if suffix in _KEY_SUFFIXES:
            self.add_key(load_private_key(raw, source=name))
            return None
        try:
            x509_cert = x509.load_der_x509_certificate(raw)
        except ValueError:
            return "not a certificate or private key (PEM or DER): skipped"
        self.add_certificate(OrgCertificate.from_x509(x509_cert, source=name))
        return None

    def add_certificate(self, cert: OrgCertificate) -> None:
        """Index a certificate; KeystoreError if another one has its issuer and serial.

        KeyInfo names the signer only by issuer and serial, so two different
        certificates with the same pair would let file order pick the signer. The
        same certificate found twice (a copy, a bundle) is kept once.
        """
        key = (issuer_key(cert.certificate.issuer), cert.serial)
        known = self._by_issuer_serial.get(key)
        if known is None:
            self._by_issuer_serial[key] = cert
            self._certs.append(cert)
        elif known.certificate != cert.certificate:
            raise KeystoreError(
                f"two different certificates have issuer {cert.issuer} and serial "
                f"{cert.serial} ({known.source or 'in memory'} and {cert.source or 'in memory'}); "
                "a signature names its signer by these two, so one would shadow the other: "
                "remove the wrong one",
                source=cert.source or self.source,
            )

    def add_key(self, key: PrivateKey) -> None:
        self._keys[_public_bytes(key)] = key

    def __iter__(self) -> Iterator[OrgCertificate]:
        return iter(self._certs)

    def __len__(self) -> int:
        return len(self._certs)

    def by_issuer_serial(self, issuer: IssuerKey, serial: int) -> OrgCertificate | None:
        """The certificate KeyInfo names; ``issuer`` from :func:`parse_issuer_name`."""
        return self._by_issuer_serial.get((issuer, serial))

    def private_key_for(self, cert: OrgCertificate) -> PrivateKey | None:
        try:
            return self._keys.get(_public_bytes(cert))
        except CertificateError:  # not a P-256 certificate: no key of ours fits it
            return None

    def find(
        self,
        eui: EUI64,
        roles: Iterable[RemotePartyRole] | None = None,
        *,
        use: CertificateUse | None = None,
    ) -> list[OrgCertificate]:
        """Certificates of ``eui`` (optionally of the given roles and use), newest first."""
        wanted = set(roles) if roles is not None else None
        found = [
            c
            for c in self._certs
            if c.eui == eui
            and (wanted is None or c.role in wanted)
            and (use is None or c.use is use)
        ]
        return sorted(found, key=lambda c: c.not_before, reverse=True)

    def xml_sign_credentials(self, eui: EUI64, *, at: datetime | None = None) -> Credentials:
        """The xmlSign key of ``eui`` (role 87, or 89 for the DCC): signs DUIS XML only."""
        return self._credentials(eui, XMLSIGN_ROLES, CertificateUse.XML_SIGN, at)

    def digital_signing_credentials(self, eui: EUI64, *, at: datetime | None = None) -> Credentials:
        """The Digital Signing key of ``eui``: its organisation role with digitalSignature.

        This is the key that signs GBCS commands (Pre-Commands); an xmlSign or Key
        Agreement certificate of the same EUI is never returned.
        """
        return self._credentials(eui, DIGITAL_SIGNING_ROLES, CertificateUse.DIGITAL_SIGNING, at)

    def credentials_for(
        self,
        eui: EUI64,
        *,
        roles: Iterable[RemotePartyRole] = XMLSIGN_ROLES,
        at: datetime | None = None,
    ) -> Credentials:
        """The newest signing certificate of ``eui`` in ``roles`` that has a key.

        Only certificates that can sign (digitalSignature, P-256) are candidates, so a
        Key Agreement certificate of the same role and EUI is never chosen.
        """
        return self._credentials(eui, roles, None, at)

    def _credentials(
        self,
        eui: EUI64,
        roles: Iterable[RemotePartyRole],
        use: CertificateUse | None,
        at: datetime | None,
    ) -> Credentials:
        """Newest candidate valid at ``at``; when only expired (or not yet valid) ones
        exist, the newest of those, so the signer's validity check says what is wrong."""
        role_list = sorted(roles, key=lambda r: r.value)
        when = at or utcnow()
        candidates = [
            c
            for c in self.find(eui, role_list, use=use)
            if c.can_sign and self.private_key_for(c) is not None
        ]
        if not candidates:
            what = f"{use.value} " if use else ""
            roles_text = ", ".join(r.value for r in role_list)
            others = self.find(eui)
            hint = (
                " (it has: "
                + "; ".join(
                    f"{c.use.value if c.use else 'certificate'} role {c.role_text}"
                    + ("" if self.private_key_for(c) else " without its key")
                    for c in others
                )
                + ")"
                if others
                else ""
            )
            raise NoCredentialsError(
                f"no {what}certificate with a private key for {eui} in role(s) "
                f"{roles_text}{hint}; add its certificate and key to the keystore or "
                "pass them explicitly",
                source=self.source,
            )
        valid = [c for c in candidates if c.valid_at(when)]
        chosen = valid[0] if valid else candidates[0]
        # One Credentials per certificate: its key/certificate match is checked once,
        # not on every signature of a batch or a server.
        found = self._credentials_made.get(chosen)
        if found is None:
            key = self.private_key_for(chosen)
            assert key is not None
            found = self._credentials_made[chosen] = Credentials(chosen, key)
        return found
