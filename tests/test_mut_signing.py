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

from collections.abc import Callable
from datetime import datetime, timezone

import pytest
from lxml import etree

from duis.ids import EUI64
from duis.xml import parse
from signing import (
    DCC_TEST_EUI,
    AlgorithmError,
    KeyInfoError,
    Keystore,
    RemotePartyRole,
    SignatureStructureError,
    TransformError,
    UntrustedSignerError,
    VerificationError,
    issue_org_certificate,
    make_test_pki,
    sign,
    sign_tree,
    verify,
)

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


def _tampered(signed: bytes, change: Callable[[etree._Element], etree._Element]) -> tuple[bytes, int]:
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
    user = issue_org_certificate(short.issuing_ca, short.issuing_ca_key, USER, RemotePartyRole.XML_SIGN)
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
