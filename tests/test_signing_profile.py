"""Sign and verify round trips: the DUIS profile's exact bytes, and signxml agreeing."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod, XMLVerifier

from duis.ids import EUI64
from signing import (
    DCC_TEST_EUI,
    Algorithm,
    DigestMismatchError,
    Keystore,
    RemotePartyRole,
    TestPKI,
    make_test_pki,
    sign,
    verify,
)
from signing._profile import canonical_signed_info

USER = EUI64.parse("90-B3-D5-1F-30-01-00-00")
DS = "http://www.w3.org/2000/09/xmldsig#"
SR = "http://www.dccinterface.co.uk/ServiceUserGateway"

# Project-written request; the root declares an unused namespace (as DCC's own
# messages do), which is what makes inclusive and exclusive C14N digests differ.
REQUEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<sr:Request xmlns:sr="{SR}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
schemaVersion="5.4">
  <sr:Header>
    <sr:RequestID>90-B3-D5-1F-30-01-00-00:00-12-4B-00-0A-51-7E-01:1764230400003</sr:RequestID>
    <sr:CommandVariant>1</sr:CommandVariant>
    <sr:ServiceReference>4.1</sr:ServiceReference>
    <sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant>
  </sr:Header>
  <sr:Body>
    <sr:ReadInstantaneousImportRegisters/>
  </sr:Body>
</sr:Request>
""".encode()


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return make_test_pki(
        [(USER, RemotePartyRole.XML_SIGN), (DCC_TEST_EUI, RemotePartyRole.DSP_XML_SIGN)]
    )


@pytest.fixture(scope="module")
def keystore(pki: TestPKI) -> Keystore:
    ks = Keystore([c.certificate for c in pki.organisations])
    for c in pki.organisations:
        ks.add_key(c.private_key)
    return ks


def _signxml_verify(data: bytes, pki: TestPKI) -> bytes:
    pem = pki.organisations[0].certificate.certificate.public_bytes(serialization.Encoding.PEM)
    config = SignatureConfiguration(
        require_x509=False,
        signature_methods=frozenset({SignatureMethod.ECDSA_SHA256}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
        expect_references=1,
    )
    result = XMLVerifier().verify(data, x509_cert=pem, expect_config=config)
    signed = result.signed_xml  # type: ignore[union-attr]
    assert signed is not None
    return etree.tostring(signed)


def test_layout_matches_dcc_java_signer(keystore: Keystore) -> None:
    out = sign(REQUEST, keystore=keystore, preserve_counter=True, validate=False).xml
    assert out.startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="no"?><sr:Request')
    assert out.endswith(b"</ds:Signature></sr:Request>")
    # Compact, as DCC's tool writes it: no whitespace between elements (issue 8 §1).
    assert f'</sr:Body><ds:Signature xmlns:ds="{DS}"><ds:SignedInfo>'.encode() in out
    assert b">\n" not in out.replace(b"&#13;\n", b"")
    root = etree.fromstring(out)
    sig = root[-1]
    assert sig.tag == f"{{{DS}}}Signature"
    transforms = sig.findall(f".//{{{DS}}}Transform")
    assert [t.get("Algorithm") for t in transforms] == [Algorithm.ENVELOPED.value]
    value = sig.find(f"{{{DS}}}SignatureValue")
    assert value is not None and value.text is not None
    # Java's base64 line break at 76 characters, written as &#13; + newline.
    assert b"&#13;\n" in out
    assert len(base64.b64decode("".join(value.text.split()))) == 64


def test_signed_info_text_is_its_exclusive_c14n(keystore: Keystore) -> None:
    out = sign(REQUEST, keystore=keystore, preserve_counter=True, validate=False).xml
    root = etree.fromstring(out)
    si = root.find(f"{{{DS}}}Signature/{{{DS}}}SignedInfo")
    assert si is not None
    digest = si.findtext(f".//{{{DS}}}DigestValue")
    assert digest is not None
    assert etree.tostring(si, method="c14n", exclusive=True) == canonical_signed_info(digest)


def test_digest_is_over_inclusive_c14n(keystore: Keystore) -> None:
    out = sign(REQUEST, keystore=keystore, preserve_counter=True, validate=False).xml
    root = etree.fromstring(out)
    sig = root[-1]
    digest = base64.b64decode(sig.findtext(f".//{{{DS}}}DigestValue") or "")
    root.remove(sig)
    inclusive = etree.tostring(root, method="c14n", exclusive=False)
    exclusive = etree.tostring(root, method="c14n", exclusive=True)
    assert hashlib.sha256(inclusive).digest() == digest
    assert hashlib.sha256(exclusive).digest() != digest  # the unused xmlns:xsi


def test_round_trip_and_signxml_agrees(keystore: Keystore, pki: TestPKI) -> None:
    signed = sign(REQUEST, keystore=keystore, preserve_counter=True, validate=False)
    result = verify(signed.xml, keystore)
    assert result.signer is pki.organisations[0].certificate
    assert result.request_id == signed.request_id
    assert result.root.find(f"{{{DS}}}Signature") is None
    assert b"Signature" not in result.signed_xml
    assert b"ReadInstantaneousImportRegisters" in _signxml_verify(signed.xml, pki)


def test_existing_signature_replaced(keystore: Keystore) -> None:
    once = sign(REQUEST, keystore=keystore, preserve_counter=True, validate=False).xml
    twice = sign(once, keystore=keystore, preserve_counter=True, validate=False).xml
    assert twice.count(b"<ds:Signature ") == 1
    verify(twice, keystore)


def test_response_signed_by_dsp_xmlsign(keystore: Keystore) -> None:
    response = f"""<sr:Response xmlns:sr="{SR}" schemaVersion="5.4"><sr:Header>
<sr:RequestID>90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:1764230400003</sr:RequestID>
<sr:ResponseCode>I99</sr:ResponseCode><sr:ResponseDateTime>2026-01-01T00:00:00Z\
</sr:ResponseDateTime></sr:Header><sr:Body><sr:ResponseMessage>
<sr:ServiceReference>8.2</sr:ServiceReference><sr:ServiceReferenceVariant>8.2\
</sr:ServiceReferenceVariant></sr:ResponseMessage></sr:Body></sr:Response>"""
    signed = sign(response, keystore=keystore, validate=False)
    assert signed.signer.role is RemotePartyRole.DSP_XML_SIGN
    assert verify(signed.xml, keystore).signer is signed.signer


def test_java_style_whitespace_in_base64_tolerated(keystore: Keystore) -> None:
    out = sign(REQUEST, keystore=keystore, preserve_counter=True, validate=False).xml
    value_start = out.index(b"<ds:SignatureValue>") + len(b"<ds:SignatureValue>")
    spaced = out[:value_start] + b"\n  \t" + out[value_start:]
    verify(spaced, keystore)


_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(text=_TEXT, attr=_TEXT)
def test_property_any_content_round_trips_and_any_change_is_caught(
    keystore: Keystore, text: str, attr: str
) -> None:
    root = etree.fromstring(REQUEST)
    body = root.find(f"{{{SR}}}Body")
    assert body is not None
    extra = etree.SubElement(body, f"{{{SR}}}Extra", note=attr)
    extra.text = text
    data = etree.tostring(root, encoding="UTF-8")
    signed = sign(data, keystore=keystore, preserve_counter=True, validate=False)
    result = verify(signed.xml, keystore)
    got = result.root.find(f"{{{SR}}}Body/{{{SR}}}Extra")
    assert got is not None and (got.text or "") == text and got.get("note") == attr
    tampered = etree.fromstring(signed.xml)
    t_extra = tampered.find(f"{{{SR}}}Body/{{{SR}}}Extra")
    assert t_extra is not None
    t_extra.text = text + "x"
    with pytest.raises(DigestMismatchError):
        verify(etree.tostring(tampered), keystore)


def test_validity_at_given_time(keystore: Keystore) -> None:
    out = sign(REQUEST, keystore=keystore, preserve_counter=True, validate=False).xml
    verify(out, keystore, at=datetime(2050, 1, 1, tzinfo=timezone.utc))
