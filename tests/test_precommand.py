"""The critical-command cycle: checks before signing, the CV 5/6/7 request, signatures."""

from __future__ import annotations

import base64

import pytest

from duis.xml import parse
from signing import (
    GBCSKeyError,
    GBCSSignatureError,
    InvalidRequestError,
    Keystore,
    NotPreCommandError,
    PreCommandCheckError,
    TestPKI,
    sign_pre_command,
    sign_precommand,
    verify,
    verify_command,
)
from signing._certs import CertificateUse
from tests.precommand_fixtures import COUNTER, REQUEST, gbcs, pki, response

SR = "{http://www.dccinterface.co.uk/ServiceUserGateway}"


@pytest.fixture(scope="module")
def store() -> tuple[TestPKI, Keystore]:
    return pki()


def test_cycle_builds_signed_cv5(store: tuple[TestPKI, Keystore]) -> None:
    _, keystore = store
    out = sign_precommand(response(gbcs()), request=REQUEST, keystore=keystore)
    root = parse(out.xml).getroot()
    assert root.findtext(f"{SR}Header/{SR}CommandVariant") == "5"
    assert root.findtext(f"{SR}Header/{SR}RequestID").endswith(f":{COUNTER}")
    assert root.findtext(f"{SR}Header/{SR}ServiceReferenceVariant") == "1.6"
    spc = root.find(f"{SR}Body/{SR}SignedPreCommand")
    assert spc.findtext(f"{SR}ExecutionDateTime") == "2026-12-24T02:00:00Z"
    command = base64.b64decode(spc.findtext(f"{SR}GBCSPayload"))
    assert command[:-65] == gbcs() and command[-65] == 0x40
    ds = next(c for c in keystore if c.use is CertificateUse.DIGITAL_SIGNING)
    verify_command(command, ds)
    assert verify(out.xml, keystore).request_id.counter == COUNTER


@pytest.mark.parametrize("cv", [6, 7])
def test_other_variants(store: tuple[TestPKI, Keystore], cv: int) -> None:
    on_demand = REQUEST.replace(
        b"<sr:ExecutionDateTime>2026-12-24T02:00:00Z</sr:ExecutionDateTime>", b""
    )
    out = sign_precommand(response(gbcs()), request=on_demand, keystore=store[1], cv=cv)
    assert f"<sr:CommandVariant>{cv}</sr:CommandVariant>".encode() in out.xml
    assert b"ExecutionDateTime" not in out.xml
    # a future-dated request goes back as CV 5 only: CV 6/7 are on-demand
    with pytest.raises(InvalidRequestError, match=r"future-dated\.command-variant"):
        sign_precommand(response(gbcs()), request=REQUEST, keystore=store[1], cv=cv)


@pytest.mark.parametrize(
    ("changed", "rule"),
    [
        ({"code": 0x0019}, "precommand.use-case"),  # ECS01a belongs to 1.1.1
        ({"target": bytes.fromhex("00DB1234567890A1")}, "precommand.target"),
        ({"counter": COUNTER + 1}, "precommand.counter"),
        ({"originator": bytes.fromhex("90B3D51F30020000")}, "precommand.originator"),
        ({"signature": b"\x01" * 64}, "precommand.not-precommand"),
        ({"cra": 3}, "precommand.not-precommand"),
    ],
)
def test_altered_pre_command_refused(
    store: tuple[TestPKI, Keystore], changed: dict[str, object], rule: str
) -> None:
    with pytest.raises(PreCommandCheckError) as info:
        sign_precommand(response(gbcs(**changed)), request=REQUEST, keystore=store[1])
    assert info.value.rule == rule
    assert rule in str(info.value)


def test_response_for_another_request_refused(store: tuple[TestPKI, Keystore]) -> None:
    other = f"90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:{COUNTER + 5}"
    with pytest.raises(PreCommandCheckError) as info:
        sign_precommand(response(gbcs(), request_id=other), request=REQUEST, keystore=store[1])
    assert info.value.rule == "precommand.not-precommand"


def test_named_override_lets_one_check_pass(store: tuple[TestPKI, Keystore]) -> None:
    bad = response(gbcs(code=0x0019))
    out = sign_precommand(bad, request=REQUEST, keystore=store[1], override=["precommand.use-case"])
    assert b"SignedPreCommand" in out.xml
    with pytest.raises(ValueError, match="unknown override"):
        sign_precommand(bad, request=REQUEST, keystore=store[1], override=["use-case"])


def test_cv4_request_required(store: tuple[TestPKI, Keystore]) -> None:
    cv1 = REQUEST.replace(b"<sr:CommandVariant>4<", b"<sr:CommandVariant>1<")
    with pytest.raises(PreCommandCheckError):
        sign_precommand(response(gbcs()), request=cv1, keystore=store[1])


def test_xml_sign_key_refused(store: tuple[TestPKI, Keystore]) -> None:
    made, _ = store
    xml_sign = next(c for c in made.organisations if c.certificate.use is CertificateUse.XML_SIGN)
    with pytest.raises(GBCSKeyError, match="xmlSign"):
        sign_pre_command(gbcs(), xml_sign)


def test_key_of_other_eui_refused(store: tuple[TestPKI, Keystore]) -> None:
    made, _ = store
    ds = next(c for c in made.organisations if c.certificate.use is CertificateUse.DIGITAL_SIGNING)
    with pytest.raises(GBCSKeyError, match="not the command's business originator"):
        sign_pre_command(gbcs(originator=bytes.fromhex("90B3D51F30020000")), ds)


def test_signed_command_not_signed_again(store: tuple[TestPKI, Keystore]) -> None:
    made, _ = store
    ds = next(c for c in made.organisations if c.certificate.use is CertificateUse.DIGITAL_SIGNING)
    signed = sign_pre_command(gbcs(), ds)
    with pytest.raises(NotPreCommandError):
        sign_pre_command(signed, ds)
    tampered = bytearray(signed)
    tampered[-70] ^= 0xFF  # a payload byte
    with pytest.raises(GBCSSignatureError):
        verify_command(bytes(tampered), ds.certificate)
    with pytest.raises(GBCSSignatureError, match="not signed"):
        verify_command(gbcs(), ds.certificate)


def test_cv5_validates_against_official_54() -> None:
    import os
    from pathlib import Path

    from duis import validate
    from duis.schemas import SchemaRegistry

    ref = Path(
        os.environ.get("DUIS_REFERENCE_DIR") or Path(__file__).parents[2] / "shared" / "reference"
    )
    xsd = ref / "dcc-schemas" / "5.4"
    if not xsd.is_dir():
        pytest.skip("DCC reference schemas not found")
    _, keystore = pki()
    out = sign_precommand(response(gbcs()), request=REQUEST, keystore=keystore)
    report = validate(out.xml, schemas=SchemaRegistry([xsd]))
    assert report.valid, report
