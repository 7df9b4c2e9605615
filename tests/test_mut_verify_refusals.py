"""verify()'s refusals after the signature is read, each compared whole (mutation run).

The survivors of the full run of ``signing/_verify.py`` were the refusals from the
lookup of the signer on: their texts, the file and line they name, and the policy
arguments passed on. Each document here is the signed request of
``tests/test_mut_signing.py`` changed in one place and laid out one element per line,
so the line a refusal names is counted in the input.
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree
from test_mut_signing import SOURCE, _find, _tampered, _with_role_code, _World

from duis.ids import EUI64
from signing import (
    AlgorithmError,
    BadSignatureError,
    DigestMismatchError,
    Keystore,
    OrgCertificate,
    RemotePartyRole,
    SignatureEncodingError,
    SignerEUIError,
    SignerRoleError,
    SignerValidityError,
    UnknownSignerError,
    VerificationError,
    sign,
    verify,
)

RESPONSE = b"""<sr:Response xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway"
  schemaVersion="5.4">
  <sr:Header>
    <sr:RequestID>90-B3-D5-1F-30-01-00-00:00-12-4B-00-0A-51-7E-01:1764230400003</sr:RequestID>
    <sr:ResponseID>90-B3-D5-1F-30-01-00-00:00-12-4B-00-0A-51-7E-01:1764230400003</sr:ResponseID>
    <sr:ResponseCode>I0</sr:ResponseCode>
    <sr:ResponseDateTime>2026-12-01T10:00:00.000Z</sr:ResponseDateTime>
  </sr:Header>
</sr:Response>"""


@pytest.fixture(scope="module")
def world() -> _World:
    return _World()


def _refusal(data: bytes, keystore: Keystore, **kwargs: object) -> VerificationError:
    with pytest.raises(VerificationError) as info:
        verify(data, keystore, source=SOURCE, **kwargs)  # type: ignore[arg-type]
    assert info.value.source == SOURCE
    return info.value


def _set(path: str, text: str) -> object:
    def change(root: etree._Element) -> etree._Element:
        el = _find(root, path)
        el.text = text
        return el

    return change


def test_an_unknown_signer_is_named_by_issuer_and_serial(world: _World) -> None:
    data, line = _tampered(world.signed, lambda root: _find(root, ".//ds:X509IssuerSerial"))
    root = etree.fromstring(data)
    issuer = _find(root, ".//ds:X509IssuerName").text
    serial = _find(root, ".//ds:X509SerialNumber").text
    error = _refusal(data, Keystore())
    assert type(error) is UnknownSignerError and error.line == line
    assert error.message == (
        f"no certificate in the keystore has issuer {issuer!r} and serial {serial}; "
        "add the signer's certificate to the keystore (--keystore)"
    )


def test_a_digest_that_is_not_sha256_long_is_named_at_its_line(world: _World) -> None:
    short = base64.b64encode(bytes(20)).decode()
    data, line = _tampered(world.signed, _set(".//ds:DigestValue", short))  # type: ignore[arg-type]
    error = _refusal(data, world.keystore)
    assert type(error) is DigestMismatchError and error.line == line
    assert error.message == "DigestValue is 20 bytes, not a SHA-256 digest (a placeholder?)"


def test_a_signature_value_of_65_bytes_is_named_with_the_profile(world: _World) -> None:
    long = base64.b64encode(bytes(range(65))).decode()
    data, line = _tampered(world.signed, _set(".//ds:SignatureValue", long))  # type: ignore[arg-type]
    error = _refusal(data, world.keystore)
    assert type(error) is SignatureEncodingError and error.line == line
    assert error.message == (
        "SignatureValue is 65 bytes; the profile uses raw r||s, 64 bytes for P-256 "
        "(XML-DSig ECDSA, RFC 4050)"
    )


def test_a_changed_document_is_a_digest_mismatch_at_the_digest(world: _World) -> None:
    root = etree.fromstring(world.signed)
    _find(root, "sr:Header/sr:CommandVariant").text = "2"
    changed = etree.tostring(root)
    data, line = _tampered(changed, lambda r: _find(r, ".//ds:DigestValue"))
    error = _refusal(data, world.keystore)
    assert type(error) is DigestMismatchError and error.line == line
    assert error.message == (
        "digest does not match the document, as laid out or with the whitespace between "
        "elements removed: it was changed after signing (the digest is over inclusive C14N "
        "of the document without the Signature)"
    )


def test_a_signature_that_does_not_verify_names_the_signer_and_its_line(world: _World) -> None:
    value = _find(etree.fromstring(world.signed), ".//ds:SignatureValue").text or ""
    raw = bytearray(base64.b64decode("".join(value.split())))
    raw[40] ^= 1  # s changed: still 64 bytes, no longer a signature of SignedInfo
    data, line = _tampered(
        world.signed,
        _set(".//ds:SignatureValue", base64.b64encode(bytes(raw)).decode()),  # type: ignore[arg-type]
    )
    error = _refusal(data, world.keystore)
    assert type(error) is BadSignatureError and error.line == line
    assert error.message.startswith(
        "signature value does not verify with the certificate KeyInfo names ("
    )
    assert str(world.user.certificate.eui) in error.message


def test_a_signer_key_on_another_curve_is_refused(world: _World) -> None:
    # A P-384 certificate with the signer's subject and extensions, from the same CA,
    # named in KeyInfo in place of the real one: found, then refused for its curve.
    real = world.user.certificate.certificate
    builder = (
        x509.CertificateBuilder()
        .subject_name(real.subject)
        .issuer_name(real.issuer)
        .public_key(ec.generate_private_key(ec.SECP384R1()).public_key())
        .serial_number(real.serial_number + 1)
        .not_valid_before(real.not_valid_before_utc)
        .not_valid_after(real.not_valid_after_utc)
    )
    for extension in real.extensions:
        builder = builder.add_extension(extension.value, extension.critical)
    issuer_key = world.pki.issuing_ca_key
    assert isinstance(issuer_key, ec.EllipticCurvePrivateKey)
    other = OrgCertificate.from_x509(builder.sign(issuer_key, hashes.SHA256()))
    root = etree.fromstring(world.signed)
    _find(root, ".//ds:X509SerialNumber").text = str(real.serial_number + 1)
    error = _refusal(etree.tostring(root), Keystore([other]))
    assert type(error) is AlgorithmError and error.line is None
    assert error.message.startswith(
        "signer's certificate key is secp384r1, not ECDSA P-256 (the only kind SMKI uses) ("
    )


def test_an_expired_signer_says_how_to_check_an_old_message(world: _World) -> None:
    error = _refusal(world.signed, world.keystore, at=datetime(2200, 1, 1, tzinfo=timezone.utc))
    assert type(error) is SignerValidityError and error.line is None
    assert error.message.startswith("signer's certificate ")
    assert (
        "; give the time the message was signed with --at / at= if checking an old message ("
        in error.message
    )


def test_the_policy_shorthands_reach_the_policy(world: _World) -> None:
    signed = sign(RESPONSE, credentials=world.dsp, preserve_counter=True, validate=False).xml
    assert verify(signed, world.keystore).signer is not None  # the DCC test EUI by default
    error = _refusal(signed, world.keystore, dcc_eui=EUI64.parse("00-00-00-00-00-00-00-01"))
    assert type(error) is SignerEUIError
    error = _refusal(signed, world.keystore, response_roles=[RemotePartyRole.XML_SIGN])
    assert type(error) is SignerRoleError


def test_a_verified_message_carries_the_signers_warnings(world: _World) -> None:
    verified = verify(world.signed, world.keystore, source=SOURCE)
    assert verified.warnings == ()
    assert verified.warnings is not None


def test_a_signers_warnings_reach_the_verified_message(world: _World) -> None:
    # The DSP's certificate re-issued with its role written in decimal (137, as in
    # DCC's early test certificate): accepted as 89 with a warning, which the
    # verified message carries.
    cert = _with_role_code(world.pki, world.dsp.certificate, "137")
    assert len(cert.warnings) == 1
    signed = sign(RESPONSE, credentials=world.dsp, preserve_counter=True, validate=False).xml
    root = etree.fromstring(signed)
    _find(root, ".//ds:X509SerialNumber").text = str(cert.serial)
    verified = verify(etree.tostring(root), Keystore([cert]))
    assert verified.warnings == cert.warnings
