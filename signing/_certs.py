"""SMKI Organisation Certificates and their keys, read into what signing needs.

An SMKI certificate names its holder only by an EUI-64 in ``x500UniqueIdentifier``
and a Remote Party Role in ``OU``; signing and verification bind messages to those
two facts, so they are decoded once here into an :class:`OrgCertificate`.
"""

from __future__ import annotations

import enum
import functools
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID, NameOID

from duis.ids import EUI64
from signing._exceptions import CertificateError

__all__ = [
    "DIGITAL_SIGNING_ROLES",
    "MAX_CREDENTIAL_FILE_BYTES",
    "X500_UNIQUE_IDENTIFIER",
    "XMLSIGN_ROLES",
    "CertificateUse",
    "OrgCertificate",
    "PrivateKey",
    "RemotePartyRole",
    "issuer_key",
    "load_certificate",
    "load_certificates",
    "load_private_key",
    "parse_issuer_name",
    "read_credential_file",
]

PrivateKey = ec.EllipticCurvePrivateKey

#: ``x500UniqueIdentifier``: the SMKI subject attribute holding the EUI-64 (X.520).
X500_UNIQUE_IDENTIFIER = x509.ObjectIdentifier("2.5.4.45")

#: ``id-on-hardwareModuleName`` (RFC 4108): the subjectAltName otherName in which SMKI
#: device certificates carry the device's EUI-64 as ``hwSerialNum``.
HARDWARE_MODULE_NAME = x509.ObjectIdentifier("1.3.6.1.5.5.7.8.4")

#: The largest certificate or key file read (a PEM bundle of a few hundred
#: certificates fits); anything larger, such as ``/dev/zero``, is refused unread.
MAX_CREDENTIAL_FILE_BYTES = 1 << 20


class RemotePartyRole(str, enum.Enum):
    """The SMKI Remote Party Role carried as two hex digits in the subject's OU."""

    ROOT = "00"
    RECOVERY = "01"
    SUPPLIER = "02"
    NETWORK_OPERATOR = "03"
    ACCESS_CONTROL_BROKER = "04"
    TRANSITIONAL_COS = "05"
    WAN_PROVIDER = "06"
    ISSUING_AUTHORITY = "07"
    LOAD_CONTROLLER = "08"
    OTHER_USER = "7F"
    XML_SIGN = "87"
    DSP_XML_SIGN = "89"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str) -> tuple[RemotePartyRole, str | None]:
        """Read an OU value; returns the role and a warning when it was not canonical.

        One early DCC test certificate wrote the DSP xmlSign role as decimal ``137``;
        that one documented case is accepted as 89 (hex) with a warning. No other
        decimal spelling is: ``135`` is not read as 87, so a certificate cannot gain
        a signing role by an odd encoding. Raises ValueError for anything else.
        """
        t = text.strip()
        if re.fullmatch(r"[0-9A-Fa-f]{2}", t):
            try:
                return cls(t.upper()), None
            except ValueError:
                raise ValueError(f"OU {text!r} is not a known Remote Party Role") from None
        if t == _DECIMAL_DSP_XML_SIGN:
            role = cls.DSP_XML_SIGN
            return role, (
                f"OU={t} is written in decimal; read as role {role.value} "
                "(dsp xml sign), as in DCC's pre-1.4.1 test certificate; SMKI writes roles "
                "as two hex digits"
            )
        raise ValueError(f"OU {text!r} is not a Remote Party Role (two hex digits)")


#: The one decimal OU spelling accepted: DCC's early DSP xmlSign test certificate.
_DECIMAL_DSP_XML_SIGN = "137"


class CertificateUse(str, enum.Enum):
    """What an organisation certificate's key is for, from its role and key usage.

    SMKI gives one organisation several certificates under one EUI: an xmlSign one
    (role 87, or 89 for the DCC) that signs DUIS XML only, a Digital Signing one
    (the organisation's own role, e.g. 02 supplier, key usage digitalSignature) that
    signs GBCS commands, and a Key Agreement one (same role, keyAgreement). Asking
    for a key by use keeps an xmlSign key off GBCS commands and the other way round.
    """

    XML_SIGN = "xml-sign"
    DIGITAL_SIGNING = "digital-signing"
    KEY_AGREEMENT = "key-agreement"

    def __str__(self) -> str:
        return self.value


#: Roles whose certificates exist to sign DUIS XML.
XMLSIGN_ROLES: frozenset[RemotePartyRole] = frozenset(
    {RemotePartyRole.XML_SIGN, RemotePartyRole.DSP_XML_SIGN}
)
#: Organisation roles with Digital Signing certificates, used before xmlSign existed.
DIGITAL_SIGNING_ROLES: frozenset[RemotePartyRole] = frozenset(
    {
        RemotePartyRole.RECOVERY,
        RemotePartyRole.SUPPLIER,
        RemotePartyRole.NETWORK_OPERATOR,
        RemotePartyRole.ACCESS_CONTROL_BROKER,
        RemotePartyRole.TRANSITIONAL_COS,
        RemotePartyRole.WAN_PROVIDER,
        RemotePartyRole.LOAD_CONTROLLER,
        RemotePartyRole.OTHER_USER,
    }
)

_KEY_USAGES = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
)


@dataclass(frozen=True, eq=False)
class OrgCertificate:
    """A certificate with its SMKI facts decoded; CA certificates have no EUI.

    ``role`` is None when the OU is absent or names no known Remote Party Role;
    ``role_code`` then keeps the OU as written, so an unknown role (say ``88``) can
    be listed while it can neither sign nor be accepted as a signer (the signer
    policy admits only listed roles). Values read on every signature (issuer string,
    serial, public key, validity) are computed once: cryptography rebuilds them on
    each access.
    """

    certificate: x509.Certificate
    eui: EUI64 | None
    role: RemotePartyRole | None
    key_usage: tuple[str, ...]
    key_usage_critical: bool
    policies: tuple[str, ...]
    policies_critical: bool
    source: str | None = None
    warnings: tuple[str, ...] = field(default=())
    role_code: str | None = None
    #: A device certificate's EUI-64, from subjectAltName ``hardwareModuleName``
    #: (devices have no ``x500UniqueIdentifier``); None for organisation certificates.
    device_eui: EUI64 | None = None

    @cached_property
    def serial(self) -> int:
        return self.certificate.serial_number

    @cached_property
    def issuer(self) -> str:
        """The issuer in RFC 4514 form, as KeyInfo writes it (``CN=Z1,OU=07``)."""
        return self.certificate.issuer.rfc4514_string()

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string(
            {X500_UNIQUE_IDENTIFIER: "x500UniqueIdentifier"}
        )

    @cached_property
    def not_before(self) -> datetime:
        return self.certificate.not_valid_before_utc

    @cached_property
    def not_after(self) -> datetime:
        return self.certificate.not_valid_after_utc

    @cached_property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        """The P-256 public key; CertificateError for any other kind (SMKI uses only P-256)."""
        key = _public_key(self.certificate, self.source)
        if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(
            key.curve, ec.SECP256R1
        ):
            raise CertificateError(
                f"certificate key is {self.curve_name or 'not an EC key'}, not ECDSA P-256 "
                "(the only kind SMKI uses)",
                source=self.source,
            )
        return key

    @cached_property
    def public_point(self) -> bytes:
        """The P-256 key as a compressed X9.62 point: how a private key is matched to it.

        Cached because every signature looks its key up by it.
        """
        return self.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )

    @property
    def can_sign(self) -> bool:
        """Key usage digitalSignature on a P-256 key: what any signature needs."""
        return "digital_signature" in self.key_usage and self.curve_name == "secp256r1"

    @property
    def use(self) -> CertificateUse | None:
        """What the key is for (xmlSign, Digital Signing, Key Agreement), or None.

        None for CA certificates, unknown roles and any certificate whose role and
        key usage do not make one of the three SMKI organisation kinds.
        """
        if self.eui is None or self.role is None:
            return None
        if "digital_signature" in self.key_usage and "key_agreement" not in self.key_usage:
            if self.role in XMLSIGN_ROLES:
                return CertificateUse.XML_SIGN
            if self.role in DIGITAL_SIGNING_ROLES:
                return CertificateUse.DIGITAL_SIGNING
        elif "key_agreement" in self.key_usage and self.role in DIGITAL_SIGNING_ROLES:
            return CertificateUse.KEY_AGREEMENT
        return None

    def valid_at(self, when: datetime) -> bool:
        return self.not_before <= when <= self.not_after

    def validity_problem(self, when: datetime) -> str | None:
        """Why the certificate is not valid at ``when``, or None."""
        if when > self.not_after:
            return f"expired on {utc_text(self.not_after)} (checked at {utc_text(when)})"
        if when < self.not_before:
            return f"not valid before {utc_text(self.not_before)} (checked at {utc_text(when)})"
        return None

    @property
    def role_text(self) -> str:
        """The role for people: ``87 (xml sign)``, ``88 (unknown role)`` or ``(none)``."""
        if self.role is not None:
            return f"{self.role.value} ({self.role.name.lower().replace('_', ' ')})"
        if self.role_code is not None:
            return f"{self.role_code} (unknown role: cannot sign or be accepted as a signer)"
        return "(none)"

    def describe(self) -> str:
        """A short name for messages: role, EUI, issuer and serial."""
        if self.role:
            role = f"role {self.role.value}"
        elif self.role_code is not None:
            role = f"unknown role {self.role_code!r}"
        else:
            role = "no role"
        eui = (
            f"EUI {self.eui}"
            if self.eui
            else f"device EUI {self.device_eui}"
            if self.device_eui
            else "no EUI"
        )
        return f"{role}, {eui}, issuer {self.issuer}, serial {self.serial}" + (
            f" ({self.source})" if self.source else ""
        )

    def to_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "subject": self.subject,
            "eui": str(self.eui) if self.eui else None,
            "device_eui": str(self.device_eui) if self.device_eui else None,
            "role": self.role.value if self.role else self.role_code,
            "role_name": self.role.name.lower() if self.role else None,
            "role_known": self.role is not None,
            "use": self.use.value if self.use else None,
            "issuer": self.issuer,
            "serial": str(self.serial),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "key_usage": list(self.key_usage),
            "key_usage_critical": self.key_usage_critical,
            "policies": list(self.policies),
            "policies_critical": self.policies_critical,
            "curve": self.curve_name,
            "warnings": list(self.warnings),
        }

    @cached_property
    def curve_name(self) -> str | None:
        key = _public_key(self.certificate, self.source)
        return key.curve.name if isinstance(key, ec.EllipticCurvePublicKey) else None

    @classmethod
    def from_x509(cls, cert: x509.Certificate, *, source: str | None = None) -> OrgCertificate:
        """Decode the SMKI facts; CertificateError for anything ambiguous or unreadable.

        Refused, because a verifier could be fooled by whichever copy it reads: two
        ``x500UniqueIdentifier`` values or two OUs in the subject, a duplicated
        extension, an OU or EUI of the wrong ASN.1 type, a key cryptography cannot
        load (an unsupported curve).
        """
        try:
            return cls._decode(cert, source)
        except CertificateError:
            raise
        except x509.DuplicateExtension as exc:
            raise CertificateError(
                f"certificate has the extension {exc.oid.dotted_string} twice; a certificate "
                "must carry each extension once (RFC 5280 4.2)",
                source=source,
            ) from None
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise CertificateError(
                f"certificate cannot be decoded: {_first_clause(exc)}", source=source
            ) from None

    @classmethod
    def _decode(cls, cert: x509.Certificate, source: str | None) -> OrgCertificate:
        warnings: list[str] = []
        eui: EUI64 | None = None
        role: RemotePartyRole | None = None
        role_code: str | None = None
        subject = cert.subject
        eui_attrs = subject.get_attributes_for_oid(X500_UNIQUE_IDENTIFIER)
        if len(eui_attrs) > 1:
            raise CertificateError(
                f"subject has {len(eui_attrs)} x500UniqueIdentifier values; an SMKI "
                "certificate names exactly one EUI-64",
                source=source,
            )
        for attr in eui_attrs:
            if not isinstance(attr.value, bytes):
                raise CertificateError(
                    "x500UniqueIdentifier is a string; SMKI writes the EUI-64 as a BIT STRING",
                    source=source,
                )
            raw = attr.value
            # A BIT STRING value arrives with its leading unused-bits octet.
            if len(raw) == 9 and raw[0] == 0:
                raw = raw[1:]
            if len(raw) != 8:
                raise CertificateError(
                    f"x500UniqueIdentifier is {len(raw)} bytes; an SMKI EUI-64 is 8",
                    source=source,
                )
            eui = EUI64.from_bytes(raw)
        ou_attrs = subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
        if len(ou_attrs) > 1:
            raise CertificateError(
                f"subject has {len(ou_attrs)} OU values; an SMKI certificate names exactly one "
                "Remote Party Role",
                source=source,
            )
        for attr in ou_attrs:
            if not isinstance(attr.value, str):
                raise CertificateError(
                    "OU is not a string (e.g. a BIT STRING); SMKI writes the role as text",
                    source=source,
                )
            role_code = attr.value.strip()
            try:
                role, warning = RemotePartyRole.parse(attr.value)
            except ValueError:
                role = None
                if eui is not None:
                    warnings.append(
                        f"OU={role_code!r} is not a known Remote Party Role: this certificate "
                        "can be listed but cannot sign or be accepted as a signer"
                    )
            else:
                if warning:
                    warnings.append(warning)
        extensions = cert.extensions  # raises DuplicateExtension before anything is read
        usage: tuple[str, ...] = ()
        usage_critical = False
        try:
            ku_ext = extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE)
        except x509.ExtensionNotFound:
            pass
        else:
            ku = ku_ext.value
            assert isinstance(ku, x509.KeyUsage)
            usage = tuple(name for name in _KEY_USAGES if getattr(ku, name))
            usage_critical = ku_ext.critical
        policies: tuple[str, ...] = ()
        policies_critical = False
        try:
            cp_ext = extensions.get_extension_for_oid(ExtensionOID.CERTIFICATE_POLICIES)
        except x509.ExtensionNotFound:
            pass
        else:
            cp = cp_ext.value
            assert isinstance(cp, x509.CertificatePolicies)
            policies = tuple(p.policy_identifier.dotted_string for p in cp)
            policies_critical = cp_ext.critical
        device_eui = _device_eui(extensions, source)
        _public_key(cert, source)  # an unloadable key (unsupported curve) is refused now
        return cls(
            certificate=cert,
            eui=eui,
            role=role,
            key_usage=usage,
            key_usage_critical=usage_critical,
            policies=policies,
            policies_critical=policies_critical,
            source=source,
            warnings=tuple(warnings),
            role_code=role_code,
            device_eui=device_eui,
        )


def _der_item(raw: bytes, at: int, tag: int, what: str, source: str | None) -> tuple[bytes, int]:
    """One DER TLV of the expected tag at ``at``: its value and the offset after it."""

    def bad(why: str) -> CertificateError:
        return CertificateError(
            f"subjectAltName hardwareModuleName is malformed: {what} {why} at byte {at}",
            source=source,
        )

    if at + 2 > len(raw) or raw[at] != tag:
        raise bad(f"missing (expected tag {tag:#04x})")
    length, start = raw[at + 1], at + 2
    if length == 0x81 and start < len(raw):
        length, start = raw[start], start + 1
    elif length > 0x7F:
        raise bad("has an unsupported length form")
    if start + length > len(raw):
        raise bad("runs past the end")
    return raw[start : start + length], start + length


def _device_eui(extensions: x509.Extensions, source: str | None) -> EUI64 | None:
    """The EUI-64 a device certificate names in ``hardwareModuleName``, or None.

    ``HardwareModuleName ::= SEQUENCE { hwType OBJECT IDENTIFIER, hwSerialNum OCTET
    STRING }``; GBCS puts the device's 8-byte EUI in ``hwSerialNum``. Two such names,
    or one of another shape, are refused like the subject's duplicates: a reader could
    be fooled by whichever copy it takes.
    """
    try:
        san = extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None
    names = [n for n in san if isinstance(n, x509.OtherName) and n.type_id == HARDWARE_MODULE_NAME]
    if not names:
        return None
    if len(names) > 1:
        raise CertificateError(
            f"subjectAltName has {len(names)} hardwareModuleName values; a device certificate "
            "names exactly one device",
            source=source,
        )
    raw = names[0].value
    body, end = _der_item(raw, 0, 0x30, "the SEQUENCE", source)
    if end != len(raw):
        raise CertificateError(
            f"subjectAltName hardwareModuleName has {len(raw) - end} trailing byte(s)",
            source=source,
        )
    _, at = _der_item(body, 0, 0x06, "hwType", source)
    serial, at = _der_item(body, at, 0x04, "hwSerialNum", source)
    if at != len(body) or len(serial) != 8:
        raise CertificateError(
            f"subjectAltName hardwareModuleName hwSerialNum is {len(serial)} bytes"
            + ("" if at == len(body) else " followed by more fields")
            + "; a device EUI-64 is 8",
            source=source,
        )
    return EUI64.from_bytes(serial)


def _public_key(cert: x509.Certificate, source: str | None) -> object:
    try:
        return cert.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise CertificateError(
            f"certificate's public key cannot be loaded (unsupported curve or algorithm: "
            f"{_first_clause(exc)}); SMKI keys are ECDSA P-256",
            source=source,
        ) from None


def utc_text(when: datetime) -> str:
    """A time as certificates and DUIS write it, ``YYYY-MM-DDTHH:MM:SSZ`` in UTC.

    ``%Y`` dropped the leading zeros of a year before 1000 (``--at 0001-01-01`` read
    "1-01-01"), and a time given with an offset was printed with its local clock and
    a ``Z``. One that UTC cannot hold (year 9999 at -05:00) keeps its own offset.
    """
    if when.tzinfo is not None:
        try:
            when = when.astimezone(timezone.utc)
        except OverflowError:
            return when.replace(microsecond=0).isoformat()
    return (
        f"{when.year:04d}-{when.month:02d}-{when.day:02d}"
        f"T{when.hour:02d}:{when.minute:02d}:{when.second:02d}Z"
    )


def _first_clause(exc: BaseException) -> str:
    """cryptography's parse errors are debug dumps of its ASN.1 parser: keep what was wrong.

    A key error is a paragraph of guesses ending "Details: <what the parser saw>": its
    first sentence and those details are kept (the paragraph was once cut to "...
    explicit parameters). Details").
    """
    text = str(exc)
    head, _, details = text.partition(" Details: ")
    if details:
        first = head.split(". ", 1)[0].strip().rstrip(".")
        seen = details.split(" (got ", 1)[0].split(" {", 1)[0].strip()
        return f"{first} ({seen})"
    return text.split(" {", 1)[0].split(":", 1)[0].strip() or type(exc).__name__


def read_credential_file(path: str | os.PathLike[str]) -> bytes:
    """Read a certificate or key file, never more than MAX_CREDENTIAL_FILE_BYTES.

    The one reader for every certificate and key file (``cert show``, ``--cert``,
    ``--key``, ``--trust``, keystore entries): ``/dev/zero`` or a huge file is refused
    after reading one byte past the bound, and a folder or missing file gets a clear
    CertificateError. FIFOs are read (``--key <(secret-tool ...)`` keeps a key off disk).
    """
    name = str(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_CREDENTIAL_FILE_BYTES + 1)
    except FileNotFoundError:
        raise CertificateError("no such file", source=name) from None
    except IsADirectoryError:
        raise CertificateError("is a directory, not a file", source=name) from None
    except OSError as exc:
        raise CertificateError(f"cannot read: {exc.strerror or exc}", source=name) from None
    if len(data) > MAX_CREDENTIAL_FILE_BYTES:
        raise CertificateError(
            f"larger than {MAX_CREDENTIAL_FILE_BYTES // 1024} KiB: not a certificate or key file",
            source=name,
        )
    return data


def _read(data: bytes | str | os.PathLike[str]) -> tuple[bytes, str | None]:
    if isinstance(data, bytes):
        return data, None
    return read_credential_file(data), str(data)


def load_certificates(
    data: bytes | str | os.PathLike[str], *, source: str | None = None
) -> list[OrgCertificate]:
    """Every certificate in a PEM file (one or more blocks) or a DER file."""
    raw, name = _read(data)
    name = source or name
    try:
        if b"-----BEGIN CERTIFICATE-----" in raw:
            certs = x509.load_pem_x509_certificates(raw)
        elif b"-----BEGIN" in raw:
            raise CertificateError("PEM file holds no CERTIFICATE block (a key file?)", source=name)
        else:
            certs = [x509.load_der_x509_certificate(raw)]
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise CertificateError(
            f"not a readable X.509 certificate (PEM or DER): {_first_clause(exc)}; give a "
            "certificate file (.pem/.cer/.der), not a key or a request",
            source=name,
        ) from None
    return [OrgCertificate.from_x509(c, source=name) for c in certs]


def load_certificate(
    data: bytes | str | os.PathLike[str], *, source: str | None = None
) -> OrgCertificate:
    """The one certificate in a PEM or DER file."""
    certs = load_certificates(data, source=source)
    if len(certs) != 1:
        raise CertificateError(
            f"file holds {len(certs)} certificates; expected one", source=source or certs[0].source
        )
    return certs[0]


def load_private_key(
    data: bytes | str | os.PathLike[str],
    *,
    password: bytes | None = None,
    source: str | None = None,
) -> PrivateKey:
    """A P-256 private key from PKCS#8 (PEM or DER) or SEC1 (``EC PRIVATE KEY``) PEM."""
    raw, name = _read(data)
    name = source or name
    try:
        if b"-----BEGIN" in raw:
            key = serialization.load_pem_private_key(raw, password=password)
        else:
            key = serialization.load_der_private_key(raw, password=password)
    except TypeError as exc:  # password missing or given for an unencrypted key
        raise CertificateError(f"cannot open private key: {exc}", source=name) from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise CertificateError(
            f"not a readable private key (PKCS#8 PEM/DER or SEC1 PEM): {_first_clause(exc)}",
            source=name,
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise CertificateError(
            "private key is not an ECDSA P-256 key, the only kind SMKI uses", source=name
        )
    return key


# --- issuer names -----------------------------------------------------------------

_ATTR_OIDS: dict[str, str] = {
    "CN": "2.5.4.3",
    "SN": "2.5.4.4",
    "SERIALNUMBER": "2.5.4.5",
    "C": "2.5.4.6",
    "L": "2.5.4.7",
    "ST": "2.5.4.8",
    "STREET": "2.5.4.9",
    "O": "2.5.4.10",
    "OU": "2.5.4.11",
    "X500UNIQUEIDENTIFIER": X500_UNIQUE_IDENTIFIER.dotted_string,
    "DC": "0.9.2342.19200300.100.1.25",
    "UID": "0.9.2342.19200300.100.1.1",
    "EMAILADDRESS": "1.2.840.113549.1.9.1",
    "E": "1.2.840.113549.1.9.1",
}

IssuerKey = tuple[tuple[tuple[str, str], ...], ...]


def _norm_value(value: str) -> str:
    return " ".join(value.split()).casefold()


def issuer_key(name: x509.Name) -> IssuerKey:
    """A comparable form of a certificate's issuer: RDNs in RFC 4514 order."""
    rdns: list[tuple[tuple[str, str], ...]] = []
    for rdn in reversed(list(name.rdns)):
        parts: list[tuple[str, str]] = []
        for attr in rdn:
            value = attr.value
            text = "#" + value.hex() if isinstance(value, bytes) else value
            parts.append((attr.oid.dotted_string, _norm_value(text)))
        rdns.append(tuple(sorted(parts)))
    return tuple(rdns)


@functools.lru_cache(maxsize=256)
def parse_issuer_name(text: str) -> IssuerKey:
    """Read an RFC 4514 name as written in X509IssuerName (spaces after commas allowed).

    cryptography's own parser refuses ``CN=Z1, OU=07``; producers write both forms.
    """
    rdns: list[tuple[tuple[str, str], ...]] = []
    for rdn_text in _split_unescaped(text, ","):
        parts: list[tuple[str, str]] = []
        for ava in _split_unescaped(rdn_text, "+"):
            if "=" not in ava:
                raise ValueError(f"not an RFC 4514 name: {text!r}")
            attr_type, value = ava.split("=", 1)
            attr_type = attr_type.strip()
            oid = _ATTR_OIDS.get(attr_type.upper())
            if oid is None:
                if re.fullmatch(r"[0-9]+(\.[0-9]+)+", attr_type):
                    oid = attr_type
                else:
                    raise ValueError(f"unknown attribute type {attr_type!r} in {text!r}")
            parts.append((oid, _norm_value(_unescape(value.strip()))))
        rdns.append(tuple(sorted(parts)))
    if not rdns:
        raise ValueError("empty issuer name")
    return tuple(rdns)


def _split_unescaped(text: str, sep: str) -> Iterable[str]:
    out: list[str] = []
    buf: list[str] = []
    escaped = False
    for ch in text:
        if escaped:
            buf.append("\\" + ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == sep:
            out.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    out.append("".join(buf))
    return [p for p in out if p.strip()] if sep == "," else out


def _unescape(value: str) -> str:
    if value.startswith("#"):
        return "#" + value[1:].lower()
    return re.sub(
        r"\\([0-9A-Fa-f]{2}|.)",
        lambda m: chr(int(m.group(1), 16)) if len(m.group(1)) == 2 else m.group(1),
        value,
    )


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
