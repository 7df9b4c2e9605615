"""The attack suite's hostile inputs, through every entry point: library errors only.

The parser refuses them (see ``test_xml.py``); these tests pin that ``validate``,
``sign``, ``verify`` and the model, which all start there, turn them into a finding
or a ``DuisError`` and never into lxml's ``C14NError`` or ``XMLSchemaValidateError``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import duis
from duis import DuisError
from duis.ids import EUI64
from signing import Keystore, RemotePartyRole, make_test_pki, sign, verify

USER = EUI64.parse("90-B3-D5-1F-30-01-00-00")
VALID = (
    Path(__file__).resolve().parents[1]
    / "examples"
    / "requests"
    / "valid"
    / "4.1.1-read-instantaneous-import-registers.xml"
)


@pytest.fixture(scope="module")
def keystore() -> Keystore:
    pki = make_test_pki([(USER, RemotePartyRole.XML_SIGN)])
    org = pki.organisations[0]
    return Keystore([org.certificate], [org.private_key])


def _relative_ns() -> bytes:
    return VALID.read_bytes().replace(b"<sr:Request ", b'<sr:Request xmlns:x="rel/uri" ', 1)


def _utf7_doctype() -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-7"?>'
        b"+ADw-!DOCTYPE r +AFs-+ADw-!ENTITY a SYSTEM +ACI-file:///etc/passwd+ACI-+AD4-+AF0-+AD4-"
        + VALID.read_bytes().split(b"?>", 1)[1].replace(b"<sr:Body>", b"<sr:Body>+ACY-a+ADs-")
    )


HOSTILE = {
    "relative namespace": (_relative_ns, "xml.malformed"),
    "UTF-7 DOCTYPE": (_utf7_doctype, "xml.unsafe"),
    "UTF-16 DOCTYPE": (
        lambda: (
            b'<!DOCTYPE r [<!ENTITY a "b">]>'.decode().encode("utf-16-le")
            + VALID.read_bytes().split(b"?>", 1)[1].decode().encode("utf-16-le")
        ),
        "xml.unsafe",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_validate_reports_one_xml_finding(case: str) -> None:
    build, rule = HOSTILE[case]
    report = duis.validate(build())
    assert [m.rule for m in report.messages] == [rule]


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_sign_and_verify_raise_library_errors(case: str, keystore: Keystore) -> None:
    build, rule = HOSTILE[case]
    with pytest.raises(DuisError) as info:
        sign(build(), keystore=keystore, preserve_counter=True)
    assert info.value.rule == rule
    with pytest.raises(DuisError) as info:
        verify(build(), keystore)
    assert info.value.rule == rule


def test_the_valid_message_itself_signs_and_verifies(keystore: Keystore) -> None:
    signed = sign(VALID, keystore=keystore, preserve_counter=True)
    assert verify(signed.xml, keystore).request_id == signed.request_id
