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

from cryptography.hazmat.primitives import serialization

from duis.ids import EUI64
from signing._certs import (
    XMLSIGN_ROLES,
    IssuerKey,
    OrgCertificate,
    PrivateKey,
    RemotePartyRole,
    issuer_key,
    load_certificate,
    load_certificates,
    load_private_key,
    utcnow,
)
from signing._exceptions import (
    CertificateError,
    KeyMismatchError,
    KeystoreError,
    NoCredentialsError,
)

__all__ = ["Credentials", "Keystore"]

_CERT_SUFFIXES = {".pem", ".crt", ".cer", ".der"}
_KEY_SUFFIXES = {".key"}


def _public_bytes(key: PrivateKey | OrgCertificate) -> bytes:
    pub = key.public_key if isinstance(key, OrgCertificate) else key.public_key()
    return pub.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)


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


class Keystore:
    """Certificates (and optionally keys) held in memory; see :meth:`from_dir`."""

    def __init__(
        self, certificates: Iterable[OrgCertificate] = (), keys: Iterable[PrivateKey] = ()
    ) -> None:
        self._by_issuer_serial: dict[tuple[IssuerKey, int], OrgCertificate] = {}
        self._certs: list[OrgCertificate] = []
        self._keys: dict[bytes, PrivateKey] = {}
        self.source: str | None = None
        for cert in certificates:
            self.add_certificate(cert)
        for key in keys:
            self.add_key(key)

    @classmethod
    def from_dir(cls, path: str | os.PathLike[str]) -> Keystore:
        """Load every ``.pem/.crt/.cer/.der/.key`` file in a folder (not recursive).

        Any such file that cannot be read is an error naming it: a keystore silently
        missing a certificate would turn into a confusing "unknown signer" later.
        Other files (README, dotfiles) are ignored.
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
        for entry in entries:
            if entry.name.startswith(".") or not entry.is_file():
                continue
            suffix = entry.suffix.lower()
            if suffix not in _CERT_SUFFIXES | _KEY_SUFFIXES:
                continue
            try:
                raw = entry.read_bytes()
            except OSError as exc:
                raise KeystoreError(
                    f"cannot read keystore entry: {exc.strerror or exc}", source=str(entry)
                ) from None
            try:
                if b"PRIVATE KEY-----" in raw or (suffix in _KEY_SUFFIXES and b"-----" not in raw):
                    store.add_key(load_private_key(raw, source=str(entry)))
                else:
                    for cert in load_certificates(raw, source=str(entry)):
                        store.add_certificate(cert)
            except CertificateError as exc:
                raise KeystoreError(
                    f"unusable keystore entry: {exc.message}", source=str(entry)
                ) from None
        return store

    def add_certificate(self, cert: OrgCertificate) -> None:
        key = (issuer_key(cert.certificate.issuer), cert.serial)
        if key not in self._by_issuer_serial:
            self._by_issuer_serial[key] = cert
            self._certs.append(cert)

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
        return self._keys.get(_public_bytes(cert))

    def find(
        self, eui: EUI64, roles: Iterable[RemotePartyRole] | None = None
    ) -> list[OrgCertificate]:
        """Certificates of ``eui`` (optionally of the given roles), newest first."""
        wanted = set(roles) if roles is not None else None
        found = [c for c in self._certs if c.eui == eui and (wanted is None or c.role in wanted)]
        return sorted(found, key=lambda c: c.not_before, reverse=True)

    def credentials_for(
        self,
        eui: EUI64,
        *,
        roles: Iterable[RemotePartyRole] = XMLSIGN_ROLES,
        at: datetime | None = None,
    ) -> Credentials:
        """The newest certificate of ``eui`` in ``roles`` that has a key, valid at ``at``.

        When only expired (or not yet valid) ones exist, the newest of those is
        returned so the signer's validity check can say exactly what is wrong.
        """
        role_list = sorted(roles, key=lambda r: r.value)
        when = at or utcnow()
        candidates = [c for c in self.find(eui, role_list) if self.private_key_for(c) is not None]
        if not candidates:
            roles_text = ", ".join(r.value for r in role_list)
            others = self.find(eui)
            hint = (
                " (it has certificates of role "
                + ", ".join(sorted({c.role.value for c in others if c.role}))
                + "; digital signing roles need allow_digital_signing / --allow-digital-signing)"
                if others
                else ""
            )
            raise NoCredentialsError(
                f"no certificate with a private key for originator {eui} in role(s) "
                f"{roles_text}{hint}; add its certificate and key to the keystore or "
                "pass them explicitly",
                source=self.source,
            )
        valid = [c for c in candidates if c.valid_at(when)]
        chosen = valid[0] if valid else candidates[0]
        key = self.private_key_for(chosen)
        assert key is not None
        return Credentials(chosen, key)
