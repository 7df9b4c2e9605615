"""Signing refuses what the DCC would reject, each with the reason; counters are fresh."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from duis.ids import EUI64, RequestID
from signing import (
    CounterStore,
    CredentialEUIError,
    CredentialRoleError,
    Credentials,
    CredentialValidityError,
    InvalidRequestError,
    KeyMismatchError,
    Keystore,
    NoCredentialsError,
    NotSignableError,
    RemotePartyRole,
    TestPKI,
    issue_org_certificate,
    make_test_pki,
    sign,
    verify,
)

USER = EUI64.parse("90-B3-D5-1F-30-01-00-00")
OTHER = EUI64.parse("90-B3-D5-1F-30-02-00-00")
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
VALID = EXAMPLES / "requests" / "valid" / "4.1.1-read-instantaneous-import-registers.xml"
INVALID = EXAMPLES / "requests" / "invalid" / "cv-not-allowed.xml"


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return make_test_pki(
        [
            (USER, RemotePartyRole.XML_SIGN),
            (OTHER, RemotePartyRole.XML_SIGN),
            (USER, RemotePartyRole.SUPPLIER),
        ]
    )


@pytest.fixture(scope="module")
def keystore(pki: TestPKI) -> Keystore:
    orgs = pki.organisations[:2]
    return Keystore([c.certificate for c in orgs], [c.private_key for c in orgs])


@pytest.fixture
def counters(tmp_path: Path) -> CounterStore:
    return CounterStore(tmp_path / "counters.sqlite3", durable=False)


def test_fresh_strictly_increasing_counter(keystore: Keystore, counters: CounterStore) -> None:
    original = RequestID.parse(
        "90-B3-D5-1F-30-01-00-00:00-12-4B-00-0A-51-7E-01:1764230400003"
    ).counter
    a = sign(VALID, keystore=keystore, counters=counters)
    b = sign(VALID, keystore=keystore, counters=counters)
    assert a.request_id is not None and b.request_id is not None
    assert a.request_id.counter != original
    assert b.request_id.counter > a.request_id.counter
    assert str(b.request_id).encode() in b.xml
    assert verify(b.xml, keystore).request_id == b.request_id


def test_preserve_counter(keystore: Keystore) -> None:
    signed = sign(VALID, keystore=keystore, preserve_counter=True)
    assert signed.request_id is not None
    assert signed.request_id.counter == 1764230400003


def test_invalid_request_refused_unless_no_validate(keystore: Keystore) -> None:
    with pytest.raises(InvalidRequestError) as info:
        sign(INVALID, keystore=keystore, preserve_counter=True)
    assert info.value.report.errors
    assert "--no-validate" in info.value.message
    sign(INVALID, keystore=keystore, preserve_counter=True, validate=False)


def test_wrong_eui_refused(pki: TestPKI) -> None:
    with pytest.raises(CredentialEUIError, match="not the RequestID's originator"):
        sign(VALID, credentials=pki.organisations[1], preserve_counter=True)


def test_digital_signing_role_needs_option(pki: TestPKI) -> None:
    supplier = pki.organisations[2]
    with pytest.raises(CredentialRoleError, match="allow-digital-signing"):
        sign(VALID, credentials=supplier, preserve_counter=True)
    signed = sign(VALID, credentials=supplier, preserve_counter=True, allow_digital_signing=True)
    assert signed.signer.role is RemotePartyRole.SUPPLIER


def test_expired_refused_unless_at(pki: TestPKI) -> None:
    expired = issue_org_certificate(
        pki.issuing_ca,
        pki.issuing_ca_key,
        USER,
        RemotePartyRole.XML_SIGN,
        not_before=datetime(2015, 1, 1, tzinfo=timezone.utc),
        not_after=datetime(2016, 1, 1, tzinfo=timezone.utc),
    )
    with pytest.raises(CredentialValidityError, match="expired"):
        sign(VALID, credentials=expired, preserve_counter=True)
    sign(
        VALID,
        credentials=expired,
        preserve_counter=True,
        at=datetime(2015, 6, 1, tzinfo=timezone.utc),
    )


def test_no_credentials_for_originator(pki: TestPKI) -> None:
    only_other = Keystore([pki.organisations[1].certificate], [pki.organisations[1].private_key])
    with pytest.raises(NoCredentialsError, match="90-B3-D5-1F-30-01-00-00"):
        sign(VALID, keystore=only_other, preserve_counter=True)


def test_key_must_match_certificate(pki: TestPKI) -> None:
    with pytest.raises(KeyMismatchError):
        Credentials(pki.organisations[0].certificate, ec.generate_private_key(ec.SECP256R1()))


def test_not_a_duis_message(keystore: Keystore) -> None:
    with pytest.raises(NotSignableError):
        sign(b"<other/>", keystore=keystore, preserve_counter=True)
    no_id = VALID.read_bytes().replace(b"RequestID>", b"Nothing>")
    with pytest.raises(NotSignableError, match="RequestID"):
        sign(no_id, keystore=keystore, preserve_counter=True, validate=False)


def test_prepare_sign_checks_everything_before_a_counter_is_drawn(
    pki: TestPKI, counters: CounterStore
) -> None:
    from duis.xml import parse
    from signing import prepare_sign
    from signing._sign import sign_parsed

    wrong = Keystore([pki.organisations[1].certificate], [pki.organisations[1].private_key])
    with pytest.raises(NoCredentialsError):  # refused in the first step: no counter wasted
        prepare_sign(parse(VALID.read_bytes()), keystore=wrong)
    with pytest.raises(InvalidRequestError):
        prepare_sign(parse(INVALID.read_bytes()), keystore=wrong)
    assert counters.last_issued(USER) is None

    ks = Keystore([pki.organisations[0].certificate], [pki.organisations[0].private_key])
    job = prepare_sign(parse(VALID.read_bytes()), keystore=ks, at=None)
    assert job.originator == USER
    with pytest.raises(ValueError, match="fresh counter is needed"):
        job.finish(None)
    counter = counters.next(USER)
    signed = job.finish(counter)
    assert signed.request_id is not None and signed.request_id.counter == counter
    with pytest.raises(RuntimeError, match="already signed"):
        job.finish(counter)
    # The two steps make what the one-step call makes with the same counter (up to
    # the SignatureValue: ECDSA signatures are randomised).
    again = sign_parsed(parse(VALID.read_bytes()), keystore=ks, counters=_Fixed(counter))
    cut = b"<ds:SignatureValue"
    assert again.xml.split(cut)[0] == signed.xml.split(cut)[0] and cut in signed.xml
    assert verify(signed.xml, ks).request_id == signed.request_id

    kept = prepare_sign(parse(VALID.read_bytes()), keystore=ks, preserve_counter=True)
    assert kept.originator is None
    with pytest.raises(ValueError, match="keeps its own counter"):
        kept.finish(counter)
    original = RequestID.parse(
        parse(VALID.read_bytes()).getroot().findtext(".//{*}RequestID") or ""
    )
    assert kept.finish(None).request_id == original


class _Fixed(CounterStore):
    def __new__(cls, value: int) -> _Fixed:
        return object.__new__(cls)

    def __init__(self, value: int) -> None:
        self.value = value

    def next(self, originator: EUI64) -> int:
        return self.value
