"""Signing against DCC's own material: its verdicts, its byte layout, its templates.

Reads ../shared/reference (never copies it): the DCC-signed messages must get the
verdicts in the reference README, a DCC-signed response re-signed by us must come
out byte-identical apart from the (randomised) ECDSA value, and every request
template signed with its originator's ZAZ1 key must verify with this verifier and
with signxml and still validate against the official 5.4 XSD.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod, XMLVerifier

from duis.cli import cli
from duis.ids import RequestID
from duis.schemas import SchemaRegistry
from duis.xml import parse
from signing import (
    BadSignatureError,
    Credentials,
    DigestMismatchError,
    InvalidRequestError,
    KeyInfoError,
    Keystore,
    NoCredentialsError,
    RemotePartyRole,
    SignatureMissingError,
    UnknownSignerError,
    VerificationError,
    issue_org_certificate,
    make_test_pki,
    sign,
    sign_tree,
    verify,
)

AT = datetime(2025, 10, 1, tzinfo=timezone.utc)
AT_TEXT = "2025-10-01T00:00:00Z"

# The "signature" column of the reference README: None = valid signature,
# "unsigned" = unsigned response (allowed), else the error expected.
VERDICTS: dict[str, type[Exception] | str | None] = {
    "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML": SignatureMissingError,
    "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS-invalid.XML": SignatureMissingError,
    "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS-nonexist-businessid.XML": SignatureMissingError,
    "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS-signed.XML": UnknownSignerError,
    "ECS50_9.1_SUCCESS_REQUEST_DUIS.XML": UnknownSignerError,
    "acknowledgement-error.xml": "unsigned",
    "duis-xxe.xml": "xml.unsafe",
    "message.xml": None,
    "message2.xml": "unsigned",
    "read-inventory-response-4g.xml": None,
    "read-inventory-response-5.4.xml": None,
    "readfw-response.xml": None,
    "readfw-response-resigned.xml": None,
    "readfw-response-badsignature.xml": BadSignatureError,
    "readfw-response-invalid.xml": DigestMismatchError,
    "readfw-response-no-serial.xml": KeyInfoError,
    "readfw-response-no-signature.xml": "unsigned",
    "readfw-response-nonexist-serial.xml": UnknownSignerError,
}


@pytest.fixture(scope="module")
def zaz1(ref: Path) -> Keystore:
    return Keystore.from_dir(ref / "certs" / "zaz1")


@pytest.fixture(scope="module")
def xsd54(official_54: Path) -> etree.XMLSchema:
    return SchemaRegistry([official_54]).official[0].compiled()


def test_every_signed_file_is_listed(ref: Path) -> None:
    assert {p.name for p in (ref / "signed").iterdir()} == set(VERDICTS)


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_api_verdicts(ref: Path, zaz1: Keystore, name: str) -> None:
    expected = VERDICTS[name]
    path = ref / "signed" / name
    if expected == "xml.unsafe":
        with pytest.raises(Exception) as info:
            verify(path, zaz1, at=AT)
        assert getattr(info.value, "rule", None) == "xml.unsafe"
    elif expected == "unsigned":
        result = verify(path, zaz1, at=AT, require_signature=False)
        assert not result.signed
        with pytest.raises(SignatureMissingError):
            verify(path, zaz1, at=AT)
    elif expected is None:
        result = verify(path, zaz1, at=AT)
        assert result.signer is not None
        assert result.signer.role in {
            RemotePartyRole.DSP_XML_SIGN,
            RemotePartyRole.ACCESS_CONTROL_BROKER,
        }
        assert str(result.signer.eui) == "90-B3-D5-1F-30-00-00-02"
    else:
        assert isinstance(expected, type)
        with pytest.raises(VerificationError) as err:
            verify(path, zaz1, at=AT, require_signature=False)
        assert type(err.value) is expected


def test_message_xml_signed_by_access_control_broker(ref: Path, zaz1: Keystore) -> None:
    result = verify(ref / "signed" / "message.xml", zaz1, at=AT)
    assert result.signer is not None and result.signer.source is not None
    assert Path(result.signer.source).name == "Z1-accessControlBroker-ds.pem"
    # Only DSP xmlSign when the older ACB role is not accepted:
    with pytest.raises(VerificationError) as err:
        verify(
            ref / "signed" / "message.xml",
            zaz1,
            at=AT,
            response_roles={RemotePartyRole.DSP_XML_SIGN},
        )
    assert err.value.rule == "signature.wrong-role"


def test_pre_141_certificate_decimal_role_warns(ref: Path, zaz1: Keystore) -> None:
    result = verify(ref / "signed" / "readfw-response.xml", zaz1, at=AT)
    assert any("decimal" in w for w in result.warnings)


def test_cli_exit_codes(ref: Path) -> None:
    runner = CliRunner()
    keystore = str(ref / "certs" / "zaz1")
    for name, expected in VERDICTS.items():
        r = runner.invoke(
            cli, ["verify", "--keystore", keystore, "--at", AT_TEXT, str(ref / "signed" / name)]
        )
        want = 0 if expected is None or expected == "unsigned" else 1
        assert r.exit_code == want, (name, r.output)


def test_signing_unknown_originator_fails(ref: Path, zaz1: Keystore) -> None:
    path = ref / "signed" / "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS-nonexist-businessid.XML"
    with pytest.raises(NoCredentialsError, match="80-B3-D5-1F-30-01-00-00"):
        sign(path, keystore=zaz1, preserve_counter=True, validate=False, at=AT)


def _mask_value(data: bytes) -> bytes:
    return re.sub(rb"<ds:SignatureValue>[^<]*</ds:SignatureValue>", b"<V/>", data)


def test_resigning_reproduces_dcc_bytes(ref: Path, zaz1: Keystore) -> None:
    """Our signer's output equals DCC's, byte for byte, but for the random ECDSA value."""
    original = (ref / "signed" / "readfw-response-resigned.xml").read_bytes()
    result = verify(original, zaz1, at=AT)
    assert result.signer is not None
    creds_key = zaz1.private_key_for(result.signer)
    assert creds_key is not None
    tree = parse(original)
    root = tree.getroot()
    root.remove(root[-1])
    ours = sign_tree(tree, Credentials(result.signer, creds_key))
    assert _mask_value(ours) == _mask_value(original.rstrip(b"\n"))
    verify(ours, zaz1, at=AT)


def _signxml_ok(data: bytes, cert_pem: bytes) -> None:
    config = SignatureConfiguration(
        require_x509=False,
        signature_methods=frozenset({SignatureMethod.ECDSA_SHA256}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
        expect_references=1,
        verification_time=AT,
    )
    XMLVerifier().verify(data, x509_cert=cert_pem, expect_config=config)


def test_all_templates_sign_verify_and_stay_schema_valid(
    ref: Path, zaz1: Keystore, xsd54: etree.XMLSchema
) -> None:
    templates = sorted((ref / "requests" / "rtds-templates").iterdir())
    assert len(templates) == 297
    # Two originators have no ZAZ1 xmlSign certificate: 90-B3-D5-1F-30-01-00-08 has
    # none at all (a project test-PKI one stands in), 90-B3-D5-1F-30-03-00-00 only a
    # Digital Signing one (signed with the explicit option).
    stand_in = make_test_pki([])
    missing = RequestID.parse("90-B3-D5-1F-30-01-00-08:00-00-00-00-00-00-00-00:1").originator
    extra = issue_org_certificate(
        stand_in.issuing_ca, stand_in.issuing_ca_key, missing, RemotePartyRole.XML_SIGN
    )
    widened = Keystore(list(zaz1), [])
    for cert in zaz1:
        key = zaz1.private_key_for(cert)
        if key is not None:
            widened.add_key(key)
    widened.add_certificate(extra.certificate)
    widened.add_key(extra.private_key)

    counts = {"zaz1-xmlsign": 0, "digital-signing": 0, "stand-in": 0}
    for path in templates:
        try:
            signed = sign(path, keystore=zaz1, preserve_counter=True, validate=False, at=AT)
            counts["zaz1-xmlsign"] += 1
        except NoCredentialsError:
            rid = RequestID.parse(
                re.search(rb"<sr:RequestID>([^<]+)<", path.read_bytes()).group(1).decode()  # type: ignore[union-attr]
            )
            if rid.originator == missing:
                signed = sign(path, keystore=widened, preserve_counter=True, validate=False)
                counts["stand-in"] += 1
            else:
                signed = sign(
                    path,
                    keystore=zaz1,
                    preserve_counter=True,
                    validate=False,
                    at=AT,
                    allow_digital_signing=True,
                )
                counts["digital-signing"] += 1
        result = verify(
            signed.xml,
            widened,
            at=AT,
            allow_digital_signing=signed.signer.role is RemotePartyRole.SUPPLIER,
        )
        assert result.signer is signed.signer
        pem = signed.signer.certificate.public_bytes(serialization.Encoding.PEM)
        _signxml_ok(signed.xml, pem)
        tree = etree.ElementTree(etree.fromstring(signed.xml))
        assert xsd54.validate(tree), (path.name, str(xsd54.error_log))
    assert counts == {"zaz1-xmlsign": 294, "digital-signing": 1, "stand-in": 2}


# ---- DCC's own signing tool: compact output, and the same re-indented (issue 8 §1) ----

_NS_DECL = re.compile(rb' xmlns(?::[A-Za-z0-9_.-]+)?="[^"]*"')
_DIGEST = re.compile(rb"<ds:DigestValue>([^<]*)</ds:DigestValue>")


def _java_signed(ref: Path, layout: str) -> list[Path]:
    files = sorted((ref / "java-signed" / layout).iterdir())
    assert len(files) == 39, f"expected DCC's 39 {layout} files, found {len(files)}"
    return files


@pytest.mark.parametrize("layout", ["compact", "reindented"])
def test_dcc_tool_output_verifies_in_either_layout(ref: Path, zaz1: Keystore, layout: str) -> None:
    for path in _java_signed(ref, layout):
        result = verify(path, zaz1, at=AT)
        assert result.signer is not None
        assert result.signer.role is RemotePartyRole.XML_SIGN
        # The trusted content is the form that matched: compact, whatever the layout.
        assert b">\n" not in result.signed_xml, path.name
        assert b">  <" not in result.signed_xml, path.name


def test_reindented_and_compact_give_the_same_trusted_content(ref: Path, zaz1: Keystore) -> None:
    for compact_path, indented_path in zip(
        _java_signed(ref, "compact"), _java_signed(ref, "reindented"), strict=True
    ):
        a = verify(compact_path, zaz1, at=AT)
        b = verify(indented_path, zaz1, at=AT)
        assert a.signed_xml == b.signed_xml, indented_path.name


def test_signing_a_template_reproduces_dcc_tools_digest_and_bytes(
    ref: Path, zaz1: Keystore
) -> None:
    """Same input and counter: DCC's exact DigestValue, and its bytes but for the value."""
    for dcc_path in _java_signed(ref, "compact"):
        template = (
            ref / "requests" / "rtds-templates" / dcc_path.name.replace(".java-signed.xml", ".XML")
        )
        ours = sign(template, keystore=zaz1, preserve_counter=True, validate=False, at=AT).xml
        theirs = dcc_path.read_bytes()
        ours_digest = _DIGEST.search(ours)
        theirs_digest = _DIGEST.search(theirs)
        assert ours_digest is not None and theirs_digest is not None
        assert ours_digest.group(1) == theirs_digest.group(1), template.name
        # Namespace declarations: the same set in scope (the order and where the ds
        # prefix is declared differ, which C14N ignores); everything else identical.
        assert _NS_DECL.sub(b"", _mask_value(ours)) == _NS_DECL.sub(b"", _mask_value(theirs)), (
            template.name
        )
        assert etree.fromstring(ours).nsmap == etree.fromstring(theirs).nsmap


def test_signing_a_reindented_message_gives_the_compact_digest(ref: Path, zaz1: Keystore) -> None:
    """The layout of the input does not matter: DCC's tool would compute the same digest."""
    dcc_path = _java_signed(ref, "reindented")[0]
    tree = parse(dcc_path)
    root = tree.getroot()
    root.remove(root[-1])  # drop DCC's Signature, keep the indentation
    assert b"\n  <sr:Header>" in etree.tostring(root)
    creds = zaz1.credentials_for(
        RequestID.parse(root[0][0].text or "").originator,
        roles=frozenset({RemotePartyRole.XML_SIGN}),
        at=AT,
    )
    ours = sign_tree(tree, creds)
    compact_name = dcc_path.name.replace("-reindented", "")
    theirs = (ref / "java-signed" / "compact" / compact_name).read_bytes()
    assert _DIGEST.search(ours).group(1) == _DIGEST.search(theirs).group(1)  # type: ignore[union-attr]


def test_dcc_duis_and_mmc_schemas_declare_no_mixed_content(ref: Path) -> None:
    """The fact the compact rule rests on (signing._compact): in DCC's DUIS and MMC
    XSDs every complex type is element-only or simple content, never mixed, and no
    wildcard lets undeclared content in; so "has element children, no text" is
    exactly "element-only" for DUIS and MMC elements."""
    xs = "{http://www.w3.org/2001/XMLSchema}"
    checked = 0
    for version in ("5.0", "5.1", "5.3a", "5.4"):
        for path in (ref / "dcc-schemas" / version).glob("*.xsd"):
            if "xmldsig" in path.name:
                continue
            xsd = etree.parse(str(path))
            assert not [t for t in xsd.iter(f"{xs}complexType") if t.get("mixed") == "true"]
            assert not [t for t in xsd.iter(f"{xs}complexContent") if t.get("mixed") == "true"]
            assert not list(xsd.iter(f"{xs}any")), path.name
            checked += 1
    assert checked >= 8  # a DUIS and an MMC schema per version


def test_sign_validates_with_the_callers_schemas(ref: Path, official_54: Path) -> None:
    """sign() never signs what `duis validate` with the same settings rejects (issue 8 §2.1)."""
    from duis import validate
    from duis.config import Config

    template = (
        ref
        / "requests"
        / "rtds-templates"
        / ("ECS01a_1.1.1_FUTURE_DATED_TOU_BLOCK_SUCCESS_REQUEST_DUIS.XML")
    )
    data = template.read_bytes()
    start = data.index(b"<sr:UpdateImportTariffPrimaryElement>")
    start = data.index(b">", start) + 1
    bad = data[:start] + b"<sr:NotInTheSchema/>" + data[start:]
    # The embedded schema does not look inside this body; DCC's 5.4 schema does.
    assert validate(bad).valid
    assert not validate(bad, schemas=SchemaRegistry([official_54])).valid
    pki = make_test_pki(
        [
            (
                RequestID.parse("90-B3-D5-1F-30-01-00-00:00-00-00-00-00-00-00-00:1").originator,
                RemotePartyRole.XML_SIGN,
            )
        ]
    )
    creds = pki.organisations[0]
    sign(bad, credentials=creds, preserve_counter=True)  # embedded: signed
    with pytest.raises(InvalidRequestError):
        sign(bad, credentials=creds, preserve_counter=True, schemas=official_54)
    with pytest.raises(InvalidRequestError):
        sign(bad, credentials=creds, preserve_counter=True, schemas=[official_54])
    with pytest.raises(InvalidRequestError):
        sign(bad, credentials=creds, preserve_counter=True, schemas=SchemaRegistry([official_54]))
    with pytest.raises(InvalidRequestError):
        sign(
            bad, credentials=creds, preserve_counter=True, config=Config(schema_dirs=(official_54,))
        )
    # The unmodified template signs with DCC's schema too.
    sign(data, credentials=creds, preserve_counter=True, schemas=official_54)
