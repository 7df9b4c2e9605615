"""The GBCS signer and the Pre-Command cycle at the level mutants hide (issue 15 run).

Oracles are GBCS facts written here as literals: a general-signing command is signed
over the bytes after its ``DF`` tag up to the end of its payload, with ECDSA P-256 /
SHA-256, and the signature field is ``40`` + r || s (64 bytes, IEEE P1363); the values
the checks compare (counter, business originator and target, message code) come from
the literal request and the command built byte by byte in ``tests/gbcs_builders.py``.
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from lxml import etree

from duis import MalformedXMLError
from duis.config import Config
from duis.ids import EUI64
from duis.model import parse as parse_model
from mmc.gbcs import GBCSFormatError, read_message
from signing import (
    Credentials,
    CredentialValidityError,
    GBCSKeyError,
    GBCSSignatureError,
    InvalidRequestError,
    Keystore,
    NotPreCommandError,
    PreCommandCheckError,
    RemotePartyRole,
    TestPKI,
    issue_org_certificate,
    load_certificate,
    make_test_pki,
    sign_pre_command,
    sign_precommand,
    verify_command,
)
from signing._certs import CertificateUse
from signing._gbcs_precommand import (
    CHECK_RULES,
    PreCommandFinding,
    build_signed_pre_command,
    check_pre_command,
    pre_command_bytes,
)
from signing._gbcs_sign import check_signing_key
from tests.gbcs_builders import mac_header
from tests.precommand_fixtures import COUNTER, METER, REQUEST, SUPPLIER, gbcs, pki, response

SR = "http://www.dccinterface.co.uk/ServiceUserGateway"
OTHER_EUI = "90-B3-D5-1F-30-02-00-00"
OTHER_TARGET = "00-DB-12-34-56-78-90-A1"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def store() -> tuple[TestPKI, Keystore]:
    return pki()


def _ds(made: TestPKI) -> Credentials:
    return next(
        c for c in made.organisations if c.certificate.use is CertificateUse.DIGITAL_SIGNING
    )


def _xml_sign(made: TestPKI) -> Credentials:
    return next(c for c in made.organisations if c.certificate.use is CertificateUse.XML_SIGN)


def _independently_verifies(key: ec.EllipticCurvePublicKey, signed: bytes, pre: bytes) -> None:
    """The GBCS layout checked with ``cryptography`` alone, not the module's reader."""
    body_end = len(pre)
    assert signed[:body_end] == pre
    assert signed[body_end] == 0x40  # the signature field's length: 64
    assert len(signed) == body_end + 1 + 64
    r = int.from_bytes(signed[body_end + 1 : body_end + 33], "big")
    s = int.from_bytes(signed[body_end + 33 :], "big")
    key.verify(encode_dss_signature(r, s), pre[1:], ec.ECDSA(hashes.SHA256()))


# ---- signing/_gbcs_sign.py ----


def test_signature_covers_after_df_to_the_payload_end(store: tuple[TestPKI, Keystore]) -> None:
    ds = _ds(store[0])
    pre = gbcs()
    signed = sign_pre_command(pre, ds)
    _independently_verifies(ds.certificate.public_key, signed, pre)


def test_empty_signature_field_is_replaced_not_kept(store: tuple[TestPKI, Keystore]) -> None:
    ds = _ds(store[0])
    with_empty = gbcs(signature=b"")
    assert with_empty[-1] == 0x00  # the empty field
    signed = sign_pre_command(with_empty, ds)
    _independently_verifies(ds.certificate.public_key, signed, gbcs())


def test_pre_command_inside_a_mac_header_is_signed_alone(store: tuple[TestPKI, Keystore]) -> None:
    ds = _ds(store[0])
    signed = sign_pre_command(mac_header(gbcs()), ds)
    _independently_verifies(ds.certificate.public_key, signed, gbcs())
    # The signed command verifies inside a MAC header too (the MAC is not checked).
    assert verify_command(mac_header(signed), ds.certificate).counter == COUNTER


def test_not_pre_command_message_names_the_message(store: tuple[TestPKI, Keystore]) -> None:
    ds = _ds(store[0])
    signed = sign_pre_command(gbcs(), ds)
    with pytest.raises(NotPreCommandError) as info:
        sign_pre_command(signed, ds, source="cmd.bin")
    assert info.value.source == "cmd.bin"
    assert info.value.message.startswith("not a Pre-Command (general-signing command")
    assert "signature 64 bytes" in info.value.message
    response_cra = gbcs(cra=2)  # CRA flag 2: a response, not a command
    with pytest.raises(NotPreCommandError):
        sign_pre_command(response_cra, ds)


def test_key_checks_name_the_use_and_the_euis(store: tuple[TestPKI, Keystore]) -> None:
    made = store[0]
    message = read_message(gbcs())
    check_signing_key(message, _ds(made).certificate)  # the right key passes
    with pytest.raises(GBCSKeyError) as info:
        check_signing_key(message, _xml_sign(made).certificate)
    assert info.value.message.startswith(
        "a GBCS command is signed with a Digital Signing key, not an xml-sign one ("
    )
    assert info.value.source == _xml_sign(made).certificate.source
    other = read_message(gbcs(originator=bytes.fromhex(OTHER_EUI.replace("-", ""))))
    with pytest.raises(GBCSKeyError) as info:
        check_signing_key(other, _ds(made).certificate)
    assert info.value.message == (
        f"the certificate's EUI {SUPPLIER} is not the command's business originator {OTHER_EUI}"
    )
    ca_only = made.issuing_ca  # a CA certificate has no use at all
    with pytest.raises(GBCSKeyError, match="not an non-signing one"):
        check_signing_key(message, ca_only)


def test_verify_command_originator_binding(store: tuple[TestPKI, Keystore]) -> None:
    made = store[0]
    ds = _ds(made)
    signed = sign_pre_command(gbcs(), ds)
    # The same key certified for another EUI: the signature holds, the binding not.
    other = issue_org_certificate(
        made.issuing_ca,
        made.issuing_ca_key,
        EUI64.parse(OTHER_EUI),
        RemotePartyRole.SUPPLIER,
        key=ds.private_key,
    ).certificate
    with pytest.raises(GBCSSignatureError) as info:
        verify_command(signed, other, source="cmd.bin")
    assert info.value.message == (
        f"signed by business originator {SUPPLIER}, but the certificate is for {OTHER_EUI}"
    )
    assert info.value.source == "cmd.bin"
    message = verify_command(signed, other, check_originator=False)
    assert message.signature == signed[-64:]
    # Another key: the signature does not verify.
    stranger = issue_org_certificate(
        made.issuing_ca, made.issuing_ca_key, SUPPLIER, RemotePartyRole.SUPPLIER
    ).certificate
    with pytest.raises(GBCSSignatureError) as info:
        verify_command(signed, stranger, source="cmd.bin")
    assert info.value.message.startswith("the GBCS signature does not verify with ")
    assert info.value.source == "cmd.bin"
    # r and s are each 32 bytes: swapping them breaks the signature.
    swapped = signed[:-64] + signed[-32:] + signed[-64:-32]
    with pytest.raises(GBCSSignatureError, match="does not verify"):
        verify_command(swapped, ds.certificate)
    with pytest.raises(GBCSSignatureError) as info:
        verify_command(gbcs(), ds.certificate, source="cmd.bin")
    assert info.value.message.startswith("the GBCS message is not signed (")
    assert info.value.source == "cmd.bin"


# ---- signing/_gbcs_precommand.py ----


def test_every_failed_check_is_listed_in_rule_order() -> None:
    request = parse_model(REQUEST.replace(b">4</sr:CommandVariant>", b">1</sr:CommandVariant>"))
    other_rid = f"90-B3-D5-1F-30-01-00-00:{METER}:{COUNTER + 5}"
    resp = parse_model(response(gbcs(), request_id=other_rid, srv="1.5"))
    signed_cra = gbcs(
        code=0x0019,
        target=bytes.fromhex(OTHER_TARGET.replace("-", "")),
        counter=COUNTER + 1,
        originator=bytes.fromhex(OTHER_EUI.replace("-", "")),
        signature=b"\x01" * 64,
    )
    findings = check_pre_command(request, resp, read_message(signed_cra))  # type: ignore[arg-type]
    assert [f.rule for f in findings] == [
        "precommand.not-precommand",
        "precommand.not-precommand",
        "precommand.not-precommand",
        "precommand.not-precommand",
        "precommand.use-case",
        "precommand.target",
        "precommand.counter",
        "precommand.originator",
    ]
    messages = [f.message for f in findings]
    assert messages[0] == (
        "the request has CommandVariant 1; a PreCommand answers CommandVariant 4"
    )
    assert messages[1] == (
        f"the response answers RequestID {other_rid}, not 90-B3-D5-1F-30-01-00-00:{METER}:{COUNTER}"
    )
    assert messages[2] == "the response is for SRV 1.5, the request for 1.6"
    assert messages[3].startswith("the GBCS is not an unsigned command: general-signing")
    assert messages[4] == "message code 0x0019 ECS01a is not a use case of SRV 1.6"
    assert messages[5] == f"business target {OTHER_TARGET} is not the request's {METER}"
    assert messages[6] == f"originator counter {COUNTER + 1} is not the request's {COUNTER}"
    assert messages[7] == f"business originator {OTHER_EUI} is not the request's {SUPPLIER}"
    assert CHECK_RULES == (
        "precommand.not-precommand",
        "precommand.use-case",
        "precommand.target",
        "precommand.counter",
        "precommand.originator",
    )


def test_a_matching_pre_command_has_no_findings() -> None:
    request, resp = parse_model(REQUEST), parse_model(response(gbcs()))
    assert check_pre_command(request, resp, read_message(gbcs())) == ()  # type: ignore[arg-type]


def test_check_error_lists_all_findings_and_names_the_first_rule(
    store: tuple[TestPKI, Keystore],
) -> None:
    bad = response(gbcs(counter=COUNTER + 1, originator=bytes.fromhex(OTHER_EUI.replace("-", ""))))
    with pytest.raises(PreCommandCheckError) as info:
        sign_precommand(bad, request=REQUEST, keystore=store[1], response_source="resp.xml")
    exc = info.value
    assert exc.rule == "precommand.counter"
    assert [f.rule for f in exc.findings] == ["precommand.counter", "precommand.originator"]
    assert exc.source == "resp.xml"
    assert exc.message == (
        f"originator counter {COUNTER + 1} is not the request's {COUNTER} [precommand.counter]; "
        f"business originator {OTHER_EUI} is not the request's {SUPPLIER} [precommand.originator]"
    )
    assert str(PreCommandFinding("precommand.target", "x")) == "x [precommand.target]"


def test_overrides_must_name_check_rules(store: tuple[TestPKI, Keystore]) -> None:
    with pytest.raises(ValueError) as info:
        sign_precommand(
            response(gbcs()), request=REQUEST, keystore=store[1], override=["b-rule", "a-rule"]
        )
    assert str(info.value) == (
        "unknown override ['a-rule', 'b-rule']: the checks are " + ", ".join(CHECK_RULES)
    )
    two_wrong = response(gbcs(counter=COUNTER + 1, code=0x0019))
    with pytest.raises(PreCommandCheckError) as err:
        sign_precommand(
            two_wrong, request=REQUEST, keystore=store[1], override=["precommand.counter"]
        )
    assert [f.rule for f in err.value.findings] == ["precommand.use-case"]
    out = sign_precommand(
        two_wrong,
        request=REQUEST,
        keystore=store[1],
        override=("precommand.counter", "precommand.use-case"),
    )
    assert out.command.counter == COUNTER + 1


def test_request_and_response_swapped_are_refused(store: tuple[TestPKI, Keystore]) -> None:
    with pytest.raises(PreCommandCheckError) as info:
        sign_precommand(REQUEST, request=REQUEST, keystore=store[1], response_source="r.xml")
    assert info.value.findings == (
        PreCommandFinding("precommand.not-precommand", "the response is a request"),
    )
    assert info.value.source == "r.xml"
    resp = response(gbcs())
    with pytest.raises(PreCommandCheckError) as info:
        sign_precommand(resp, request=resp, keystore=store[1], request_source="q.xml")
    assert info.value.findings == (
        PreCommandFinding("precommand.not-precommand", "--request is not a DUIS request"),
    )
    assert info.value.source == "q.xml"


def test_response_without_pre_command_is_refused(store: tuple[TestPKI, Keystore]) -> None:
    root = etree.fromstring(response(gbcs()))
    message = root.find(f"{{{SR}}}Body/{{{SR}}}ResponseMessage")
    assert message is not None
    pre = message.find(f"{{{SR}}}PreCommand")
    assert pre is not None
    message.remove(pre)
    etree.SubElement(message, f"{{{SR}}}GBCSPayload").text = base64.b64encode(gbcs()).decode()
    with pytest.raises(PreCommandCheckError) as info:
        sign_precommand(etree.tostring(root), request=REQUEST, keystore=store[1])
    assert info.value.rule == "precommand.not-precommand"
    assert "holds no PreCommand" in info.value.message


@pytest.mark.parametrize("cv", [1, 4, 8])
def test_signed_pre_command_variants_are_5_6_7_only(cv: int) -> None:
    request = parse_model(REQUEST)
    with pytest.raises(ValueError) as info:
        build_signed_pre_command(request, gbcs(), cv)  # type: ignore[arg-type]
    assert str(info.value) == (
        f"a SignedPreCommand is sent with CommandVariant 5, 6 or 7, not {cv}"
    )


def test_built_request_layout(store: tuple[TestPKI, Keystore]) -> None:
    request = parse_model(REQUEST)
    command = b"\xdf\x01\x02"
    xml = build_signed_pre_command(request, command)  # type: ignore[arg-type]
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(xml)
    ns = {"sr": SR}
    assert root.findtext("sr:Header/sr:CommandVariant", namespaces=ns) == "5"
    assert root.findtext("sr:Header/sr:ServiceReferenceVariant", namespaces=ns) == "1.6"
    body = root.find("sr:Body", ns)
    assert body is not None
    assert [etree.QName(c).localname for c in body] == ["SignedPreCommand"]
    assert [etree.QName(c).localname for c in body[0]] == ["ExecutionDateTime", "GBCSPayload"]
    assert body[0][0].text == "2026-12-24T02:00:00Z"
    assert base64.b64decode(body[0][1].text or "") == command
    # A signature on the CV 4 request does not travel into the new request.
    signed_cv4 = REQUEST.replace(
        b"</sr:Request>",
        b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/></sr:Request>',
    )
    again = build_signed_pre_command(parse_model(signed_cv4), command, 6)  # type: ignore[arg-type]
    assert b"Signature" not in again
    assert b"<sr:CommandVariant>6</sr:CommandVariant>" in again


def test_outcome_carries_the_signed_command(store: tuple[TestPKI, Keystore]) -> None:
    made, keystore = store
    out = sign_precommand(response(gbcs()), request=REQUEST, keystore=keystore, cv=5)
    assert bytes(out) == out.xml
    assert out.signed.xml == out.xml
    assert len(out.command.signature) == 64
    assert out.command.counter == COUNTER
    _independently_verifies(_ds(made).certificate.public_key, out.command.raw, gbcs())


def test_unreadable_command_errors_name_the_source(store: tuple[TestPKI, Keystore]) -> None:
    ds = _ds(store[0])
    for call in (
        lambda: verify_command(b"\xdf\x09", ds.certificate, source="cmd.bin"),
        lambda: sign_pre_command(b"\xdf\x09", ds, source="cmd.bin"),
    ):
        with pytest.raises(GBCSFormatError) as info:
            call()
        assert info.value.source == "cmd.bin"


def test_request_model_changed_after_reading_is_refused() -> None:
    for missing in ("Header", "Body"):
        request = parse_model(REQUEST)
        root = request.body.getroottree().getroot()
        el = root.find(f"{{{SR}}}{missing}")
        assert el is not None
        root.remove(el)
        with pytest.raises(ValueError) as info:
            build_signed_pre_command(request, gbcs())  # type: ignore[arg-type]
        assert str(info.value) == "request without Header/CommandVariant or Body"


def test_key_errors_name_the_certificate_file(tmp_path: Path) -> None:
    made = make_test_pki(
        [(SUPPLIER, RemotePartyRole.XML_SIGN), (SUPPLIER, RemotePartyRole.SUPPLIER)],
        folder=tmp_path,
    )
    pems = sorted(p for p in tmp_path.glob("*.pem") if not p.name.endswith(".key.pem"))
    loaded = [load_certificate(p) for p in pems]
    xml_sign = next(c for c in loaded if c.use is CertificateUse.XML_SIGN)
    ds = next(c for c in loaded if c.use is CertificateUse.DIGITAL_SIGNING)
    assert xml_sign.source and ds.source
    with pytest.raises(GBCSKeyError) as info:
        check_signing_key(read_message(gbcs()), xml_sign)
    assert info.value.source == xml_sign.source
    other = read_message(gbcs(originator=bytes.fromhex(OTHER_EUI.replace("-", ""))))
    with pytest.raises(GBCSKeyError) as info:
        check_signing_key(other, ds)
    assert info.value.source == ds.source
    assert made.folder == tmp_path


def test_not_pre_command_message_says_what_is_signed(store: tuple[TestPKI, Keystore]) -> None:
    ds = _ds(store[0])
    with pytest.raises(NotPreCommandError) as info:
        sign_pre_command(gbcs(cra=2), ds)
    assert info.value.message.endswith("): only a command without a signature is signed")


def test_settings_and_request_source_reach_the_xml_signer(store: tuple[TestPKI, Keystore]) -> None:
    # DUIS: SRV 1.6 may be sent by an Import or Gas Supplier only, so role OU is refused.
    with pytest.raises(InvalidRequestError) as info:
        sign_precommand(
            response(gbcs()),
            request=REQUEST,
            keystore=store[1],
            config=Config(role="OU"),  # type: ignore[arg-type]
            request_source="q.xml",
        )
    assert info.value.source == "q.xml"
    assert "[eligibility.role]" in info.value.message


def test_sources_are_named_in_every_refusal(store: tuple[TestPKI, Keystore]) -> None:
    keystore = store[1]
    with pytest.raises(MalformedXMLError) as bad_xml:
        sign_precommand(
            response(gbcs()), request=b"<sr:Request", keystore=keystore, request_source="q.xml"
        )
    assert bad_xml.value.source == "q.xml"
    with pytest.raises(GBCSFormatError) as bad_gbcs:
        sign_precommand(
            response(b"\xdf\x09"), request=REQUEST, keystore=keystore, response_source="r.xml"
        )
    assert bad_gbcs.value.source == "r.xml"
    # With the not-precommand check overridden, the signer itself refuses a signed command.
    signed = sign_pre_command(gbcs(), _ds(store[0]))
    with pytest.raises(NotPreCommandError) as not_pre:
        sign_precommand(
            response(signed),
            request=REQUEST,
            keystore=keystore,
            override=["precommand.not-precommand"],
            response_source="r.xml",
        )
    assert not_pre.value.source == "r.xml"


def test_response_without_pre_command_names_the_response() -> None:
    root = etree.fromstring(response(gbcs()))
    message = root.find(f"{{{SR}}}Body/{{{SR}}}ResponseMessage")
    assert message is not None
    message.remove(message[-1])
    resp = parse_model(etree.tostring(root), source="r.xml")
    with pytest.raises(PreCommandCheckError) as info:
        pre_command_bytes(resp)  # type: ignore[arg-type]
    assert info.value.source == "r.xml"
    assert info.value.message == (
        "the response holds no PreCommand (body ResponseMessage) [precommand.not-precommand]"
    )


def test_an_alert_is_not_a_pre_command() -> None:
    alert = parse_model(ROOT / "examples" / "responses" / "dcc-alert.xml")
    with pytest.raises(PreCommandCheckError) as info:
        pre_command_bytes(alert)  # type: ignore[arg-type]
    assert "holds no PreCommand (body DCCAlertMessage)" in info.value.message


def _split_validity_pki(ds_not_after: datetime, xml_not_after: datetime) -> Keystore:
    made = make_test_pki([])
    store = Keystore([made.issuing_ca, made.root])
    for role, end in (
        (RemotePartyRole.XML_SIGN, xml_not_after),
        (RemotePartyRole.SUPPLIER, ds_not_after),
    ):
        creds = issue_org_certificate(
            made.issuing_ca,
            made.issuing_ca_key,
            SUPPLIER,
            role,
            not_before=datetime(2020, 1, 1, tzinfo=timezone.utc),
            not_after=end,
        )
        store.add_certificate(creds.certificate)
        store.add_key(creds.private_key)
    return store


def test_the_time_given_checks_both_keys() -> None:
    far = datetime(2099, 1, 1, tzinfo=timezone.utc)
    # The Digital Signing key expired in 2025, the xmlSign key is valid.
    ds_expired = _split_validity_pki(datetime(2025, 1, 1, tzinfo=timezone.utc), far)
    at_2030 = datetime(2030, 1, 1, tzinfo=timezone.utc)
    with pytest.raises(CredentialValidityError) as info:
        sign_precommand(response(gbcs()), request=REQUEST, keystore=ds_expired, at=at_2030)
    assert info.value.rule == "sign.certificate-validity"
    assert "Digital Signing certificate expired on 2025-01-01" in info.value.message
    at_2024 = datetime(2024, 6, 1, tzinfo=timezone.utc)
    assert sign_precommand(response(gbcs()), request=REQUEST, keystore=ds_expired, at=at_2024).xml
    # The xmlSign key expired in 2025: at a time inside its validity it still signs.
    xml_expired = _split_validity_pki(far, datetime(2025, 1, 1, tzinfo=timezone.utc))
    assert sign_precommand(response(gbcs()), request=REQUEST, keystore=xml_expired, at=at_2024).xml


def test_an_expired_digital_signing_key_signs_no_command() -> None:
    """Regression (issue 15 run): the keystore hands out an expired Digital Signing key
    when it has no valid one, so that the signer names the problem; the GBCS signer
    had no validity check at all and signed with it."""
    made = make_test_pki([])
    end = datetime(2025, 1, 1, tzinfo=timezone.utc)
    creds = issue_org_certificate(
        made.issuing_ca, made.issuing_ca_key, SUPPLIER, RemotePartyRole.SUPPLIER, not_after=end
    )
    with pytest.raises(CredentialValidityError, match="expired on 2025-01-01") as info:
        sign_pre_command(gbcs(), creds, source="cmd.bin")  # now: after its end
    assert info.value.source == "cmd.bin"
    with pytest.raises(CredentialValidityError, match="not valid before 2020-01-01"):
        sign_pre_command(gbcs(), creds, at=datetime(2019, 6, 1, tzinfo=timezone.utc))
    inside = sign_pre_command(gbcs(), creds, at=datetime(2024, 6, 1, tzinfo=timezone.utc))
    _independently_verifies(creds.certificate.public_key, inside, gbcs())


def test_the_key_valid_at_the_time_given_is_the_one_chosen() -> None:
    made = make_test_pki([])
    keystore = Keystore([made.issuing_ca, made.root])
    periods = [
        (datetime(2020, 1, 1, tzinfo=timezone.utc), datetime(2025, 1, 1, tzinfo=timezone.utc)),
        (datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2099, 1, 1, tzinfo=timezone.utc)),
    ]
    for role in (RemotePartyRole.XML_SIGN, RemotePartyRole.SUPPLIER):
        for start, end in periods if role is RemotePartyRole.SUPPLIER else periods[:1]:
            creds = issue_org_certificate(
                made.issuing_ca,
                made.issuing_ca_key,
                SUPPLIER,
                role,
                not_before=start,
                not_after=end,
            )
            keystore.add_certificate(creds.certificate)
            keystore.add_key(creds.private_key)
    at = datetime(2024, 6, 1, tzinfo=timezone.utc)  # only the first Digital Signing key is valid
    out = sign_precommand(response(gbcs()), request=REQUEST, keystore=keystore, at=at)
    first_ds = next(
        c for c in keystore if c.use is CertificateUse.DIGITAL_SIGNING and c.not_after.year == 2025
    )
    verify_command(out.command, first_ds)
