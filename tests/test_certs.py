"""SMKI certificate views, key loading in every format, the keystore and the test PKI."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from duis.ids import EUI64
from signing import (
    TEST_POLICY_OID,
    CertificateError,
    Keystore,
    KeystoreError,
    NoCredentialsError,
    RemotePartyRole,
    load_certificate,
    load_certificates,
    load_private_key,
    make_test_pki,
    parse_issuer_name,
)
from signing._certs import issuer_key

USER = EUI64.parse("90-B3-D5-1F-30-01-00-00")
DCC = EUI64.parse("90-B3-D5-1F-30-00-00-02")


@pytest.mark.parametrize(
    ("text", "role", "warns"),
    [
        ("87", RemotePartyRole.XML_SIGN, False),
        ("7f", RemotePartyRole.OTHER_USER, False),
        ("89", RemotePartyRole.DSP_XML_SIGN, False),
        ("137", RemotePartyRole.DSP_XML_SIGN, True),
        ("135", RemotePartyRole.XML_SIGN, True),
    ],
)
def test_role_parse(text: str, role: RemotePartyRole, warns: bool) -> None:
    got, warning = RemotePartyRole.parse(text)
    assert got is role
    assert (warning is not None) is warns


@pytest.mark.parametrize("text", ["99", "1", "xx", "999"])
def test_role_parse_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        RemotePartyRole.parse(text)


def test_issuer_names_compare_like_keyinfo_writes_them() -> None:
    pki = make_test_pki([(USER, RemotePartyRole.XML_SIGN)])
    cert = pki.organisations[0].certificate
    key = issuer_key(cert.certificate.issuer)
    assert parse_issuer_name("CN=T1,OU=07") == key
    assert parse_issuer_name("CN=T1, OU=07") == key
    assert parse_issuer_name("cn=t1 , ou=07") == key
    assert parse_issuer_name("OU=07,CN=T1") != key  # RDN order matters
    with pytest.raises(ValueError):
        parse_issuer_name("nonsense")


def test_test_pki_is_smki_shaped(tmp_path: Path) -> None:
    pki = make_test_pki(
        [(USER, RemotePartyRole.XML_SIGN), (DCC, RemotePartyRole.DSP_XML_SIGN)], tmp_path
    )
    org = load_certificate(tmp_path / "xml-sign-90B3D51F30010000.pem")
    assert org.eui == USER and org.role is RemotePartyRole.XML_SIGN
    assert org.key_usage == ("digital_signature",) and org.key_usage_critical
    assert org.policies == (TEST_POLICY_OID,) and org.policies_critical
    assert org.issuer == "CN=T1,OU=07"
    assert org.not_after.year == 2099
    org.certificate.verify_directly_issued_by(pki.issuing_ca.certificate)
    pki.issuing_ca.certificate.verify_directly_issued_by(pki.root.certificate)
    assert "TEST-ONLY" in (tmp_path / "README.txt").read_text()
    ks = Keystore.from_dir(tmp_path)
    creds = ks.credentials_for(DCC)
    assert creds.certificate.role is RemotePartyRole.DSP_XML_SIGN


def test_key_formats(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    forms = {
        "pkcs8.pem": key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        "pkcs8.der": key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        "sec1.pem": key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ),
    }
    for name, data in forms.items():
        (tmp_path / name).write_bytes(data)
        loaded = load_private_key(tmp_path / name)
        assert loaded.private_numbers() == key.private_numbers(), name
    other = ec.generate_private_key(ec.SECP384R1())
    (tmp_path / "p384.pem").write_bytes(
        other.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(CertificateError, match="P-256"):
        load_private_key(tmp_path / "p384.pem")
    with pytest.raises(CertificateError, match="no such file"):
        load_private_key(tmp_path / "missing.key")


def test_certificate_pem_and_der(tmp_path: Path) -> None:
    pki = make_test_pki([(USER, RemotePartyRole.XML_SIGN)])
    cert = pki.organisations[0].certificate.certificate
    (tmp_path / "c.der").write_bytes(cert.public_bytes(serialization.Encoding.DER))
    (tmp_path / "two.pem").write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + pki.issuing_ca.certificate.public_bytes(serialization.Encoding.PEM)
    )
    assert load_certificate(tmp_path / "c.der").eui == USER
    assert len(load_certificates(tmp_path / "two.pem")) == 2
    with pytest.raises(CertificateError, match="2 certificates"):
        load_certificate(tmp_path / "two.pem")
    (tmp_path / "junk.pem").write_bytes(
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    )
    with pytest.raises(CertificateError, match=r"junk\.pem"):
        load_certificate(tmp_path / "junk.pem")


def test_keystore_unreadable_entry_names_the_file(tmp_path: Path) -> None:
    make_test_pki([(USER, RemotePartyRole.XML_SIGN)], tmp_path)
    (tmp_path / "broken.pem").write_text("-----BEGIN CERTIFICATE-----\nnope\n")
    with pytest.raises(KeystoreError, match=r"broken\.pem"):
        Keystore.from_dir(tmp_path)
    with pytest.raises(KeystoreError, match="does not exist"):
        Keystore.from_dir(tmp_path / "absent")


def test_keystore_indexes(tmp_path: Path) -> None:
    pki = make_test_pki([(USER, RemotePartyRole.XML_SIGN)], tmp_path)
    ks = Keystore.from_dir(tmp_path)
    org = pki.organisations[0].certificate
    found = ks.by_issuer_serial(parse_issuer_name(org.issuer), org.serial)
    assert found is not None and found.eui == USER
    assert [c.role for c in ks.find(USER)] == [RemotePartyRole.XML_SIGN]
    with pytest.raises(NoCredentialsError):
        ks.credentials_for(DCC)


def test_unreadable_certificate_message_is_for_people(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    with pytest.raises(CertificateError) as info:
        load_certificates(bad)
    text = str(info.value)
    assert "ParseError" not in text and "{" not in text
    assert "not a key" in text and str(bad) in text
