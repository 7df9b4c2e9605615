"""Correlation of a response with its request."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duis.model as model
from duis.catalogue import CommandVariant
from duis.correlate import RULES, correlate
from duis.ids import EUI64, RequestID
from duis.model import Request, Response
from duis.report import Severity

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "responses"
DCC = EUI64.parse("90-B3-D5-1F-30-00-00-02")


def _pair() -> tuple[Request, Response]:
    req = model.parse(EXAMPLES / "read-firmware-version.request.xml")
    resp = model.parse(EXAMPLES / "read-firmware-version.xml")
    assert isinstance(req, Request) and isinstance(resp, Response)
    return req, resp


def _rules(messages: list) -> list[str]:  # type: ignore[type-arg]
    return [m.rule for m in messages]


def test_matching_pair_is_clean() -> None:
    req, resp = _pair()
    assert correlate(req, resp) == []


def test_wrong_request_id_and_srv_are_caught() -> None:
    req, _ = _pair()
    resp = model.parse(EXAMPLES / "mismatched" / "wrong-request.xml")
    assert isinstance(resp, Response)
    found = correlate(req, resp)
    assert _rules(found) == ["correlate.request-id", "correlate.srv"]
    assert all(m.severity is Severity.ERROR and m.line for m in found)


def test_srv_alone() -> None:
    req, resp = _pair()
    other = dataclasses.replace(req, srv="4.1.1", service_reference="4.1")
    assert _rules(correlate(other, resp)) == ["correlate.srv"]


def test_service_reference_alone() -> None:
    req, resp = _pair()
    other = dataclasses.replace(req, service_reference="11.1")
    assert _rules(correlate(other, resp)) == ["correlate.srv"]


def test_response_id_must_run_back() -> None:
    req, resp = _pair()
    rid = req.request_id
    swapped = dataclasses.replace(resp, response_id=RequestID(rid.originator, rid.target, 5))
    assert _rules(correlate(req, swapped)) == ["correlate.response-id"]


def test_missing_request_id() -> None:
    req, resp = _pair()
    assert _rules(correlate(req, dataclasses.replace(resp, request_id=None))) == [
        "correlate.request-id"
    ]


def test_precommand_only_for_cv4() -> None:
    pre = model.parse(EXAMPLES / "precommand.xml")
    assert isinstance(pre, Response) and pre.request_id is not None
    body = model.parse(EXAMPLES / "read-firmware-version.request.xml")
    assert isinstance(body, Request)
    req = dataclasses.replace(
        body,
        request_id=pre.request_id,
        srv="7.1",
        service_reference="7.1",
        command_variant=CommandVariant.TRANSFORM,
    )
    assert correlate(req, pre) == []
    wrong_cv = dataclasses.replace(req, command_variant=CommandVariant.SIGNED_PRECOMMAND_WAN)
    assert _rules(correlate(wrong_cv, pre)) == ["correlate.content"]
    req2, resp2 = _pair()
    cv4 = dataclasses.replace(req2, command_variant=CommandVariant.TRANSFORM)
    assert _rules(correlate(cv4, resp2)) == ["correlate.content"]


def test_signer() -> None:
    req, resp = _pair()
    from lxml import etree

    signed = dataclasses.replace(
        resp, signature=etree.Element("{http://www.w3.org/2000/09/xmldsig#}Signature")
    )
    assert _rules(correlate(req, signed)) == ["correlate.signer-unverified"]
    assert correlate(req, signed, signer=DCC, dcc_eui=DCC) == []
    assert correlate(req, signed, signer=DCC, dcc_eui=[DCC, EUI64(1)]) == []
    assert _rules(correlate(req, signed, signer=EUI64(7), dcc_eui=DCC)) == ["correlate.signer"]
    user = req.request_id.originator
    assert _rules(correlate(req, signed, signer=user)) == ["correlate.signer"]


def test_rules_documented() -> None:
    assert set(RULES) >= {"correlate.request-id", "correlate.srv", "correlate.signer"}


def test_core_does_not_import_mmc_or_signing() -> None:
    import subprocess
    import sys

    code = (
        "import sys, duis.correlate, duis.model, duis._validate; "
        "sys.exit(any(m.split('.')[0] in ('mmc', 'signing') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_mmc_all_is_complete() -> None:
    import mmc

    public = {n for n in dir(mmc) if not n.startswith("_")} - {"annotations"}
    modules = {n for n in public if type(getattr(mmc, n)).__name__ == "module"}
    assert set(mmc.__all__) == public - modules
