"""Signing and verifying under hostile or unusual input (issues 8 §1, 14, 15).

Whitespace between elements (DCC's compact form), text split by comments or PIs,
malformed KeyInfo and DigestValue, C14N failures, nested signatures, what the
verified tree holds, the signature status API, replay records, and the verifier
checks that had no test of their own (key usage, the issuing CA's validity, a
comment before an element's text, a Signature that is not the last child).
"""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from duis import MalformedXMLError
from duis.ids import EUI64
from duis.xml import parse
from signing import (
    DCC_TEST_EUI,
    CommentInjectionError,
    CounterReplayError,
    CounterStore,
    CredentialRoleError,
    Credentials,
    DigestMismatchError,
    KeyInfoError,
    Keystore,
    KeystoreError,
    NoCredentialsError,
    NotSignableError,
    OrgCertificate,
    RemotePartyRole,
    SignatureCheck,
    SignaturePlacementError,
    SignatureStatus,
    SignatureStructureError,
    SignerPolicy,
    SignerRoleError,
    SigningError,
    UntrustedSignerError,
    VerificationError,
    check_signature,
    issue_org_certificate,
    make_test_pki,
    record_counter,
    sign,
    sign_tree,
    verify,
)
from signing._compact import MIXED_XMLDSIG, compact

USER = EUI64.parse("90-B3-D5-1F-30-01-00-00")
DS = "http://www.w3.org/2000/09/xmldsig#"
SR = "http://www.dccinterface.co.uk/ServiceUserGateway"
XS = "http://www.w3.org/2001/XMLSchema"
ROOT = Path(__file__).resolve().parents[1]
RID = "90-B3-D5-1F-30-01-00-00:00-12-4B-00-0A-51-7E-01:1764230400003"


def _request(rid: str = RID, srv: str = "4.1.1", extra_body: str = "") -> bytes:
    return f"""<sr:Request xmlns:sr="{SR}" schemaVersion="5.4">
  <sr:Header>
    <sr:RequestID>{rid}</sr:RequestID>
    <sr:CommandVariant>1</sr:CommandVariant>
    <sr:ServiceReference>4.1</sr:ServiceReference>
    <sr:ServiceReferenceVariant>{srv}</sr:ServiceReferenceVariant>
  </sr:Header>
  <sr:Body>
    <sr:ReadInstantaneousImportRegisters>{extra_body}</sr:ReadInstantaneousImportRegisters>
  </sr:Body>
</sr:Request>""".encode()


REQUEST = _request()
# Only the root renamed (not schema-valid as a response: signed with validate=False).
RESPONSE = REQUEST.replace(b"<sr:Request ", b"<sr:Response ").replace(
    b"</sr:Request>", b"</sr:Response>"
)


class _World:
    def __init__(self) -> None:
        self.pki = make_test_pki(
            [
                (USER, RemotePartyRole.XML_SIGN),
                (DCC_TEST_EUI, RemotePartyRole.DSP_XML_SIGN),
                (DCC_TEST_EUI, RemotePartyRole.ACCESS_CONTROL_BROKER),
            ]
        )
        self.user, self.dsp, self.acb = self.pki.organisations
        creds = self.pki.organisations
        self.keystore = Keystore([c.certificate for c in creds], [c.private_key for c in creds])


@pytest.fixture(scope="module")
def world() -> _World:
    return _World()


def _sig_child(data: bytes, path: str) -> tuple[etree._Element, etree._Element]:
    root = etree.fromstring(data)
    el = root.find(path, {"ds": DS, "sr": SR})
    assert el is not None, path
    return root, el


# ---- whitespace between elements: DCC's compact form (issue 8 §1) ----


def test_signed_output_is_compact_and_verifies(world: _World) -> None:
    signed = sign(REQUEST, credentials=world.user, preserve_counter=True, validate=False).xml
    assert b">\n" not in signed.replace(b"&#13;\n", b"")
    result = verify(signed, world.keystore)
    assert result.signed_xml.startswith(b'<sr:Request xmlns:sr="')
    assert b"<sr:Header><sr:RequestID>" in result.signed_xml


def test_reindenting_a_signed_message_still_verifies(world: _World) -> None:
    signed = sign(REQUEST, credentials=world.user, preserve_counter=True, validate=False).xml
    indented = signed.replace(b"><sr:", b">\n    <sr:").replace(b"><ds:", b">\n  <ds:")
    assert indented.count(b"\n") > 10
    result = verify(indented, world.keystore)
    # The trusted content is the form that matched: the compact one.
    assert result.signed_xml == verify(signed, world.keystore).signed_xml
    assert b"\n" not in result.signed_xml


def test_whitespace_inside_simple_content_still_counts(world: _World) -> None:
    signed = sign(REQUEST, credentials=world.user, preserve_counter=True, validate=False).xml
    for before, after in (
        (b"<sr:CommandVariant>1<", b"<sr:CommandVariant> 1<"),
        (b"<sr:CommandVariant>1<", b"<sr:CommandVariant>1\n<"),
        (b"<sr:ServiceReference>4.1<", b"<sr:ServiceReference>4.1 <"),
    ):
        assert before in signed
        with pytest.raises(DigestMismatchError):
            verify(signed.replace(before, after, 1), world.keystore)


def test_an_as_laid_out_digest_still_verifies_and_is_returned_as_is(
    world: _World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signer that digests the indented document (signxml, older duis) stays valid."""
    import signing._sign

    monkeypatch.setattr(signing._sign, "is_compact", lambda root: True)
    indented = sign_tree(parse(REQUEST), world.user)
    assert b"\n  <sr:Header>" in indented
    monkeypatch.undo()
    result = verify(indented, world.keystore)
    assert b"\n  <sr:Header>" in result.signed_xml


def test_compact_keeps_whitespace_in_mixed_xmldsig_types_and_in_text() -> None:
    root = etree.fromstring(
        f"""<sr:Request xmlns:sr="{SR}" xmlns:ds="{DS}">
  <sr:A> keep </sr:A>
  <sr:B>   </sr:B>
  <ds:KeyInfo>
    <ds:X509Data> <ds:X509IssuerName>x</ds:X509IssuerName> </ds:X509Data>
  </ds:KeyInfo>
  <sr:C>text<sr:D/> tail </sr:C>
  <!-- note -->
</sr:Request>""".encode()
    )
    assert compact(root)
    assert etree.tostring(root).decode() == (
        f'<sr:Request xmlns:sr="{SR}" xmlns:ds="{DS}">'
        "<sr:A> keep </sr:A><sr:B>   </sr:B>"
        "<ds:KeyInfo>\n    <ds:X509Data><ds:X509IssuerName>x</ds:X509IssuerName></ds:X509Data>\n"
        "  </ds:KeyInfo><sr:C>text<sr:D/> tail </sr:C><!-- note --></sr:Request>"
    )
    assert not compact(root)  # idempotent


def test_compact_does_not_take_unicode_spaces_for_xml_whitespace() -> None:
    root = etree.fromstring(f'<sr:A xmlns:sr="{SR}">\u00a0<sr:B/>\n</sr:A>'.encode())
    assert not compact(root)  # U+00A0 is character data: the content is not element-only


def test_mixed_xmldsig_table_is_what_the_shipped_xsd_declares() -> None:
    xsd = etree.parse(str(ROOT / "schemas" / "xmldsig.xsd"))
    named_mixed = {
        t.get("name") for t in xsd.iter(f"{{{XS}}}complexType") if t.get("mixed") == "true"
    }
    declared = set()
    for el in xsd.iter(f"{{{XS}}}element"):
        name = el.get("name")
        if name is None or el.getparent() is None or el.getparent().tag != f"{{{XS}}}schema":
            continue
        inline = el.find(f"{{{XS}}}complexType")
        type_name = (el.get("type") or "").split(":")[-1]
        if (inline is not None and inline.get("mixed") == "true") or type_name in named_mixed:
            declared.add(f"{{{DS}}}{name}")
    assert declared == MIXED_XMLDSIG


# ---- text split by comments or PIs (issue 14 §2, issue 15) ----


@pytest.mark.parametrize(
    "data",
    [
        _request(rid=RID + "<!-- n -->999"),
        _request(rid=RID + "<?x?>999"),
        _request(srv="4.1<!---->.1"),
        _request(srv="<!-- c -->4.1.1"),
    ],
    ids=["comment-in-counter", "pi-in-counter", "comment-in-srv", "comment-before-text"],
)
def test_sign_refuses_text_split_by_comment_or_pi(world: _World, data: bytes) -> None:
    for validate in (True, False):
        with pytest.raises(NotSignableError, match="splits the text"):
            sign(data, credentials=world.user, preserve_counter=True, validate=validate)


@pytest.mark.parametrize(
    "marker", ["<!-- c -->", "<?x y?>"], ids=["comment", "processing-instruction"]
)
@pytest.mark.parametrize("where", ["inside", "before"])
def test_verify_refuses_text_split_by_comment_or_pi(world: _World, marker: str, where: str) -> None:
    # sign_tree has no checks, so it signs what an attacker would.
    rid = RID[:-3] + marker + RID[-3:] if where == "inside" else marker + RID
    signed = sign_tree(parse(_request(rid=rid)), world.user)
    with pytest.raises(CommentInjectionError) as info:
        verify(signed, world.keystore)
    assert type(info.value) is CommentInjectionError


def test_comment_and_pi_between_elements_are_fine(world: _World) -> None:
    data = REQUEST.replace(b"<sr:Body>", b"<!-- note --><?keep me?><sr:Body>")
    result = verify(sign(data, credentials=world.user, preserve_counter=True).xml, world.keystore)
    assert not list(result.root.iter(etree.Comment))


# ---- malformed signature parts are findings, never tracebacks (issue 14 §4) ----


@pytest.mark.parametrize(
    "serial",
    ["\u00b2", "1" * 5000, "\u0668", "12\u00b3", "0x1F", "-5", ""],
    # Plain ids: mutmut passes node ids back to pytest, which cannot take these values.
    ids=[
        "superscript-2",
        "5000-digits",
        "arabic-8",
        "12-superscript-3",
        "hex",
        "negative",
        "empty",
    ],
)
def test_bad_x509_serial_number_is_a_key_info_error(world: _World, serial: str) -> None:
    signed = sign(REQUEST, credentials=world.user, preserve_counter=True).xml
    root, el = _sig_child(signed, ".//ds:X509SerialNumber")
    el.text = serial
    with pytest.raises(KeyInfoError):
        verify(etree.tostring(root), world.keystore)


@pytest.mark.parametrize(
    "digest",
    ["=" * 44, "AB=C" + "A" * 40, "A" * 43 + "!", "A" * 42 + "=A"],
    ids=["all-padding", "padding-inside", "bad-character", "data-after-padding"],
)
def test_digest_value_that_is_not_base64_is_a_structure_error(world: _World, digest: str) -> None:
    signed = sign(REQUEST, credentials=world.user, preserve_counter=True).xml
    root, el = _sig_child(signed, ".//ds:DigestValue")
    el.text = digest
    with pytest.raises(SignatureStructureError, match="not base64"):
        verify(etree.tostring(root), world.keystore)


def test_relative_namespace_uri_is_a_finding_in_sign_and_verify(world: _World) -> None:
    """C14N cannot process a relative namespace URI: the safe parser refuses it, so
    sign and verify report it as malformed input instead of raising C14NError."""
    relative = REQUEST.replace(b"<sr:Request ", b'<sr:Request xmlns:x="rel/uri" ', 1)
    with pytest.raises(MalformedXMLError, match="absolute URI"):
        sign(relative, credentials=world.user, preserve_counter=True, validate=False)
    signed = sign(REQUEST, credentials=world.user, preserve_counter=True).xml
    forged = signed.replace(b"<sr:Request ", b'<sr:Request xmlns:x="rel/uri" ', 1)
    with pytest.raises(MalformedXMLError, match="absolute URI"):
        verify(forged, world.keystore)


def test_c14n_error_is_caught_where_canonicalization_happens(
    world: _World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the parser lets through, an lxml C14NError never escapes."""
    signed = sign(REQUEST, credentials=world.user, preserve_counter=True).xml
    real = etree.tostring

    def failing(node: object, *args: object, **kwargs: object) -> bytes:
        if kwargs.get("method") == "c14n":
            raise etree.C14NError("relative namespace URI")
        return real(node, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(etree, "tostring", failing)
    with pytest.raises(VerificationError):
        verify(signed, world.keystore)
    with pytest.raises(NotSignableError):
        sign_tree(parse(REQUEST), world.user)


# ---- nested signatures and what the verified tree holds (issue 14 §12) ----


def test_sign_refuses_a_signature_nested_in_the_content(world: _World) -> None:
    nested = _request(extra_body=f'<ds:Signature xmlns:ds="{DS}"/>')
    for validate in (True, False):
        with pytest.raises(NotSignableError, match="two signatures"):
            sign(nested, credentials=world.user, preserve_counter=True, validate=validate)


def test_comments_and_pis_outside_the_root_are_not_trusted_content(world: _World) -> None:
    signed = sign(REQUEST, credentials=world.user, preserve_counter=True).xml
    decl_end = signed.index(b"?>") + 2
    wrapped = (
        signed[:decl_end] + b"<!-- before --><?pi before?>" + signed[decl_end:] + b"<!-- after -->"
    )
    # The PI before the root is covered by the digest (C14N keeps it): sign it so.
    tree = parse(wrapped)
    tree.getroot().remove(tree.getroot()[-1])
    resigned = sign_tree(tree, world.user)
    assert b"<?pi before?>" in resigned
    result = verify(resigned, world.keystore)
    assert result.root.getprevious() is None and result.root.getnext() is None
    assert b"before" not in result.signed_xml and b"after" not in result.signed_xml
    assert result.signed_xml.startswith(b"<sr:Request")


# ---- the signature status API, for inspect (issue 14 §12) ----


def test_check_signature_says_which_of_four_cases(world: _World) -> None:
    signed = sign(REQUEST, credentials=world.user, preserve_counter=True).xml
    bad = signed.replace(b"<sr:CommandVariant>1<", b"<sr:CommandVariant>2<")
    ok = check_signature(signed, world.keystore)
    assert ok.status is SignatureStatus.VERIFIED and ok.result is not None
    failed = check_signature(bad, world.keystore)
    assert failed.status is SignatureStatus.FAILED
    assert isinstance(failed.error, DigestMismatchError)
    assert check_signature(signed, None).status is SignatureStatus.NOT_CHECKED
    assert check_signature(bad, None).status is SignatureStatus.NOT_CHECKED
    assert check_signature(REQUEST, None).status is SignatureStatus.UNSIGNED
    assert check_signature(REQUEST, world.keystore).status is SignatureStatus.UNSIGNED
    unsigned_response = check_signature(RESPONSE, world.keystore)
    assert isinstance(unsigned_response, SignatureCheck)
    assert unsigned_response.status is SignatureStatus.UNSIGNED
    assert unsigned_response.error is None
    assert unsigned_response.result is not None and not unsigned_response.result.signed
    assert SignatureStatus.NOT_CHECKED.value == "not-checked"


# ---- replay records only what verified (issue 14 §5) ----


def test_replay_records_only_verified_counters(world: _World, tmp_path: Path) -> None:
    store = CounterStore(tmp_path / "replay.sqlite3", durable=False)
    response = RESPONSE.replace(
        b"</sr:RequestID>",
        b"</sr:RequestID><sr:ResponseID>90-B3-D5-1F-30-00-00-02:"
        b"90-B3-D5-1F-30-01-00-00:1764230400005</sr:ResponseID>",
        1,
    )
    unsigned = verify(response, world.keystore, require_signature=False)
    assert record_counter(unsigned, store) is None  # unsigned: nothing recorded
    signed = verify(sign_tree(parse(response), world.dsp), world.keystore)
    rid = record_counter(signed, store)
    assert rid is not None and rid.counter == 1764230400005
    assert str(rid.originator) == str(DCC_TEST_EUI)
    with pytest.raises(CounterReplayError):
        record_counter(signed, store)


# ---- one signer policy for sign and verify (issue 8 §3) ----


def test_policy_is_frozen_and_documented() -> None:
    policy = SignerPolicy()
    with pytest.raises(AttributeError):
        policy.allow_digital_signing = True  # type: ignore[misc]
    source = (ROOT / "signing" / "_policy.py").read_text()
    for name in ("request_roles", "response_roles", "allow_digital_signing", "dcc_eui"):
        assert f"    {name}: " in source
        after = source.split(f"    {name}: ", 1)[1].split("\n", 2)[1]
        assert after.strip().startswith('"""'), f"{name} has no docstring"


def test_same_policy_decides_sign_and_verify(world: _World) -> None:
    acb_signed = sign(RESPONSE, credentials=world.acb, preserve_counter=True, validate=False).xml
    assert verify(acb_signed, world.keystore).signer is not None
    strict = SignerPolicy(response_roles=frozenset({RemotePartyRole.DSP_XML_SIGN}))
    with pytest.raises(CredentialRoleError):
        sign(RESPONSE, credentials=world.acb, preserve_counter=True, validate=False, policy=strict)
    with pytest.raises(SignerRoleError):
        verify(acb_signed, world.keystore, policy=strict)
    dsp_signed = sign(
        RESPONSE, credentials=world.dsp, preserve_counter=True, validate=False, policy=strict
    ).xml
    assert verify(dsp_signed, world.keystore, policy=strict).signed
    other_dcc = SignerPolicy(dcc_eui=EUI64.parse("90-B3-D5-1F-30-00-00-09"))
    with pytest.raises(SigningError):
        sign(
            RESPONSE, credentials=world.dsp, preserve_counter=True, validate=False, policy=other_dcc
        )
    with pytest.raises(VerificationError):
        verify(dsp_signed, world.keystore, policy=other_dcc)


def test_no_credentials_is_a_signing_error(world: _World) -> None:
    empty = Keystore([world.dsp.certificate], [world.dsp.private_key])
    with pytest.raises(SigningError) as info:
        sign(REQUEST, keystore=empty, preserve_counter=True)
    assert isinstance(info.value, NoCredentialsError)
    assert isinstance(info.value, KeystoreError)
    assert info.value.rule == "keystore.no-credentials"


# ---- verifier checks with a test of their own (issue 15) ----


def _without_digital_signature(creds: Credentials, ca: Credentials) -> Credentials:
    """The same SMKI certificate, re-issued with key usage keyAgreement only."""
    cert = creds.certificate.certificate
    builder = (
        x509.CertificateBuilder()
        .subject_name(cert.subject)
        .issuer_name(cert.issuer)
        .public_key(cert.public_key())
        .serial_number(cert.serial_number + 1)
        .not_valid_before(cert.not_valid_before_utc)
        .not_valid_after(cert.not_valid_after_utc)
    )
    for ext in cert.extensions:
        if isinstance(ext.value, x509.KeyUsage):
            continue
        builder = builder.add_extension(ext.value, critical=ext.critical)
    builder = builder.add_extension(
        x509.KeyUsage(
            digital_signature=False,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=True,
            key_cert_sign=False,
            crl_sign=False,
            encipher_only=False,
            decipher_only=False,
        ),
        critical=True,
    )
    new = builder.sign(ca.private_key, hashes.SHA256())  # type: ignore[arg-type]
    return Credentials(OrgCertificate.from_x509(new), creds.private_key)


def test_key_usage_without_digital_signature_is_refused(world: _World) -> None:
    ca = Credentials(world.pki.issuing_ca, world.pki.issuing_ca_key)
    no_ds = _without_digital_signature(world.user, ca)
    assert no_ds.certificate.role is RemotePartyRole.XML_SIGN
    assert not no_ds.certificate.can_sign
    with pytest.raises(CredentialRoleError, match="digitalSignature"):
        sign(REQUEST, credentials=no_ds, preserve_counter=True)
    forged = sign_tree(parse(REQUEST), no_ds)
    keystore = Keystore([no_ds.certificate], [])
    with pytest.raises(SignerRoleError, match="digitalSignature") as info:
        verify(forged, keystore)
    assert type(info.value) is SignerRoleError


def test_chain_check_requires_the_issuing_ca_to_be_valid(world: _World) -> None:
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
    inside = datetime(2021, 6, 1, tzinfo=timezone.utc)
    after = datetime(2025, 6, 1, tzinfo=timezone.utc)
    assert verify(signed, keystore, at=inside, trust=[short.issuing_ca]).signed
    assert verify(signed, keystore, at=after).signed  # the user's own cert is still valid
    with pytest.raises(UntrustedSignerError, match="issuing CA"):
        verify(signed, keystore, at=after, trust=[short.issuing_ca])


@pytest.mark.parametrize("position", ["first", "before-body"])
def test_signature_not_the_last_child_is_a_placement_error(world: _World, position: str) -> None:
    signed = sign(REQUEST, credentials=world.user, preserve_counter=True).xml
    root = etree.fromstring(signed)
    sig = root[-1]
    if position == "first":
        root.insert(0, sig)
    else:
        root[0].addnext(sig)
    moved = etree.tostring(root)
    with pytest.raises(SignaturePlacementError) as info:
        verify(moved, world.keystore)
    assert type(info.value) is SignaturePlacementError
    assert info.value.rule == "signature.placement"


def test_signature_followed_by_a_comment_only_is_still_last(world: _World) -> None:
    signed = sign(REQUEST, credentials=world.user, preserve_counter=True).xml
    root = etree.fromstring(signed)
    root.append(etree.Comment(" trailing "))
    assert verify(etree.tostring(root), world.keystore).signed
    copy.deepcopy(root)


# ---- sign never reports success on output its verifier refuses (issue 14 §12) ----

_INSERTS = [
    "<!-- c -->",
    "<?pi x?>",
    "\n   ",
    " \t",
    f'<ds:Signature xmlns:ds="{DS}"/>',
    "<sr:Extra/>",
    "&amp;",
    "<![CDATA[ ]]>",
    "\u00a0",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(
        st.tuples(st.integers(min_value=0, max_value=10_000), st.sampled_from(_INSERTS)),
        min_size=1,
        max_size=4,
    )
)
@example(edits=[(REQUEST.index(b":1764") + 2, "<!-- n -->")])
@example(edits=[(REQUEST.index(b"</sr:ReadInstant"), f'<ds:Signature xmlns:ds="{DS}"/>')])
def test_whatever_sign_accepts_verifies(edits: list[tuple[int, str]]) -> None:
    world = _WORLD
    text = REQUEST.decode()
    for pos, insert in edits:
        # Between elements (after a '>') or inside a value (before a letter or digit).
        anchors = [i + 1 for i, ch in enumerate(text[:-1]) if ch == ">"]
        anchors += [
            i
            for i in range(1, len(text))
            if text[i - 1].isalnum() and text.rfind(">", 0, i) > text.rfind("<", 0, i)
        ]
        at = anchors[pos % len(anchors)]
        text = text[:at] + insert + text[at:]
    data = text.encode()
    try:
        parse(data)
    except Exception:
        return  # not XML: nothing to sign
    try:
        signed = sign(data, credentials=world.user, preserve_counter=True, validate=False)
    except SigningError:
        return
    result = verify(signed.xml, world.keystore)
    assert result.request_id == signed.request_id


_WORLD = _World()
