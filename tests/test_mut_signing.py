"""Tests that kill the mutants mutmut found surviving in the signing modules (issue 15).

Each refusal is checked for what a user acts on: the exact error class (its rule id),
the file named, the line of the offending element, and the facts the message must
name (the xmldsig element order, the algorithm URIs of the profile and RFC 4051/6931,
what was found instead). Documents are laid out one element per line so the line an
error names is known from the input; expected values are literals or positions in the
input, never values read back from the code under test. See docs/testing.md
("Mutation runs: signing, verification, counters, GBCS").
"""

from __future__ import annotations

import base64
import contextlib
import copy
import io
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID
from lxml import etree

from duis import MalformedXMLError
from duis.ids import EUI64, RequestID
from duis.report import Kind
from duis.xml import parse
from signing import (
    DCC_TEST_EUI,
    AlgorithmError,
    CommentInjectionError,
    CounterReplayError,
    CounterStore,
    DigestMismatchError,
    KeyInfoError,
    Keystore,
    MultipleSignaturesError,
    OrgCertificate,
    ReferenceURIError,
    RemotePartyRole,
    SignatureEncodingError,
    SignatureMissingError,
    SignaturePlacementError,
    SignatureStructureError,
    SignerPolicy,
    TestPKI,
    TransformError,
    UnknownSignerError,
    UntrustedSignerError,
    VerificationError,
    VerifiedMessage,
    WrappedDocumentError,
    issue_org_certificate,
    make_test_pki,
    sign,
    sign_tree,
    verify,
)
from signing._compact import compact, is_compact
from signing._policy import resolve_policy
from signing._profile import (
    Algorithm,
    message_kind,
    read_request_id,
    request_id_element,
    signature_xml,
    text_splitter,
    wrap_base64,
)
from signing._replay import message_counter_id, record_counter
from signing._sign import _sign_compact

USER = EUI64.parse("90-B3-D5-1F-30-01-00-00")
DS = "http://www.w3.org/2000/09/xmldsig#"
SR = "http://www.dccinterface.co.uk/ServiceUserGateway"
NS = {"ds": DS, "sr": SR}
SOURCE = "tampered.xml"
RID = "90-B3-D5-1F-30-01-00-00:00-12-4B-00-0A-51-7E-01:1764230400003"
# The algorithm URIs of the profile (RFC 6931 / XML-DSig 1.1 / xml-exc-c14n), literal.
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
INCLUSIVE_C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"

REQUEST = f"""<sr:Request xmlns:sr="{SR}" schemaVersion="5.4">
  <sr:Header>
    <sr:RequestID>{RID}</sr:RequestID>
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
        self.pki = make_test_pki(
            [(USER, RemotePartyRole.XML_SIGN), (DCC_TEST_EUI, RemotePartyRole.DSP_XML_SIGN)]
        )
        self.user, self.dsp = self.pki.organisations
        creds = self.pki.organisations
        self.keystore = Keystore([c.certificate for c in creds], [c.private_key for c in creds])
        self.signed = sign(REQUEST, credentials=self.user, preserve_counter=True).xml


@pytest.fixture(scope="module")
def world() -> _World:
    return _World()


def _tampered(
    signed: bytes, change: Callable[[etree._Element], etree._Element]
) -> tuple[bytes, int]:
    """The signed message changed and laid out one element per line, and the line of
    the element ``change`` returns (counted in the output text, so it is the input's)."""
    root = etree.fromstring(signed)
    target = change(root)
    marker = "mut-marker"
    target.set("{urn:x-test}m", marker)
    etree.indent(root)
    text = etree.tostring(root).decode()
    line = text[: text.index(marker)].count("\n") + 1
    del target.attrib["{urn:x-test}m"]
    etree.cleanup_namespaces(root)
    out = etree.tostring(root)
    assert out.decode().count("\n") == text.count("\n")
    return out, line


def _refused(
    data: bytes, keystore: Keystore, error: type[VerificationError], line: int | None, *phrases: str
) -> VerificationError:
    with pytest.raises(VerificationError) as info:
        verify(data, keystore, source=SOURCE)
    exc = info.value
    assert type(exc) is error, f"{type(exc).__name__}: {exc}"
    assert exc.source == SOURCE
    assert exc.line == line, str(exc)
    for phrase in phrases:
        assert phrase in exc.message, f"{phrase!r} not in {exc.message!r}"
    return exc


def _find(root: etree._Element, path: str) -> etree._Element:
    el = root.find(path, NS)
    assert el is not None, path
    return el


# ---- _expect: the xmldsig child order, named in the message and at its line ----


def test_signature_children_out_of_order_name_the_order_and_the_line(world: _World) -> None:
    def swap(root: etree._Element) -> etree._Element:
        sig = _find(root, "ds:Signature")
        value = _find(sig, "ds:SignatureValue")
        sig.remove(value)
        sig.insert(0, value)
        return value

    data, line = _tampered(world.signed, swap)
    exc = _refused(data, world.keystore, SignatureStructureError, line)
    assert exc.message == (
        "ds:Signature must contain SignedInfo, SignatureValue, KeyInfo in that order; "
        "found SignatureValue, SignedInfo, KeyInfo"
    )


def test_empty_signature_says_nothing_was_found(world: _World) -> None:
    root = etree.fromstring(world.signed)
    sig = _find(root, "ds:Signature")
    for child in list(sig):
        sig.remove(child)
    exc = _refused(etree.tostring(root), world.keystore, SignatureStructureError, None)
    assert exc.message.endswith("; found nothing")


def test_signed_info_methods_out_of_order(world: _World) -> None:
    def swap(root: etree._Element) -> etree._Element:
        si = _find(root, "ds:Signature/ds:SignedInfo")
        method = _find(si, "ds:SignatureMethod")
        si.remove(method)
        si.insert(0, method)
        return method

    data, line = _tampered(world.signed, swap)
    exc = _refused(data, world.keystore, SignatureStructureError, line)
    assert exc.message == (
        "ds:SignedInfo must contain CanonicalizationMethod, SignatureMethod in that order; "
        "found SignatureMethod, CanonicalizationMethod"
    )


def test_reference_digest_parts_out_of_order(world: _World) -> None:
    def swap(root: etree._Element) -> etree._Element:
        ref = _find(root, "ds:Signature/ds:SignedInfo/ds:Reference")
        value = _find(ref, "ds:DigestValue")
        ref.remove(value)
        ref.insert(1, value)
        return value

    data, line = _tampered(world.signed, swap)
    exc = _refused(data, world.keystore, SignatureStructureError, line)
    assert exc.message == (
        "ds:Reference must contain DigestMethod, DigestValue in that order; "
        "found DigestValue, DigestMethod"
    )


# ---- _algorithm: each method's URI, and no parameters ----

_METHODS = [
    ("ds:SignedInfo/ds:CanonicalizationMethod", "CanonicalizationMethod", EXC_C14N, INCLUSIVE_C14N),
    (
        "ds:SignedInfo/ds:SignatureMethod",
        "SignatureMethod",
        ECDSA_SHA256,
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    ),
    (
        "ds:SignedInfo/ds:Reference/ds:DigestMethod",
        "DigestMethod",
        SHA256,
        "http://www.w3.org/2000/09/xmldsig#sha1",
    ),
]


@pytest.mark.parametrize(("path", "what", "want", "other"), _METHODS, ids=[m[1] for m in _METHODS])
def test_other_algorithm_is_named_with_the_profile_one(
    world: _World, path: str, what: str, want: str, other: str
) -> None:
    def change(root: etree._Element) -> etree._Element:
        el = _find(root, "ds:Signature/" + path)
        el.set("Algorithm", other)
        return el

    data, line = _tampered(world.signed, change)
    exc = _refused(data, world.keystore, AlgorithmError, line)
    assert exc.message == f"{what} is {other!r}; the DUIS profile allows only {want}"


@pytest.mark.parametrize(("path", "what", "want", "other"), _METHODS, ids=[m[1] for m in _METHODS])
def test_algorithm_parameters_are_refused(
    world: _World, path: str, what: str, want: str, other: str
) -> None:
    def change(root: etree._Element) -> etree._Element:
        el = _find(root, "ds:Signature/" + path)
        etree.SubElement(el, f"{{{DS}}}HMACOutputLength").text = "128"
        return el

    data, line = _tampered(world.signed, change)
    exc = _refused(data, world.keystore, AlgorithmError, line)
    assert exc.message == f"{what} has parameters; the DUIS profile has none"


def test_algorithm_missing_is_named_as_none(world: _World) -> None:
    def change(root: etree._Element) -> etree._Element:
        el = _find(root, "ds:Signature/ds:SignedInfo/ds:SignatureMethod")
        del el.attrib["Algorithm"]
        return el

    data, line = _tampered(world.signed, change)
    exc = _refused(data, world.keystore, AlgorithmError, line)
    assert exc.message == f"SignatureMethod is None; the DUIS profile allows only {ECDSA_SHA256}"


# ---- the chain check: which CA, and why it was not enough ----


def test_chain_check_names_why_each_candidate_ca_failed(world: _World) -> None:
    stranger = make_test_pki([])
    # Same subject as the user's issuing CA but another key: the name matches, the
    # signature over the certificate does not.
    with pytest.raises(UntrustedSignerError) as info:
        verify(world.signed, world.keystore, trust=[stranger.issuing_ca], source=SOURCE)
    exc = info.value
    assert type(exc) is UntrustedSignerError and exc.source == SOURCE
    assert "does not chain to a trusted issuing CA" in exc.message
    assert "no trusted CA has its issuer's name" not in exc.message
    assert world.user.certificate.describe() in exc.message


def test_chain_check_with_no_ca_of_that_name(world: _World) -> None:
    with pytest.raises(UntrustedSignerError) as info:
        verify(world.signed, world.keystore, trust=[world.pki.root], source=SOURCE)
    assert "(no trusted CA has its issuer's name)" in info.value.message
    assert info.value.source == SOURCE


def test_chain_check_skips_a_wrong_ca_and_finds_the_right_one(world: _World) -> None:
    stranger = make_test_pki([])
    trust = [stranger.issuing_ca, world.pki.root, world.pki.issuing_ca]
    assert verify(world.signed, world.keystore, trust=trust).signed


def test_expired_issuing_ca_is_named_with_its_problem() -> None:
    short = make_test_pki(
        [],
        not_before=datetime(2020, 1, 1, tzinfo=timezone.utc),
        not_after=datetime(2022, 1, 1, tzinfo=timezone.utc),
    )
    user = issue_org_certificate(
        short.issuing_ca, short.issuing_ca_key, USER, RemotePartyRole.XML_SIGN
    )
    signed = sign_tree(parse(REQUEST), user)
    keystore = Keystore([user.certificate], [])
    after = datetime(2025, 6, 1, tzinfo=timezone.utc)
    with pytest.raises(UntrustedSignerError) as info:
        verify(signed, keystore, at=after, trust=[short.issuing_ca], source=SOURCE)
    message = info.value.message
    assert f"issuing CA {short.issuing_ca.subject} " in message
    assert "2022" in message  # the CA's end of validity, the problem found


# ---- transforms and KeyInfo, at their lines ----


def test_extra_transform_is_named(world: _World) -> None:
    def change(root: etree._Element) -> etree._Element:
        transforms = _find(root, "ds:Signature/ds:SignedInfo/ds:Reference/ds:Transforms")
        etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=EXC_C14N)
        return transforms

    data, line = _tampered(world.signed, change)
    exc = _refused(data, world.keystore, TransformError, line, ENVELOPED)
    assert exc.message.startswith(f"transforms are {[ENVELOPED, EXC_C14N]}")


def test_missing_issuer_name_is_a_key_info_error_at_its_line(world: _World) -> None:
    def change(root: etree._Element) -> etree._Element:
        ids = _find(root, "ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509IssuerSerial")
        ids.remove(_find(ids, "ds:X509IssuerName"))
        return ids

    data, line = _tampered(world.signed, change)
    exc = _refused(data, world.keystore, KeyInfoError, line)
    assert exc.message == "KeyInfo has no X509IssuerName"


# ---- the signer policy (signing/_policy.py) ----


class _Policyworld:
    def __init__(self) -> None:
        self.pki = make_test_pki(
            [
                (USER, RemotePartyRole.XML_SIGN),
                (USER, RemotePartyRole.SUPPLIER),
                (DCC_TEST_EUI, RemotePartyRole.DSP_XML_SIGN),
                (DCC_TEST_EUI, RemotePartyRole.ACCESS_CONTROL_BROKER),
            ]
        )
        xml, supplier, dsp, acb = (c.certificate for c in self.pki.organisations)
        self.xml, self.supplier, self.dsp, self.acb = xml, supplier, dsp, acb


@pytest.fixture(scope="module")
def pw() -> _Policyworld:
    return _Policyworld()


RID_OBJ = RequestID.parse(RID)


def test_policy_refuses_roles_that_are_not_remote_party_roles() -> None:
    with pytest.raises(TypeError, match=r"^not a RemotePartyRole: 'xmlSign'$"):
        SignerPolicy(request_roles=frozenset({"xmlSign"}))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^not a RemotePartyRole: 7$"):
        SignerPolicy(response_roles=[RemotePartyRole.DSP_XML_SIGN, 7])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^allow_digital_signing must be a bool$"):
        SignerPolicy(allow_digital_signing=1)  # type: ignore[arg-type]


def test_policy_fields_are_normalised() -> None:
    policy = SignerPolicy(
        request_roles=[RemotePartyRole.XML_SIGN],  # type: ignore[arg-type]
        response_roles=(RemotePartyRole.DSP_XML_SIGN,),  # type: ignore[arg-type]
        dcc_eui="90-B3-D5-1F-30-00-00-09",  # type: ignore[arg-type]
    )
    assert policy.request_roles == frozenset({RemotePartyRole.XML_SIGN})
    assert isinstance(policy.request_roles, frozenset)
    assert policy.response_roles == frozenset({RemotePartyRole.DSP_XML_SIGN})
    assert isinstance(policy.response_roles, frozenset)
    assert policy.dcc_eui == EUI64.parse("90B3D51F30000009")


def test_default_policy_roles_and_signers() -> None:
    policy = SignerPolicy()
    # DUIS: requests by xmlSign (87) or DSP xmlSign (89); responses by 89 or the ACB (04).
    assert {r.value for r in policy.roles_for(Kind.REQUEST)} == {"87", "89"}
    assert {r.value for r in policy.roles_for(Kind.RESPONSE)} == {"89", "04"}
    assert policy.allow_digital_signing is False
    assert policy.dcc_eui == EUI64.parse("90-B3-D5-1F-30-00-00-02")
    assert policy.signer_eui(Kind.REQUEST, RID_OBJ) == USER
    assert policy.signer_eui(Kind.REQUEST, None) is None
    assert policy.signer_eui(Kind.RESPONSE, None) == EUI64.parse("90-B3-D5-1F-30-00-00-02")
    digital = SignerPolicy(allow_digital_signing=True)
    assert {r.value for r in digital.roles_for(Kind.REQUEST)} >= {
        "87",
        "89",
        "01",
        "02",
        "03",
        "04",
    }
    assert {r.value for r in digital.roles_for(Kind.RESPONSE)} == {"89", "04"}


def test_refusal_reasons(pw: _Policyworld) -> None:
    policy = SignerPolicy()
    assert policy.refusal(pw.xml, Kind.REQUEST, RID_OBJ) is None
    assert policy.refusal(pw.dsp, Kind.RESPONSE, None) is None
    assert policy.refusal(pw.acb, Kind.RESPONSE, None) is None
    assert policy.refusal(pw.xml, Kind.REQUEST, None) == (
        "eui",
        "the request has no readable RequestID, so no signer can be bound to it",
    )
    assert policy.refusal(pw.dsp, Kind.REQUEST, RID_OBJ) == (
        "eui",
        "certificate EUI 90-B3-D5-1F-30-00-00-02 is not the RequestID's originator "
        "90-B3-D5-1F-30-01-00-00; the signer is bound to the message by this EUI",
    )
    assert policy.refusal(pw.xml, Kind.RESPONSE, None) == (
        "eui",
        "certificate EUI 90-B3-D5-1F-30-01-00-00 is not the DCC's EUI "
        "90-B3-D5-1F-30-00-00-02; the signer is bound to the message by this EUI",
    )
    assert policy.refusal(pw.supplier, Kind.REQUEST, RID_OBJ) == (
        "role",
        "role 02 may not sign a request (allowed: 87, 89); Digital Signing certificates "
        "sign requests only with allow_digital_signing / --allow-digital-signing",
    )
    assert (
        SignerPolicy(allow_digital_signing=True).refusal(pw.supplier, Kind.REQUEST, RID_OBJ) is None
    )
    strict = SignerPolicy(response_roles=frozenset({RemotePartyRole.DSP_XML_SIGN}))
    assert strict.refusal(pw.acb, Kind.RESPONSE, None) == (
        "role",
        "role 04 may not sign a response (allowed: 89)",
    )


def test_resolve_policy_shorthands_and_settings() -> None:
    other = EUI64.parse("90-B3-D5-1F-30-00-00-09")
    settings_eui = EUI64.parse("90-B3-D5-1F-30-00-00-0A")
    base = SignerPolicy()
    assert resolve_policy(None) == base
    assert resolve_policy(base) is base
    assert resolve_policy(None, allow_digital_signing=True).allow_digital_signing is True
    assert resolve_policy(None, dcc_eui=other).dcc_eui == other
    assert resolve_policy(None, settings_dcc_eui=settings_eui).dcc_eui == settings_eui
    # An explicit policy or dcc_eui wins over the settings.
    assert resolve_policy(base, settings_dcc_eui=settings_eui).dcc_eui == base.dcc_eui
    assert resolve_policy(None, dcc_eui=other, settings_dcc_eui=settings_eui).dcc_eui == other
    roles = resolve_policy(None, response_roles=[RemotePartyRole.DSP_XML_SIGN]).response_roles
    assert roles == frozenset({RemotePartyRole.DSP_XML_SIGN})
    kept = resolve_policy(SignerPolicy(allow_digital_signing=True), dcc_eui=other)
    assert kept.allow_digital_signing is True and kept.dcc_eui == other


# ---- the profile's data and readers (signing/_profile.py) ----


def test_algorithm_uris_are_the_xmldsig_ones() -> None:
    assert [a.value for a in Algorithm] == [EXC_C14N, ECDSA_SHA256, ENVELOPED, SHA256]
    assert str(Algorithm.SHA256) == SHA256
    assert str(DCC_TEST_EUI) == "90-B3-D5-1F-30-00-00-02"


def test_signature_xml_layout_declaration_and_escaping() -> None:
    own = signature_xml("RElH", "VkFM", "CN=A&B <x>,OU=07", 42)
    assert own.startswith(f'<ds:Signature xmlns:ds="{DS}"><ds:SignedInfo>'.encode())
    assert b"<ds:X509IssuerName>CN=A&amp;B &lt;x&gt;,OU=07</ds:X509IssuerName>" in own
    assert b"<ds:X509SerialNumber>42</ds:X509SerialNumber>" in own
    assert b"<ds:DigestValue>RElH</ds:DigestValue>" in own
    assert b"<ds:SignatureValue>VkFM</ds:SignatureValue>" in own
    bare = signature_xml("RElH", "VkFM", "CN=T1,OU=07", 1, declare_ds=False)
    assert bare.startswith(b"<ds:Signature><ds:SignedInfo>")
    # Bound by the root's declaration it reads as the same element tree.
    wrapped = etree.fromstring(f'<r xmlns:ds="{DS}">'.encode() + bare + b"</r>")
    sig = wrapped[0]
    assert sig.tag == f"{{{DS}}}Signature"
    assert [etree.QName(c).localname for c in sig] == ["SignedInfo", "SignatureValue", "KeyInfo"]
    methods = [el.get("Algorithm") for el in sig.iter() if el.get("Algorithm")]
    assert methods == [EXC_C14N, ECDSA_SHA256, ENVELOPED, SHA256]


def test_wrap_base64_breaks_at_76_with_cr_lf() -> None:
    assert wrap_base64("A" * 76) == "A" * 76
    assert wrap_base64("A" * 77) == "A" * 76 + "&#13;\n" + "A"
    assert wrap_base64("B" * 152) == "B" * 76 + "&#13;\n" + "B" * 76
    assert wrap_base64("") == ""


def test_message_kind_and_request_id_readers() -> None:
    assert message_kind(etree.fromstring(REQUEST)) is Kind.REQUEST
    response = REQUEST.replace(b"sr:Request", b"sr:Response")
    assert message_kind(etree.fromstring(response)) is Kind.RESPONSE
    assert message_kind(etree.fromstring(f'<sr:Other xmlns:sr="{SR}"/>'.encode())) is Kind.OTHER
    assert read_request_id(etree.fromstring(REQUEST)) == RequestID.parse(RID)
    no_header = etree.fromstring(f'<sr:Request xmlns:sr="{SR}"><sr:Body/></sr:Request>'.encode())
    assert request_id_element(no_header) is None
    with pytest.raises(ValueError, match=r"^message has no Header/RequestID$"):
        read_request_id(no_header)
    blank = etree.fromstring(REQUEST.replace(RID.encode(), b"  "))
    with pytest.raises(ValueError, match=r"^message has no Header/RequestID$"):
        read_request_id(blank)
    no_id = etree.fromstring(
        f'<sr:Request xmlns:sr="{SR}"><sr:Header><sr:CommandVariant>1</sr:CommandVariant>'
        "</sr:Header></sr:Request>".encode()
    )
    assert request_id_element(no_id) is None


@pytest.mark.parametrize(
    ("xml", "found"),
    [
        ("<a><b>x<!--c--></b></a>", "comment"),  # text before, nothing after
        ("<a><b><!--c-->x</b></a>", "comment"),  # first in its parent, text after
        ("<a><b><i/>x<?p?></b></a>", "pi"),  # after an element's tail
        ("<a><b><i/><!--c-->x</b></a>", "comment"),
        ("<a> <!--c--> <b/></a>", None),  # whitespace around: between elements
        ("<a><b/><!--c--><?p?><i/></a>", None),
        ("<!--before--><a/>", None),  # outside the root
    ],
)
def test_text_splitter_finds_comments_and_pis_inside_text(xml: str, found: str | None) -> None:
    node = text_splitter(etree.fromstring(xml))
    if found is None:
        assert node is None
    else:
        assert node is not None
        assert isinstance(
            node, etree._Comment if found == "comment" else etree._ProcessingInstruction
        )


# ---- compact form (signing/_compact.py) ----


def test_compact_removes_only_element_only_whitespace() -> None:
    root = etree.fromstring(
        f'<r xmlns:ds="{DS}">\n <a>\n  <b> keep </b>\n </a>\n'
        "<ds:KeyInfo>\n <ds:KeyName>k</ds:KeyName>\n</ds:KeyInfo>\n <c>\u00a0<d/></c></r>".encode()
    )
    assert not is_compact(root)
    assert compact(root) is True
    assert (
        etree.tostring(root).decode()
        == (
            f'<r xmlns:ds="{DS}"><a><b> keep </b></a>'
            "<ds:KeyInfo>\n <ds:KeyName>k</ds:KeyName>\n</ds:KeyInfo>"
            "<c>\u00a0<d/></c></r>"
        )
        .encode("ascii", "xmlcharrefreplace")
        .decode()
    )
    assert is_compact(root)
    assert compact(root) is False


def test_compact_of_a_compact_or_only_mixed_tree_changes_nothing() -> None:
    only_mixed = etree.fromstring(
        f'<ds:KeyInfo xmlns:ds="{DS}">\n <ds:KeyName/>\n</ds:KeyInfo>'.encode()
    )
    assert is_compact(only_mixed)
    assert compact(only_mixed) is False
    assert only_mixed.text == "\n " and only_mixed[0].tail == "\n"
    assert is_compact(etree.fromstring(b"<r><a>x</a><b/></r>"))


# ---- replay records (signing/_replay.py) ----


def _verified(xml: bytes, kind: Kind, signer: OrgCertificate | None) -> VerifiedMessage:
    tree = etree.ElementTree(etree.fromstring(xml))
    rid = None
    with contextlib.suppress(ValueError):
        rid = read_request_id(tree.getroot())
    return VerifiedMessage(tree, xml, kind, signer, rid, "m.xml")


_RESPONSE_ID = "90-B3-D5-1F-30-00-00-02:90-B3-D5-1F-30-01-00-00:1764230400005"


def _response(header_extra: str, *, header: bool = True) -> bytes:
    head = f"<sr:Header><sr:RequestID>{RID}</sr:RequestID>{header_extra}</sr:Header>"
    return f'<sr:Response xmlns:sr="{SR}">{head if header else ""}<sr:Body/></sr:Response>'.encode()


def test_counter_id_of_each_kind_of_message(world: _World) -> None:
    dsp = world.dsp.certificate
    assert message_counter_id(_verified(REQUEST, Kind.REQUEST, None)) == RequestID.parse(RID)
    with_id = _verified(
        _response(f"<sr:ResponseID>{_RESPONSE_ID}</sr:ResponseID>"), Kind.RESPONSE, dsp
    )
    assert message_counter_id(with_id) == RequestID.parse(_RESPONSE_ID)
    assert message_counter_id(_verified(_response(""), Kind.RESPONSE, dsp)) is None
    assert message_counter_id(_verified(_response("", header=False), Kind.RESPONSE, dsp)) is None
    bad = _verified(_response("<sr:ResponseID>not-an-id</sr:ResponseID>"), Kind.RESPONSE, dsp)
    assert message_counter_id(bad) is None
    # The ResponseID is read as the XSD reads it, whole across a comment.
    split = _response(
        f"<sr:ResponseID>{_RESPONSE_ID[:-3]}<!--x-->{_RESPONSE_ID[-3:]}</sr:ResponseID>"
    )
    assert message_counter_id(_verified(split, Kind.RESPONSE, dsp)) == RequestID.parse(_RESPONSE_ID)


def test_record_counter_records_the_senders_counter(world: _World, tmp_path: Path) -> None:
    store = CounterStore(tmp_path / "replay.sqlite3", durable=False)
    user = world.user.certificate
    assert record_counter(_verified(REQUEST, Kind.REQUEST, None), store) is None
    assert store.last_seen(USER) is None
    no_id = _verified(_response(""), Kind.RESPONSE, world.dsp.certificate)
    assert record_counter(no_id, store) is None
    assert record_counter(_verified(REQUEST, Kind.REQUEST, user), store) == RequestID.parse(RID)
    assert store.last_seen(USER) == 1764230400003
    assert store.last_seen(DCC_TEST_EUI) is None
    with pytest.raises(CounterReplayError):
        record_counter(_verified(REQUEST, Kind.REQUEST, user), store)


# ---- second round: the strict reader's other refusals, each at its place ----


def _assert_error(exc: VerificationError, error: type[VerificationError], line: int | None) -> None:
    assert type(exc) is error, f"{type(exc).__name__}: {exc}"
    assert exc.source == SOURCE
    assert exc.line == line, str(exc)


def test_signature_without_key_info(world: _World) -> None:
    def change(root: etree._Element) -> etree._Element:
        sig = _find(root, "ds:Signature")
        sig.remove(_find(sig, "ds:KeyInfo"))
        return sig

    data, line = _tampered(world.signed, change)
    exc = _refused(data, world.keystore, KeyInfoError, line)
    assert exc.message == (
        "Signature has no KeyInfo; the profile names the signer by X509IssuerSerial"
    )


@pytest.mark.parametrize(
    ("path", "local"),
    [
        ("ds:SignedInfo", "SignedInfo"),
        ("ds:SignedInfo/ds:Reference", "Reference"),
        ("ds:SignedInfo/ds:Reference/ds:Transforms", "Transforms"),
        ("ds:SignedInfo/ds:CanonicalizationMethod", "CanonicalizationMethod"),
    ],
    ids=["SignedInfo", "Reference", "Transforms", "CanonicalizationMethod"],
)
def test_text_inside_a_signature_element_is_a_structure_error(
    world: _World, path: str, local: str
) -> None:
    def change(root: etree._Element) -> etree._Element:
        el = _find(root, "ds:Signature/" + path)
        el.text = "junk"
        if len(el):
            etree.SubElement(el, f"{{{DS}}}Dummy")  # keeps the text before a child
        return el

    root = etree.fromstring(world.signed)
    target = change(root)
    target.set("{urn:x-test}m", "m")
    text = etree.tostring(root).decode()
    del target.attrib["{urn:x-test}m"]
    etree.cleanup_namespaces(root)
    line = text[: text.index('m="m"')].count("\n") + 1
    exc = _refused(etree.tostring(root), world.keystore, SignatureStructureError, line)
    assert exc.message == f"unexpected text in {local}"


@pytest.mark.parametrize("count", [0, 2])
def test_reference_count_other_than_one(world: _World, count: int) -> None:
    def change(root: etree._Element) -> etree._Element:
        si = _find(root, "ds:Signature/ds:SignedInfo")
        ref = _find(si, "ds:Reference")
        if count == 0:
            si.remove(ref)
        else:
            si.append(copy.deepcopy(ref))
        return si

    data, line = _tampered(world.signed, change)
    exc = _refused(data, world.keystore, ReferenceURIError, line)
    assert exc.message == (
        f"SignedInfo has {count} Reference elements; the profile has exactly one"
    )


def test_reference_to_a_fragment(world: _World) -> None:
    def change(root: etree._Element) -> etree._Element:
        ref = _find(root, "ds:Signature/ds:SignedInfo/ds:Reference")
        ref.set("URI", "#body")
        return ref

    data, line = _tampered(world.signed, change)
    exc = _refused(data, world.keystore, ReferenceURIError, line)
    assert exc.message == (
        "Reference URI is '#body'; the profile signs the whole document (URI=\"\")"
    )


@pytest.mark.parametrize("keep", ["nothing", "digest"])
def test_reference_without_transforms(world: _World, keep: str) -> None:
    def change(root: etree._Element) -> etree._Element:
        ref = _find(root, "ds:Signature/ds:SignedInfo/ds:Reference")
        for child in list(ref):
            if keep == "nothing" or etree.QName(child).localname == "Transforms":
                ref.remove(child)
        return ref

    data, line = _tampered(world.signed, change)
    exc = _refused(data, world.keystore, TransformError, line)
    assert exc.message == (
        "Reference has no Transforms; the profile needs the enveloped-signature transform"
    )


def test_transform_of_another_element_is_named_by_its_name(world: _World) -> None:
    def change(root: etree._Element) -> etree._Element:
        transforms = _find(root, "ds:Signature/ds:SignedInfo/ds:Reference/ds:Transforms")
        transforms.remove(transforms[0])
        etree.SubElement(transforms, f"{{{DS}}}XPath")
        return transforms

    data, line = _tampered(world.signed, change)
    exc = _refused(data, world.keystore, TransformError, line)
    assert exc.message.startswith("transforms are ['XPath']; the profile allows exactly one")


def _with_value(signed: bytes, value: bytes) -> bytes:
    root = etree.fromstring(signed)
    _find(root, "ds:Signature/ds:SignatureValue").text = base64.b64encode(value).decode()
    return etree.tostring(root)


def test_der_signature_value_is_named_der(world: _World) -> None:
    root = etree.fromstring(world.signed)
    raw = base64.b64decode(
        "".join((_find(root, "ds:Signature/ds:SignatureValue").text or "").split())
    )
    assert len(raw) == 64
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    with pytest.raises(SignatureEncodingError) as info:
        verify(_with_value(world.signed, der), world.keystore, source=SOURCE)
    assert info.value.message.startswith("SignatureValue is DER-encoded; the profile uses raw r||s")
    with pytest.raises(SignatureEncodingError) as info:
        verify(_with_value(world.signed, raw + b"\x00"), world.keystore, source=SOURCE)
    assert info.value.message.startswith("SignatureValue is 65 bytes; ")


@pytest.mark.parametrize("where", ["before", "after"])
def test_a_comment_on_one_side_of_the_root_is_not_trusted_content(
    world: _World, where: str
) -> None:
    comment = b"<!-- outside -->"
    body = world.signed
    if body.startswith(b"<?xml"):
        body = body[body.index(b"?>") + 2 :]
    data = comment + body if where == "before" else body + comment
    result = verify(data, world.keystore)
    assert result.root.getprevious() is None and result.root.getnext() is None
    assert b"outside" not in etree.tostring(result.tree)
    unsigned = REQUEST.replace(b"sr:Request", b"sr:Response")
    data = comment + unsigned if where == "before" else unsigned + comment
    plain = verify(data, world.keystore, require_signature=False)
    assert plain.root.getprevious() is None and plain.root.getnext() is None


# ---- the chain check's reasons ----


def _expired_copy(pki_: TestPKI) -> OrgCertificate:
    """The issuing CA re-certified with the same key and name, but expired in 2022."""
    cert = pki_.issuing_ca.certificate
    builder = (
        x509.CertificateBuilder()
        .subject_name(cert.subject)
        .issuer_name(cert.issuer)
        .public_key(cert.public_key())
        .serial_number(cert.serial_number + 1)
        .not_valid_before(datetime(2020, 1, 1, tzinfo=timezone.utc))
        .not_valid_after(datetime(2022, 1, 1, tzinfo=timezone.utc))
    )
    for ext in cert.extensions:
        builder = builder.add_extension(ext.value, critical=ext.critical)
    return OrgCertificate.from_x509(builder.sign(pki_.root_key, hashes.SHA256()))


def test_chain_check_reasons_are_named_and_joined(world: _World) -> None:
    stranger = make_test_pki([])
    expired = _expired_copy(world.pki)
    with pytest.raises(UntrustedSignerError) as info:
        verify(world.signed, world.keystore, trust=[stranger.issuing_ca, expired], source=SOURCE)
    message = info.value.message
    subject = world.pki.issuing_ca.subject
    assert (
        f"({subject}: signature does not verify; issuing CA {subject} expired on 2022-01-01"
        in message
    )


def test_chain_check_tries_the_next_ca_after_an_expired_one(world: _World) -> None:
    expired = _expired_copy(world.pki)
    assert verify(world.signed, world.keystore, trust=[expired, world.pki.issuing_ca]).signed


# ---- check_signature passes every argument on ----


def test_check_signature_passes_time_policy_trust_and_source(world: _World) -> None:
    from signing import SignatureStatus, SignerValidityError, check_signature

    ok = check_signature(world.signed, world.keystore, source=SOURCE)
    assert ok.status is SignatureStatus.VERIFIED and ok.result is not None
    assert ok.result.source == SOURCE
    late = check_signature(
        world.signed, world.keystore, at=datetime(2200, 1, 1, tzinfo=timezone.utc)
    )
    assert late.status is SignatureStatus.FAILED and type(late.error) is SignerValidityError
    other_dcc = SignerPolicy(dcc_eui=EUI64.parse("90-B3-D5-1F-30-00-00-09"))
    response = sign_tree(parse(REQUEST.replace(b"sr:Request", b"sr:Response")), world.dsp)
    assert check_signature(response, world.keystore).status is SignatureStatus.VERIFIED
    refused = check_signature(response, world.keystore, policy=other_dcc, source=SOURCE)
    assert refused.status is SignatureStatus.FAILED and refused.error is not None
    assert refused.error.rule == "signature.wrong-eui" and refused.error.source == SOURCE
    untrusted = check_signature(world.signed, world.keystore, trust=[make_test_pki([]).issuing_ca])
    assert type(untrusted.error) is UntrustedSignerError
    missing = check_signature(REQUEST, world.keystore, source=SOURCE)
    assert missing.status is SignatureStatus.UNSIGNED
    assert missing.error is not None and missing.error.rule == "signature.missing"
    assert missing.error.source == SOURCE
    with pytest.raises(MalformedXMLError) as info:
        check_signature(b"<sr:Request", None, source=SOURCE)
    assert info.value.source == SOURCE


def test_counter_id_found_whatever_precedes_the_header(world: _World) -> None:
    xml = _response(f"<sr:ResponseID>{_RESPONSE_ID}</sr:ResponseID>").replace(
        b"<sr:Header>", b"<!-- note --><sr:Header>"
    )
    found = message_counter_id(_verified(xml, Kind.RESPONSE, world.dsp.certificate))
    assert found == RequestID.parse(_RESPONSE_ID)


def test_text_in_the_transform(world: _World) -> None:
    root = etree.fromstring(world.signed)
    transform = _find(root, "ds:Signature/ds:SignedInfo/ds:Reference/ds:Transforms/ds:Transform")
    transform.text = "junk"
    exc = _refused(etree.tostring(root), world.keystore, SignatureStructureError, 1)
    assert exc.message == "unexpected text in Transform"


def _with_role_code(pki_: TestPKI, creds_cert: OrgCertificate, code: str) -> OrgCertificate:
    """The certificate re-issued with another OU (Remote Party Role) value."""
    cert = creds_cert.certificate
    subject = x509.Name(
        [
            x509.NameAttribute(a.oid, code) if a.oid == NameOID.ORGANIZATIONAL_UNIT_NAME else a
            for a in cert.subject
        ]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(cert.issuer)
        .public_key(cert.public_key())
        .serial_number(cert.serial_number + 7)
        .not_valid_before(cert.not_valid_before_utc)
        .not_valid_after(cert.not_valid_after_utc)
    )
    for ext in cert.extensions:
        builder = builder.add_extension(ext.value, critical=ext.critical)
    new = builder.sign(pki_.issuing_ca_key, hashes.SHA256())
    return OrgCertificate.from_x509(new)


def test_refusal_of_an_unknown_role_and_of_a_key_agreement_key(pw: _Policyworld) -> None:
    unknown = _with_role_code(pw.pki, pw.xml, "99")
    assert unknown.role is None and unknown.eui == USER
    assert SignerPolicy().refusal(unknown, Kind.REQUEST, RID_OBJ) == (
        "role",
        "role unknown may not sign a request (allowed: 87, 89)",
    )
    agreement = issue_org_certificate(
        pw.pki.issuing_ca, pw.pki.issuing_ca_key, USER, RemotePartyRole.XML_SIGN, key_agreement=True
    ).certificate
    assert SignerPolicy().refusal(agreement, Kind.REQUEST, RID_OBJ) == (
        "role",
        "certificate key usage lacks digitalSignature (a key-agreement certificate?)",
    )


def test_request_id_found_whatever_precedes_the_header() -> None:
    commented = etree.fromstring(REQUEST.replace(b"<sr:Header>", b"<!-- n --><?p?><sr:Header>"))
    assert read_request_id(commented) == RequestID.parse(RID)


def test_signature_value_base64_is_strict(world: _World) -> None:
    root = etree.fromstring(world.signed)
    value = _find(root, "ds:Signature/ds:SignatureValue")
    value.text = "!" + (value.text or "")  # a character base64 does not have
    exc = _refused(etree.tostring(root), world.keystore, SignatureEncodingError, 1)
    assert exc.message == "SignatureValue is not base64"
    value.text = None
    exc = _refused(etree.tostring(root), world.keystore, SignatureEncodingError, 1)
    assert exc.message.startswith("SignatureValue is 0 bytes; ")


def test_digest_value_not_base64_at_its_line(world: _World) -> None:
    def change(root: etree._Element) -> etree._Element:
        digest = _find(root, "ds:Signature/ds:SignedInfo/ds:Reference/ds:DigestValue")
        digest.text = "!" + (digest.text or "")[1:]
        return digest

    data, line = _tampered(world.signed, change)
    exc = _refused(data, world.keystore, SignatureStructureError, line)
    assert exc.message == "DigestValue is not base64"
    # In the exact profile layout (the fast path) the error names the SignedInfo's line.
    root = etree.fromstring(world.signed)
    _find(root, "ds:Signature/ds:SignedInfo/ds:Reference/ds:DigestValue").text = "=" * 44
    exc = _refused(etree.tostring(root), world.keystore, SignatureStructureError, 1)
    assert exc.message == "DigestValue is not base64"


def test_text_after_the_signature_is_signed_content(world: _World) -> None:
    # The enveloped transform removes the Signature element only: text after it stays,
    # joined to what came before it (the Body's tail).
    unsigned = REQUEST.replace(b"</sr:Body>\n</sr:Request>", b"</sr:Body>after</sr:Request>")
    signed = etree.fromstring(sign_tree(parse(unsigned), world.user))
    sig = signed[-1]
    assert etree.QName(sig).localname == "Signature"
    body = signed[-2]
    assert (body.tail or "") + (sig.tail or "") == "after"
    body.tail, sig.tail = None, "after"  # the same content without the Signature
    result = verify(etree.tostring(signed), world.keystore)
    assert result.root[-1].tail == "after"


@pytest.mark.parametrize("count", [0, 2])
def test_key_info_must_name_exactly_one_issuer_serial(world: _World, count: int) -> None:
    def change(root: etree._Element) -> etree._Element:
        key_info = _find(root, "ds:Signature/ds:KeyInfo")
        data = _find(key_info, "ds:X509Data")
        key_info.insert(0, etree.Element(f"{{{DS}}}KeyName"))  # other KeyInfo children first
        if count == 0:
            key_info.remove(data)
        else:
            data.append(copy.deepcopy(_find(data, "ds:X509IssuerSerial")))
        return key_info

    data, line = _tampered(world.signed, change)
    exc = _refused(data, world.keystore, KeyInfoError, line)
    assert exc.message == (
        f"KeyInfo has {count} X509Data/X509IssuerSerial; the profile names the signer by "
        "exactly one"
    )


@pytest.mark.parametrize("what", ["missing", "empty"])
def test_key_info_without_a_serial_number(world: _World, what: str) -> None:
    def change(root: etree._Element) -> etree._Element:
        ids = _find(root, "ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509IssuerSerial")
        serial = _find(ids, "ds:X509SerialNumber")
        if what == "missing":
            ids.remove(serial)
        else:
            serial.text = None
        return ids

    data, line = _tampered(world.signed, change)
    exc = _refused(data, world.keystore, KeyInfoError, line)
    assert exc.message == "KeyInfo has no X509SerialNumber: the signer cannot be identified"


# ---- second mutation run (mut3): the rest of _finish, _exc_c14n, _name_of ----


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("X5", "'X5'"),  # only XML whitespace is stripped, never other characters
        ("5 6", "'5 6'"),
        ("a" * 60, "'" + "a" * 60 + "'"),  # 60 characters are shown whole
        ("a" * 61, "'" + "a" * 60 + "...'"),  # longer ones are cut at 60
    ],
    ids=["letter", "inner-space", "sixty", "sixty-one"],
)
def test_serial_number_that_is_not_decimal_is_named_at_its_line(
    world: _World, text: str, shown: str
) -> None:
    def change(root: etree._Element) -> etree._Element:
        serial = _find(root, "ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509IssuerSerial")
        _find(serial, "ds:X509SerialNumber").text = text
        return _find(serial, "ds:X509SerialNumber")

    data, line = _tampered(world.signed, change)
    exc = _refused(data, world.keystore, KeyInfoError, line)
    # RFC 5280: a serial is at most 20 octets, below 2**160, so 49 decimal digits.
    assert exc.message == (
        f"X509SerialNumber {shown} is not a certificate serial number (ASCII decimal "
        "digits, at most 49: RFC 5280 serials are 20 octets at most)"
    )


def test_unknown_signer_and_bad_issuer_name_are_named_at_the_issuer_serial(
    world: _World,
) -> None:
    def ids(root: etree._Element) -> etree._Element:
        return _find(root, "ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509IssuerSerial")

    data, line = _tampered(world.signed, ids)
    only_dsp = Keystore([world.dsp.certificate], [world.dsp.private_key])
    _refused(data, only_dsp, UnknownSignerError, line, "CN=T1,OU=07")

    def bad_name(root: etree._Element) -> etree._Element:
        _find(ids(root), "ds:X509IssuerName").text = "not a name"
        return ids(root)

    data, line = _tampered(world.signed, bad_name)
    _refused(data, world.keystore, KeyInfoError, line, "X509IssuerName is not an RFC 4514 name")


def test_digest_mismatch_is_named_at_the_digest_value(world: _World) -> None:
    def change(root: etree._Element) -> etree._Element:
        _find(root, "sr:Header/sr:CommandVariant").text = "2"  # a signed value changed
        return _find(root, "ds:Signature/ds:SignedInfo/ds:Reference/ds:DigestValue")

    data, line = _tampered(world.signed, change)
    _refused(data, world.keystore, DigestMismatchError, line, "changed after signing")
    # In the exact profile layout (the fast path) the line is the SignedInfo's (line 1).
    changed = world.signed.replace(b"<sr:CommandVariant>1<", b"<sr:CommandVariant>2<")
    assert changed != world.signed
    _refused(changed, world.keystore, DigestMismatchError, 1, "changed after signing")


def test_a_comment_between_signed_info_children_is_not_signed(world: _World) -> None:
    # xml-exc-c14n# (without comments, the profile's CanonicalizationMethod) drops
    # comments, so a comment between SignedInfo's children leaves the signature valid.
    marked = world.signed.replace(
        b"<ds:SignatureMethod ", b"<!-- between -->\n<ds:SignatureMethod "
    )
    assert marked != world.signed
    result = verify(marked, world.keystore)
    assert result.signer is not None
    assert result.signer.certificate == world.user.certificate.certificate


def test_errors_name_the_input_when_no_source_is_given(world: _World, tmp_path: Path) -> None:
    broken = world.signed.replace(b"<ds:X509SerialNumber>", b"<ds:X509SerialNumber>X")
    assert broken != world.signed

    def source_of(data: object) -> str | None:
        with pytest.raises(KeyInfoError) as info:
            verify(data, world.keystore)  # type: ignore[arg-type]
        return info.value.source

    assert source_of(broken) == "<bytes>"
    assert source_of(bytearray(broken)) == "<bytes>"
    assert source_of(broken.decode()) == "<string>"
    # Without the XML declaration, whitespace may come before the root's "<".
    assert broken.startswith(b"<?xml ")
    assert source_of("\n  " + broken.decode().split("?>", 1)[1]) == "<string>"
    path = tmp_path / "signed-message.xml"
    path.write_bytes(broken)
    assert source_of(str(path)) == str(path)
    # A Path is named by the whole path, as parse errors name it (regression: only
    # its last part, Path.name, was named).
    assert source_of(path) == str(path)
    with path.open("rb") as handle:
        assert source_of(handle) == str(path)
    assert source_of(io.BytesIO(broken)) == "<stream>"  # as parse errors name a stream
    with pytest.raises(MalformedXMLError) as info:
        verify(io.BytesIO(b"<a>"), world.keystore)
    assert info.value.source == "<stream>"


def _without_declaration(signed: bytes) -> bytes:
    assert signed.startswith(b"<?xml ")
    return signed.split(b"?>", 1)[1]


def test_a_wrapped_message_is_named_at_the_wrapper(world: _World) -> None:
    wrapped = (
        b'\n<w:Wrapper xmlns:w="urn:x-test">' + _without_declaration(world.signed) + b"</w:Wrapper>"
    )
    exc = _refused(wrapped, world.keystore, WrappedDocumentError, 2)
    assert exc.message == (
        "the signed message is wrapped in another root ({urn:x-test}Wrapper); a DUIS "
        "signature covers an sr:Request or sr:Response root only"
    )


def test_a_parse_error_names_the_source_given(world: _World) -> None:
    with pytest.raises(MalformedXMLError) as info:
        verify(b"<sr:Request", world.keystore, source=SOURCE)
    assert info.value.source == SOURCE


def test_text_between_signature_children_is_named_at_the_child_before_it(
    world: _World,
) -> None:
    # Two newlines (whitespace, allowed) put SignedInfo on line 3; "junk" is its tail.
    data = world.signed.replace(b"<ds:SignedInfo>", b"\n\n<ds:SignedInfo>").replace(
        b"</ds:SignedInfo>", b"</ds:SignedInfo>junk"
    )
    exc = _refused(data, world.keystore, SignatureStructureError, 3)
    assert exc.message == "unexpected text in Signature"


@pytest.mark.parametrize(
    ("marker", "what"),
    [("<!-- x -->", "a comment"), ("<?p x?>", "a processing instruction")],
    ids=["comment", "pi"],
)
def test_text_split_by_a_comment_or_pi_is_named_at_its_line(
    world: _World, marker: str, what: str
) -> None:
    split = REQUEST.replace(RID.encode(), (RID[:-3] + marker + RID[-3:]).encode())
    signed = sign_tree(parse(split), world.user)  # sign_tree signs what it is given
    line = signed[: signed.index(marker.encode())].count(b"\n") + 1  # in the input
    exc = _refused(signed, world.keystore, CommentInjectionError, line)
    assert exc.message == (
        f"{what} splits text content; the text a reader sees could differ from what was "
        "signed (C14N drops comments; readers that stop at a node see half)"
    )


def test_fast_path_digest_error_names_signed_info_not_signature_value(world: _World) -> None:
    # The exact profile SignedInfo (the fast path) on line 1, SignatureValue on line 2.
    root = etree.fromstring(world.signed)
    _find(root, "ds:Signature/ds:SignedInfo/ds:Reference/ds:DigestValue").text = "=" * 44
    data = etree.tostring(root).replace(b"</ds:SignedInfo>", b"</ds:SignedInfo>\n")
    exc = _refused(data, world.keystore, SignatureStructureError, 1)
    assert exc.message == "DigestValue is not base64"


def test_a_root_that_is_not_duis_is_named(world: _World) -> None:
    exc = _refused(b'<x:Other xmlns:x="urn:x-test"/>', world.keystore, VerificationError, None)
    assert exc.message == "root element {urn:x-test}Other is not a DUIS sr:Request or sr:Response"


def test_unsigned_messages_say_what_is_missing(world: _World) -> None:
    exc = _refused(REQUEST, world.keystore, SignatureMissingError, None)
    assert exc.message == (
        "request is not signed; every service request must carry the User's xmlSign signature"
    )
    exc = _refused(_response(""), world.keystore, SignatureMissingError, None)
    assert exc.message == "response is not signed; a signature is required (--require-signature)"
    # Even with require_signature=False a request must be signed.
    with pytest.raises(SignatureMissingError) as info:
        verify(REQUEST, world.keystore, require_signature=False)
    assert info.value.message.startswith("request is not signed; ")


def test_an_unsigned_response_accepted_is_described(world: _World) -> None:
    data = _response("")
    result = verify(data, world.keystore, require_signature=False, source=SOURCE)
    assert result.kind is Kind.RESPONSE
    assert result.request_id == RequestID.parse(RID)
    assert result.source == SOURCE
    assert result.signer is None
    # No comments or Signature to remove: the content is the input's inclusive C14N.
    assert result.signed_xml == etree.tostring(etree.fromstring(data), method="c14n")
    unreadable = data.replace(RID.encode(), b"not-a-request-id")
    result = verify(unreadable, world.keystore, require_signature=False)
    assert result.request_id is None


def _line_of(data: bytes, marker: bytes, nth: int = 0) -> int:
    """The line of the nth occurrence of marker in the input (counted by hand)."""
    at = -1
    for _ in range(nth + 1):
        at = data.index(marker, at + 1)
    return data[:at].count(b"\n") + 1


def test_a_second_signature_is_named_at_its_line(world: _World) -> None:
    root = etree.fromstring(world.signed)
    sig = _find(root, "ds:Signature")
    sig.tail = "\n\n"
    root.append(copy.deepcopy(sig))
    data = etree.tostring(root)
    line = _line_of(data, b"<ds:Signature ", 1)
    assert line > _line_of(data, b"<ds:Signature ")
    exc = _refused(data, world.keystore, MultipleSignaturesError, line)
    assert exc.message == "document has 2 ds:Signature elements; the profile allows exactly one"


def test_a_signature_before_the_body_is_named_at_its_line(world: _World) -> None:
    root = etree.fromstring(world.signed)
    sig = _find(root, "ds:Signature")
    header = _find(root, "sr:Header")
    header.tail = "\n\n"
    header.addnext(sig)  # between Header and Body
    data = etree.tostring(root)
    line = _line_of(data, b"<ds:Signature ")
    assert line == 3
    exc = _refused(data, world.keystore, SignaturePlacementError, line)
    assert exc.message == "ds:Signature must be the last child element of the root"


def test_an_empty_issuer_name_is_a_key_info_error(world: _World) -> None:
    def change(root: etree._Element) -> etree._Element:
        ids = _find(root, "ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509IssuerSerial")
        _find(ids, "ds:X509IssuerName").text = None
        return ids

    data, line = _tampered(world.signed, change)
    exc = _refused(data, world.keystore, KeyInfoError, line)
    assert exc.message == "KeyInfo has no X509IssuerName"


def test_only_xml_whitespace_is_stripped_from_the_serial(world: _World) -> None:
    # XML's white space (the S production) is space, tab, CR and LF; U+00A0 is not.
    root = etree.fromstring(world.signed)
    serial = _find(root, "ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509IssuerSerial")[1]
    serial.text = " \t\n" + (serial.text or "") + "\r\n "
    assert verify(etree.tostring(root), world.keystore).signer is not None
    serial.text = "\u00a0" + (serial.text or "").strip()
    with pytest.raises(KeyInfoError) as info:
        verify(etree.tostring(root), world.keystore)
    assert info.value.message.startswith("X509SerialNumber '\\xa0")


def test_only_x509_data_issuer_serials_name_the_signer(world: _World) -> None:
    # xmldsig: the issuer-serial that names the signer is KeyInfo/X509Data/X509IssuerSerial;
    # other KeyInfo children and other X509Data children are not counted.
    root = etree.fromstring(world.signed)
    key_info = _find(root, "ds:Signature/ds:KeyInfo")
    data = _find(key_info, "ds:X509Data")
    other = etree.SubElement(key_info, "{urn:x-test}Other")
    other.append(copy.deepcopy(_find(data, "ds:X509IssuerSerial")))
    cert = etree.SubElement(data, f"{{{DS}}}X509SubjectName")
    cert.text = "CN=someone"
    result = verify(etree.tostring(root), world.keystore)
    assert result.signer is not None


def _signed_as_laid_out(data: bytes, world: _World) -> bytes:
    """Signed without removing whitespace first, as a signer other than DCC's may."""
    return _sign_compact(parse(data), world.user, SOURCE)


def test_a_comment_first_in_an_element_leaves_the_whitespace_around_it(
    world: _World,
) -> None:
    # C14N without comments drops the comment node only: the text before it and its
    # tail are joined, so the trusted tree keeps both.
    data = REQUEST.replace(b"<sr:Header>\n", b"<sr:Header>\n  <!-- c -->\n")
    assert data != REQUEST
    result = verify(_signed_as_laid_out(data, world), world.keystore)
    header = result.root.find("sr:Header", NS)
    assert header is not None
    assert header.text == "\n  \n    "
    bare = REQUEST.replace(b"<sr:Header>\n    ", b"<sr:Header><!-- c -->\n    ")
    assert bare != REQUEST
    result = verify(_signed_as_laid_out(bare, world), world.keystore)
    header = result.root.find("sr:Header", NS)
    assert header is not None
    assert header.text == "\n    "
