"""The tamper suite: every way of bending a signed message is refused with its own error."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from lxml import etree

from duis.ids import EUI64
from duis.xml import parse
from signing import (
    DCC_TEST_EUI,
    AlgorithmError,
    BadSignatureError,
    CommentInjectionError,
    Credentials,
    DigestMismatchError,
    KeyInfoError,
    Keystore,
    MultipleSignaturesError,
    ReferenceURIError,
    RemotePartyRole,
    SignatureEncodingError,
    SignatureMissingError,
    SignaturePlacementError,
    SignerEUIError,
    SignerRoleError,
    SignerValidityError,
    TestPKI,
    TransformError,
    UnknownSignerError,
    UntrustedSignerError,
    VerificationError,
    WrappedDocumentError,
    issue_org_certificate,
    make_test_pki,
    sign_tree,
    verify,
)

USER = EUI64.parse("90-B3-D5-1F-30-01-00-00")
OTHER = EUI64.parse("90-B3-D5-1F-30-02-00-00")
DS = "http://www.w3.org/2000/09/xmldsig#"
SR = "http://www.dccinterface.co.uk/ServiceUserGateway"

REQUEST = f"""<sr:Request xmlns:sr="{SR}" schemaVersion="5.4">
  <sr:Header>
    <sr:RequestID>90-B3-D5-1F-30-01-00-00:00-12-4B-00-0A-51-7E-01:1764230400003</sr:RequestID>
    <sr:CommandVariant>1</sr:CommandVariant>
    <sr:ServiceReference>4.1</sr:ServiceReference>
    <sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant>
  </sr:Header>
  <sr:Body>
    <sr:ReadInstantaneousImportRegisters/>
  </sr:Body>
</sr:Request>""".encode()


class _World:
    def __init__(self) -> None:
        self.pki: TestPKI = make_test_pki(
            [
                (USER, RemotePartyRole.XML_SIGN),
                (OTHER, RemotePartyRole.XML_SIGN),
                (USER, RemotePartyRole.SUPPLIER),
                (DCC_TEST_EUI, RemotePartyRole.DSP_XML_SIGN),
            ]
        )
        self.user, self.other, self.supplier, self.dsp = self.pki.organisations
        # A second xmlSign certificate for the same EUI: "the wrong certificate".
        self.user2 = issue_org_certificate(
            self.pki.issuing_ca, self.pki.issuing_ca_key, USER, RemotePartyRole.XML_SIGN
        )
        self.expired = issue_org_certificate(
            self.pki.issuing_ca,
            self.pki.issuing_ca_key,
            USER,
            RemotePartyRole.XML_SIGN,
            not_before=datetime(2015, 1, 1, tzinfo=timezone.utc),
            not_after=datetime(2016, 1, 1, tzinfo=timezone.utc),
        )
        creds = [*self.pki.organisations, self.user2, self.expired]
        self.keystore = Keystore([c.certificate for c in creds], [c.private_key for c in creds])

    def signed(self, creds: Credentials | None = None, data: bytes = REQUEST) -> bytes:
        return sign_tree(parse(data), creds or self.user)


@pytest.fixture(scope="module")
def world() -> _World:
    return _World()


def _edit(data: bytes, change: Callable[[etree._Element], None]) -> bytes:
    root = etree.fromstring(data)
    change(root)
    return etree.tostring(root)


def _sig(root: etree._Element) -> etree._Element:
    sig = root.find(f"{{{DS}}}Signature")
    assert sig is not None
    return sig


def _first(root: etree._Element, path: str) -> etree._Element:
    el = root.find(path, {"ds": DS, "sr": SR})
    assert el is not None, path
    return el


def _change_text(root: etree._Element) -> None:
    _first(root, "sr:Header/sr:CommandVariant").text = "2"


def _move_signature(root: etree._Element) -> None:
    _first(root, "sr:Body").append(_sig(root))


def _move_header_element(root: etree._Element) -> None:
    header = _first(root, "sr:Header")
    header.append(_first(header, "sr:CommandVariant"))


def _inject_comment(root: etree._Element) -> None:
    rid = _first(root, "sr:Header/sr:RequestID")
    text = rid.text or ""
    rid.text = text[:10]
    comment = etree.Comment("")
    comment.tail = text[10:]
    rid.append(comment)


def _second_signature(root: etree._Element) -> None:
    sig = _sig(root)
    copy = etree.fromstring(etree.tostring(sig))
    _first(root, "sr:Header").append(copy)


def _extra_transform(root: etree._Element) -> None:
    transforms = _first(root, "ds:Signature/ds:SignedInfo/ds:Reference/ds:Transforms")
    etree.SubElement(
        transforms, f"{{{DS}}}Transform", Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"
    )


def _different_transform(root: etree._Element) -> None:
    t = _first(root, "ds:Signature/ds:SignedInfo/ds:Reference/ds:Transforms/ds:Transform")
    t.set("Algorithm", "http://www.w3.org/TR/1999/REC-xpath-19991116")


def _der_value(root: etree._Element) -> None:
    value = _first(root, "ds:Signature/ds:SignatureValue")
    raw = base64.b64decode("".join((value.text or "").split()))
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    value.text = base64.b64encode(der).decode()


def _other_uri(root: etree._Element) -> None:
    _first(root, "ds:Signature/ds:SignedInfo/ds:Reference").set("URI", "#body")


def _two_references(root: etree._Element) -> None:
    ref = _first(root, "ds:Signature/ds:SignedInfo/ds:Reference")
    ref.addnext(etree.fromstring(etree.tostring(ref)))


def _unknown_serial(root: etree._Element) -> None:
    _first(
        root, "ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509IssuerSerial/ds:X509SerialNumber"
    ).text = "1234567890"


def _rsa_method(root: etree._Element) -> None:
    _first(root, "ds:Signature/ds:SignedInfo/ds:SignatureMethod").set(
        "Algorithm", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    )


def _exclusive_digest_transformless(root: etree._Element) -> None:
    _first(root, "ds:Signature/ds:SignedInfo/ds:Reference/ds:DigestMethod").set(
        "Algorithm", "http://www.w3.org/2000/09/xmldsig#sha1"
    )


def _drop_key_info(root: etree._Element) -> None:
    sig = _sig(root)
    sig.remove(_first(root, "ds:Signature/ds:KeyInfo"))


def _wrap(data: bytes) -> bytes:
    decl_end = data.index(b"?>") + 2
    return data[:decl_end] + b"<Envelope>" + data[decl_end:] + b"</Envelope>"


TAMPERS: list[tuple[str, Callable[[etree._Element], None], type[VerificationError]]] = [
    ("text changed", _change_text, DigestMismatchError),
    ("signature moved into the body", _move_signature, SignaturePlacementError),
    ("header element moved", _move_header_element, DigestMismatchError),
    ("comment injected into text", _inject_comment, CommentInjectionError),
    ("second signature", _second_signature, MultipleSignaturesError),
    ("extra transform", _extra_transform, TransformError),
    ("different transform", _different_transform, TransformError),
    ("DER-encoded signature value", _der_value, SignatureEncodingError),
    ("another Reference URI", _other_uri, ReferenceURIError),
    ("two references", _two_references, ReferenceURIError),
    ("unknown certificate", _unknown_serial, UnknownSignerError),
    ("RSA signature method", _rsa_method, AlgorithmError),
    ("SHA-1 digest method", _exclusive_digest_transformless, AlgorithmError),
    ("KeyInfo removed", _drop_key_info, KeyInfoError),
]


@pytest.mark.parametrize(("what", "change", "error"), TAMPERS, ids=[t[0] for t in TAMPERS])
def test_tamper_refused_with_its_own_error(
    world: _World,
    what: str,
    change: Callable[[etree._Element], None],
    error: type[VerificationError],
) -> None:
    good = world.signed()
    verify(good, world.keystore)  # the untampered message passes
    with pytest.raises(error) as info:
        verify(_edit(good, change), world.keystore)
    assert type(info.value) is error, what
    assert info.value.rule.startswith("signature.")


def test_each_tamper_kind_has_a_distinct_rule() -> None:
    rules = {
        e.rule
        for e in (
            DigestMismatchError,
            SignaturePlacementError,
            CommentInjectionError,
            MultipleSignaturesError,
            TransformError,
            SignatureEncodingError,
            ReferenceURIError,
            UnknownSignerError,
            BadSignatureError,
            SignerEUIError,
            SignerRoleError,
            WrappedDocumentError,
        )
    }
    assert len(rules) == 12


def test_wrapped_in_another_root(world: _World) -> None:
    with pytest.raises(WrappedDocumentError):
        verify(_wrap(world.signed()), world.keystore)


def test_wrong_certificate_named_in_key_info(world: _World) -> None:
    good = world.signed()
    other_serial = str(world.user2.certificate.serial)

    def name_user2(root: etree._Element) -> None:
        _first(
            root, "ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509IssuerSerial/ds:X509SerialNumber"
        ).text = other_serial

    with pytest.raises(BadSignatureError):
        verify(_edit(good, name_user2), world.keystore)


def test_certificate_of_wrong_eui(world: _World) -> None:
    # Genuinely signed, but by another organisation than the RequestID's originator.
    with pytest.raises(SignerEUIError):
        verify(world.signed(world.other), world.keystore)


def test_certificate_of_wrong_role(world: _World) -> None:
    forged = world.signed(world.supplier)
    with pytest.raises(SignerRoleError):
        verify(forged, world.keystore)
    # Before xmlSign existed Users signed with Digital Signing certificates: an option.
    assert verify(forged, world.keystore, allow_digital_signing=True).signer is not None


def test_response_signed_by_a_user_is_refused(world: _World) -> None:
    response = REQUEST.replace(b"sr:Request", b"sr:Response")
    with pytest.raises(SignerEUIError):
        verify(world.signed(world.user, response), world.keystore)
    assert verify(world.signed(world.dsp, response), world.keystore).signed


def test_expired_certificate(world: _World) -> None:
    old = world.signed(world.expired)
    with pytest.raises(SignerValidityError):
        verify(old, world.keystore)
    verify(old, world.keystore, at=datetime(2015, 6, 1, tzinfo=timezone.utc))


def test_chain_check(world: _World) -> None:
    good = world.signed()
    verify(good, world.keystore, trust=[world.pki.issuing_ca])
    stranger = make_test_pki([])  # same CA name "T1", other keys
    with pytest.raises(UntrustedSignerError):
        verify(good, world.keystore, trust=[stranger.issuing_ca, world.pki.root])


def test_unsigned(world: _World) -> None:
    with pytest.raises(SignatureMissingError):
        verify(REQUEST, world.keystore, require_signature=False)
    response = REQUEST.replace(b"sr:Request", b"sr:Response")
    with pytest.raises(SignatureMissingError):
        verify(response, world.keystore)
    result = verify(response, world.keystore, require_signature=False)
    assert not result.signed and result.signer is None


def test_comment_between_elements_is_allowed_and_stripped(world: _World) -> None:
    data = REQUEST.replace(b"<sr:Body>", b"<!-- a note --><sr:Body>")
    result = verify(world.signed(data=data), world.keystore)
    assert not list(result.root.iter(etree.Comment))
