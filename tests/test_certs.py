"""SMKI certificate views, key loading in every format, the keystore and the test PKI."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID

from duis.cli import cli
from duis.ids import EUI64
from signing import (
    TEST_POLICY_OID,
    CertificateError,
    CertificateUse,
    Keystore,
    KeystoreError,
    NoCredentialsError,
    RemotePartyRole,
    issue_org_certificate,
    load_certificate,
    load_certificates,
    load_private_key,
    make_test_pki,
    parse_issuer_name,
)
from signing._certs import (
    MAX_CREDENTIAL_FILE_BYTES,
    OrgCertificate,
    issuer_key,
    read_credential_file,
    utc_text,
)

USER = EUI64.parse("90-B3-D5-1F-30-01-00-00")
DCC = EUI64.parse("90-B3-D5-1F-30-00-00-02")


@pytest.mark.parametrize(
    ("text", "role", "warns"),
    [
        ("87", RemotePartyRole.XML_SIGN, False),
        ("7f", RemotePartyRole.OTHER_USER, False),
        ("89", RemotePartyRole.DSP_XML_SIGN, False),
        ("137", RemotePartyRole.DSP_XML_SIGN, True),
    ],
)
def test_role_parse(text: str, role: RemotePartyRole, warns: bool) -> None:
    got, warning = RemotePartyRole.parse(text)
    assert got is role
    assert (warning is not None) is warns


# Only the documented decimal 137 (DCC's pre-1.4.1 DSP xmlSign certificate) is read:
# 135 would otherwise become xmlSign 87 and 002 supplier (issue 14.11).
@pytest.mark.parametrize("text", ["99", "1", "xx", "999", "135", "002", "127", "88"])
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


@pytest.mark.parametrize(
    "raw", [b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", b"\x28" * 60]
)
def test_unreadable_key_message_says_what_the_parser_saw(tmp_path: Path, raw: bytes) -> None:
    # cryptography's paragraph of guesses was cut to "... explicit parameters). Details".
    bad = tmp_path / "bad.key"
    bad.write_bytes(raw)
    with pytest.raises(CertificateError) as info:
        load_private_key(bad)
    text = str(info.value)
    assert "not a readable private key" in text and "Could not deserialize key data (" in text
    assert "ASN.1" in text and "Details" not in text and "{" not in text
    assert text.count("(") == text.count(")")


def test_make_test_pki_never_replaces_existing_files_unless_told(tmp_path: Path) -> None:
    # Pointed by mistake at a real keystore, it replaced the keys there with test keys.
    folder = tmp_path / "keystore"
    make_test_pki([(USER, RemotePartyRole.XML_SIGN)], folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(KeystoreError, match=r"already holds root\.pem, root\.key\.pem"):
        make_test_pki([(USER, RemotePartyRole.XML_SIGN)], folder)
    args = ["cert", "make-test-pki", str(folder), "--eui", str(USER)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "which a test PKI would replace" in result.output
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # nothing written
    result = CliRunner().invoke(cli, [*args, "--replace"])
    assert result.exit_code == 0, result.output
    after = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert after.keys() == before.keys() and after["root.pem"] != before["root.pem"]


def test_a_validity_no_certificate_can_hold_is_a_clear_error(tmp_path: Path) -> None:
    # --not-after 1900 was cryptography's ValueError, a traceback.
    for not_after, words in (
        (datetime(1900, 1, 1, tzinfo=timezone.utc), "outside what a certificate can hold"),
        (datetime(2010, 1, 1, tzinfo=timezone.utc), "is not after not_before"),
    ):
        with pytest.raises(CertificateError, match=words):
            make_test_pki([(USER, RemotePartyRole.XML_SIGN)], not_after=not_after)
    pki = make_test_pki([(USER, RemotePartyRole.XML_SIGN)])
    with pytest.raises(CertificateError, match="outside what a certificate can hold"):
        issue_org_certificate(
            pki.issuing_ca,
            pki.issuing_ca_key,
            USER,
            RemotePartyRole.XML_SIGN,
            not_after=datetime(1900, 1, 1, tzinfo=timezone.utc),
        )
    args = ["cert", "make-test-pki", str(tmp_path / "p"), "--eui", str(USER)]
    result = CliRunner().invoke(cli, [*args, "--not-after", "1900-01-01T00:00:00Z"])
    assert result.exit_code == 2 and "[certificate.invalid]" in result.output
    assert not (tmp_path / "p").exists()


def test_times_in_messages_are_utc_with_four_digit_years() -> None:
    # "%Y" printed year 1 as "1", and a time with an offset kept its clock with a "Z".
    from datetime import timedelta

    minus5 = timezone(timedelta(hours=-5))
    assert utc_text(datetime(1, 1, 1, tzinfo=minus5)) == "0001-01-01T05:00:00Z"
    assert utc_text(datetime(2025, 3, 1, 22, 30, tzinfo=minus5)) == "2025-03-02T03:30:00Z"
    assert utc_text(datetime(9999, 12, 31, 23, 0, tzinfo=minus5)) == "9999-12-31T23:00:00-05:00"
    assert utc_text(datetime(2025, 3, 1)) == "2025-03-01T00:00:00Z"  # naive: UTC


# --- Digital Signing beside xmlSign (issue 9) ------------------------------------

REFERENCE = Path(
    os.environ.get("DUIS_REFERENCE_DIR", Path(__file__).parents[2] / "shared" / "reference")
)
RTDS_KEYSTORE = REFERENCE / "gbcs-rtds" / "keystore"


def test_keystore_tells_digital_signing_from_xml_sign(tmp_path: Path) -> None:
    make_test_pki([(USER, RemotePartyRole.XML_SIGN), (USER, RemotePartyRole.SUPPLIER)], tmp_path)
    ks = Keystore.from_dir(tmp_path)
    ds = ks.digital_signing_credentials(USER).certificate
    xml = ks.xml_sign_credentials(USER).certificate
    assert ds.role is RemotePartyRole.SUPPLIER and ds.use is CertificateUse.DIGITAL_SIGNING
    assert ds.key_usage == ("digital_signature",) and ds.key_usage_critical
    assert ds.policies == (TEST_POLICY_OID,) and ds.policies_critical
    assert xml.role is RemotePartyRole.XML_SIGN and xml.use is CertificateUse.XML_SIGN
    assert (tmp_path / "ds-supplier-90B3D51F30010000.pem").is_file()
    assert [c.use for c in ks.find(USER, use=CertificateUse.DIGITAL_SIGNING)] == [
        CertificateUse.DIGITAL_SIGNING
    ]
    with pytest.raises(NoCredentialsError, match="digital-signing"):
        ks.digital_signing_credentials(DCC)


def test_xml_sign_key_is_never_the_digital_signing_key(tmp_path: Path) -> None:
    make_test_pki([(USER, RemotePartyRole.XML_SIGN)], tmp_path)
    ks = Keystore.from_dir(tmp_path)
    with pytest.raises(NoCredentialsError, match="xml-sign role 87"):
        ks.digital_signing_credentials(USER)


def test_key_agreement_certificate_is_never_chosen_to_sign(tmp_path: Path) -> None:
    from signing import issue_org_certificate
    from signing._pki import _pem_cert, _pem_key

    pki = make_test_pki([])
    ka = issue_org_certificate(
        pki.issuing_ca,
        pki.issuing_ca_key,
        USER,
        RemotePartyRole.SUPPLIER,
        key_agreement=True,
        not_before=datetime(2024, 1, 1, tzinfo=timezone.utc),
    )
    assert ka.certificate.use is CertificateUse.KEY_AGREEMENT
    (tmp_path / "ka.pem").write_bytes(_pem_cert(ka.certificate))
    (tmp_path / "ka.key").write_bytes(_pem_key(ka.private_key))
    ks = Keystore.from_dir(tmp_path)
    with pytest.raises(NoCredentialsError):
        ks.digital_signing_credentials(USER)
    with pytest.raises(NoCredentialsError):
        ks.credentials_for(USER, roles={RemotePartyRole.SUPPLIER})


@pytest.mark.skipif(not RTDS_KEYSTORE.is_dir(), reason="reference data not found")
def test_rtds_keystore_loads_and_names_the_supplier_digital_signing_key() -> None:
    ks = Keystore.from_dir(RTDS_KEYSTORE)
    # fffffffffffffffe-ka.pem holds a PUBLIC KEY block: reported and skipped, not fatal.
    assert [Path(e.path).name for e in ks.skipped] == ["fffffffffffffffe-ka.pem"]
    supplier = EUI64.parse("90b3d51f30010000")
    creds = ks.digital_signing_credentials(supplier, at=datetime(2020, 1, 1, tzinfo=timezone.utc))
    assert Path(creds.certificate.source or "").name == "90b3d51f30010000-ds.pem"
    kinds = sorted(
        (Path(c.source or "").name, c.use.value if c.use else None) for c in ks.find(supplier)
    )
    assert kinds == [
        ("90b3d51f30010000-ds.pem", "digital-signing"),
        ("90b3d51f30010000-ka.pem", "key-agreement"),
        ("90b3d51f30010000-pp-ka.pem", "key-agreement"),
    ]


def test_make_test_pki_digital_signing_option(tmp_path: Path) -> None:
    folder = tmp_path / "pki"
    r = CliRunner().invoke(
        cli,
        [
            "cert",
            "make-test-pki",
            str(folder),
            "--eui",
            str(USER),
            "--digital-signing",
            f"{USER}:02",
            "--digital-signing",
            f"{DCC}:04",
        ],
    )
    assert r.exit_code == 0, r.output
    ks = Keystore.from_dir(folder)
    assert ks.digital_signing_credentials(USER).certificate.role is RemotePartyRole.SUPPLIER
    acb = ks.digital_signing_credentials(DCC).certificate
    assert acb.role is RemotePartyRole.ACCESS_CONTROL_BROKER
    assert ks.xml_sign_credentials(USER).certificate.role is RemotePartyRole.XML_SIGN
    r = CliRunner().invoke(
        cli, ["cert", "make-test-pki", str(folder), "--digital-signing", f"{USER}:87"]
    )
    assert r.exit_code == 2 and "no Digital Signing certificate" in r.output


def test_example_pki_has_the_supplier_digital_signing_key() -> None:
    ks = Keystore.from_dir(Path(__file__).parents[1] / "examples" / "pki")
    ds = ks.digital_signing_credentials(USER).certificate
    assert ds.role is RemotePartyRole.SUPPLIER and ds.key_usage == ("digital_signature",)
    assert ks.xml_sign_credentials(USER).certificate.role is RemotePartyRole.XML_SIGN
    assert ks.xml_sign_credentials(DCC).certificate.role is RemotePartyRole.DSP_XML_SIGN


# --- unknown roles and stray files (issue 8 §2.6) --------------------------------


def _org_name(ou: str | None = "87", eui: EUI64 | None = USER) -> list[x509.NameAttribute]:
    attrs: list[x509.NameAttribute] = []
    if ou is not None:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    if eui is not None:
        attrs.append(
            x509.NameAttribute(
                x509.ObjectIdentifier("2.5.4.45"),
                b"\x00" + eui.to_bytes(),
                _type=_ASN1Type.BitString,
            )
        )
    return attrs


def _cert_der(
    attrs: list[x509.NameAttribute],
    *,
    serial: int = 4242,
    dup_ski: bool = False,
    curve: ec.EllipticCurve | None = None,
) -> bytes:
    key = ec.generate_private_key(curve or ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attrs))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "T1")]))
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(datetime(2020, 1, 1, tzinfo=timezone.utc))
        .not_valid_after(datetime(2099, 1, 1, tzinfo=timezone.utc))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
        )
    )
    der = builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    if dup_ski:  # authorityKeyIdentifier's OID (2.5.29.35) rewritten to subjectKeyIdentifier's
        assert der.count(bytes.fromhex("0603551d23")) == 1
        der = der.replace(bytes.fromhex("0603551d23"), bytes.fromhex("0603551d0e"))
    return der


def _pem(der: bytes) -> bytes:
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)


def test_unknown_role_loads_and_is_listed_but_cannot_sign(tmp_path: Path) -> None:
    make_test_pki([(USER, RemotePartyRole.XML_SIGN)], tmp_path)
    (tmp_path / "odd.pem").write_bytes(_pem(_cert_der(_org_name("88"))))
    ks = Keystore.from_dir(tmp_path)
    odd = [c for c in ks if c.role_code == "88"]
    assert len(odd) == 1 and odd[0].role is None and odd[0].use is None
    assert "unknown role" in odd[0].role_text and odd[0].warnings
    assert ks.xml_sign_credentials(USER).certificate.role is RemotePartyRole.XML_SIGN
    r = CliRunner().invoke(cli, ["cert", "show", str(tmp_path / "odd.pem")])
    assert r.exit_code == 0 and "88 (unknown role" in r.output


def test_file_that_is_not_a_certificate_is_skipped_and_reported(tmp_path: Path) -> None:
    make_test_pki([(USER, RemotePartyRole.XML_SIGN)], tmp_path)
    pub = ec.generate_private_key(ec.SECP256R1()).public_key()
    (tmp_path / "a-public.pem").write_bytes(
        pub.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    (tmp_path / "notes.der").write_bytes(b"just some notes\n")
    ks = Keystore.from_dir(tmp_path)
    assert sorted(Path(e.path).name for e in ks.skipped) == ["a-public.pem", "notes.der"]
    assert "PUBLIC KEY" in str(ks.skipped[0])
    assert ks.xml_sign_credentials(USER)
    r = CliRunner().invoke(cli, ["cert", "show", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "a-public.pem: warning:" in r.output and "xml-sign-90B3D51F30010000.pem" in r.output


# --- hostile certificates (issue 14.10, 14.11) -----------------------------------


def _hostile(kind: str) -> bytes:
    if kind == "duplicate-extension":
        return _cert_der(_org_name(), dup_ski=True)
    if kind == "ou-bit-string":
        # x500UniqueIdentifier's OID (2.5.4.45) rewritten to OU's (2.5.4.11): an OU BIT STRING
        der = _cert_der(_org_name(ou=None))
        return der.replace(
            bytes.fromhex("060355042d"), bytes.fromhex("0603550 40b".replace(" ", ""))
        )
    if kind == "unsupported-curve":
        # prime256v1's OID with its last arc changed: a curve nobody implements
        der = _cert_der(_org_name())
        p256 = bytes.fromhex("06082a8648ce3d030107")
        assert der.count(p256) == 1
        return der.replace(p256, bytes.fromhex("06082a8648ce3d03017f"))
    if kind == "two-euis":
        return _cert_der(_org_name() + _org_name(ou=None, eui=DCC))
    if kind == "two-ous":
        return _cert_der(_org_name("87") + _org_name("02", eui=None))
    raise AssertionError(kind)


HOSTILE = ["duplicate-extension", "ou-bit-string", "unsupported-curve", "two-euis", "two-ous"]


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_certificate_is_certificate_invalid(kind: str, tmp_path: Path) -> None:
    der = _hostile(kind)
    with pytest.raises(CertificateError) as info:
        load_certificates(der)
    assert info.value.rule == "certificate.invalid"
    path = tmp_path / "c.pem"
    path.write_bytes(_pem(der) if kind != "unsupported-curve" else der)
    r = CliRunner().invoke(cli, ["cert", "show", str(path)])
    assert r.exit_code == 2 and "[certificate.invalid]" in r.output and "Traceback" not in r.output
    make_test_pki([(USER, RemotePartyRole.XML_SIGN)], tmp_path)
    with pytest.raises(KeystoreError) as ks_info:
        Keystore.from_dir(tmp_path)
    assert ks_info.value.rule == "keystore.unreadable" and "c.pem" in str(ks_info.value)


def test_bounded_reads(tmp_path: Path) -> None:
    big = tmp_path / "big.pem"
    big.write_bytes(b"-" * (MAX_CREDENTIAL_FILE_BYTES + 10))
    for target in (big, Path("/dev/zero")):
        with pytest.raises(CertificateError, match="larger than"):
            read_credential_file(target)
        with pytest.raises(CertificateError, match="larger than"):
            load_private_key(target)
    r = CliRunner().invoke(cli, ["cert", "show", "/dev/zero"])
    assert r.exit_code == 2 and "larger than" in r.output and "[certificate.invalid]" in r.output


def test_two_entries_with_one_issuer_and_serial_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.pem").write_bytes(_pem(_cert_der(_org_name(), serial=77)))
    (tmp_path / "b.pem").write_bytes(_pem(_cert_der(_org_name(), serial=77)))
    with pytest.raises(KeystoreError, match="shadow") as info:
        Keystore.from_dir(tmp_path)
    assert "a.pem" in str(info.value) and "b.pem" in str(info.value)
    # The same certificate twice (a copy) is not ambiguous.
    (tmp_path / "b.pem").write_bytes((tmp_path / "a.pem").read_bytes())
    assert len(Keystore.from_dir(tmp_path)) == 1


@pytest.mark.parametrize("ou", ["135", "002", "127"])
def test_other_decimal_ous_give_no_role(ou: str) -> None:
    cert = load_certificate(_cert_der(_org_name(ou)))
    assert cert.role is None and cert.role_code == ou and not cert.use
    dsp = load_certificate(_cert_der(_org_name("137", eui=DCC)))
    assert dsp.role is RemotePartyRole.DSP_XML_SIGN and dsp.warnings


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
REQUEST = EXAMPLES / "requests" / "valid" / "4.1.1-read-instantaneous-import-registers.xml"
RESPONSE = EXAMPLES / "responses" / "read-firmware-version.xml"


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_keystore_entry_is_exit_2_in_every_command(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUIS_COUNTER_DB", str(tmp_path / "counters.sqlite3"))
    ks = tmp_path / "ks"
    make_test_pki([(USER, RemotePartyRole.XML_SIGN), (DCC, RemotePartyRole.DSP_XML_SIGN)], ks)
    (ks / "hostile.der").write_bytes(_hostile(kind))
    runner = CliRunner()
    for args in (
        ["verify", "--keystore", str(ks), str(RESPONSE)],
        ["validate", "--keystore", str(ks), str(REQUEST)],
        ["sign", "--keystore", str(ks), str(REQUEST), "-o", str(tmp_path / "out.xml")],
    ):
        r = runner.invoke(cli, args)
        assert r.exit_code == 2, (args, r.output)
        assert "hostile.der" in r.output
        assert r.exception is None or isinstance(r.exception, SystemExit)
    assert not (tmp_path / "out.xml").exists()


def test_dev_zero_as_trust_cert_or_key_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUIS_COUNTER_DB", str(tmp_path / "counters.sqlite3"))
    pki = tmp_path / "pki"
    make_test_pki([(USER, RemotePartyRole.XML_SIGN)], pki)
    cert, key = pki / "xml-sign-90B3D51F30010000.pem", pki / "xml-sign-90B3D51F30010000.key.pem"
    runner = CliRunner()
    for args in (
        ["verify", "--keystore", str(pki), "--trust", "/dev/zero", str(RESPONSE)],
        ["sign", "--cert", "/dev/zero", "--key", str(key), "--preserve-counter", str(REQUEST)],
        ["sign", "--cert", str(cert), "--key", "/dev/zero", "--preserve-counter", str(REQUEST)],
    ):
        r = runner.invoke(cli, args)
        assert r.exit_code == 2, (args, r.output)
        assert "/dev/zero" in r.output and "larger than" in r.output


# --- Device certificates: the EUI-64 in subjectAltName hardwareModuleName (RFC 4108) ---

#: DER of id-on-hardwareModuleName's value, written out by hand from RFC 4108:
#: SEQUENCE(25) { OID(13) 1.2.826.0.1.1800000.1.2.1.2 (a made-up hwType), OCTET STRING(8) EUI }.
_HW_TYPE = bytes.fromhex("060d2a863a0001848fb90f01020102")
_DEVICE = bytes.fromhex("00db0000000000a5")


def _hw_name(body: bytes) -> bytes:
    return bytes([0x30, len(body)]) + body


def _device_cert(*other_names: bytes) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    when = datetime(2020, 1, 1, tzinfo=timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "T1")]))
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(when)
        .not_valid_after(when.replace(year=2040))
    )
    if other_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.OtherName(x509.ObjectIdentifier("1.3.6.1.5.5.7.8.4"), v) for v in other_names]
            ),
            critical=True,
        )
    return builder.sign(key, hashes.SHA256())


def test_device_certificate_names_its_device() -> None:
    cert = OrgCertificate.from_x509(
        _device_cert(_hw_name(_HW_TYPE + b"\x04\x08" + _DEVICE)), source="dev.pem"
    )
    assert cert.device_eui == EUI64.parse("00-DB-00-00-00-00-00-A5")
    assert cert.eui is None and cert.use is None  # a device is never an organisation signer
    assert "device EUI 00-DB-00-00-00-00-00-A5" in cert.describe()
    assert cert.to_json()["device_eui"] == "00-DB-00-00-00-00-00-A5"


def test_organisation_certificate_has_no_device_eui() -> None:
    assert OrgCertificate.from_x509(_device_cert()).device_eui is None


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (_hw_name(_HW_TYPE + b"\x04\x07" + _DEVICE[:7]), "7 bytes"),
        (_hw_name(_HW_TYPE + b"\x04\x09" + _DEVICE + b"\x00"), "9 bytes"),
        (_hw_name(b"\x04\x08" + _DEVICE), "hwType missing"),
        (_hw_name(_HW_TYPE), "hwSerialNum missing"),
        (_hw_name(_HW_TYPE + b"\x04\x08" + _DEVICE + b"\x05\x00"), "more fields"),
        (_hw_name(_HW_TYPE + b"\x0c\x08" + _DEVICE), "hwSerialNum missing"),  # a UTF8String
    ],
)
def test_malformed_hardware_module_name_is_refused(value: bytes, why: str) -> None:
    with pytest.raises(CertificateError, match=why):
        OrgCertificate.from_x509(_device_cert(value), source="dev.pem")


def test_two_hardware_module_names_are_refused() -> None:
    one = _hw_name(_HW_TYPE + b"\x04\x08" + _DEVICE)
    two = _hw_name(_HW_TYPE + b"\x04\x08" + bytes(8))
    with pytest.raises(CertificateError, match="2 hardwareModuleName"):
        OrgCertificate.from_x509(_device_cert(one, two))


@pytest.mark.skipif(not RTDS_KEYSTORE.is_dir(), reason="reference data not found")
def test_rtds_device_certificates_name_the_device_their_file_is_named_for() -> None:
    devices = sorted(RTDS_KEYSTORE.glob("00db*.pem"))
    assert len(devices) >= 10
    for path in devices:
        cert = OrgCertificate.from_x509(
            x509.load_pem_x509_certificate(path.read_bytes()), source=str(path)
        )
        assert cert.device_eui == EUI64.parse(path.name[:16]), path.name


def test_cert_show_prints_the_device_eui(tmp_path: Path) -> None:
    pem = tmp_path / "dev.pem"
    pem.write_bytes(
        _device_cert(_hw_name(_HW_TYPE + b"\x04\x08" + _DEVICE)).public_bytes(
            serialization.Encoding.PEM
        )
    )
    result = CliRunner().invoke(cli, ["cert", "show", str(pem)])
    assert "00-DB-00-00-00-00-00-A5 (device" in result.output


def test_credentials_are_made_once_per_certificate_and_chosen_per_use(tmp_path: Path) -> None:
    make_test_pki([(USER, RemotePartyRole.XML_SIGN), (USER, RemotePartyRole.SUPPLIER)], tmp_path)
    ks = Keystore.from_dir(tmp_path)
    xml = ks.xml_sign_credentials(USER)
    assert ks.xml_sign_credentials(USER) is xml  # the key/certificate match is not redone
    ds = ks.digital_signing_credentials(USER)
    assert ds is not xml and ds.certificate.use is CertificateUse.DIGITAL_SIGNING
    assert ks.xml_sign_credentials(USER) is xml
