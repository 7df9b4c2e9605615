"""The critical-command cycle: check a Pre-Command, sign it, build the CV 5/6/7 request.

A critical SRV is sent with CommandVariant 4; the DCC answers with a ``PreCommand``
holding the GBCS command it built. Before the User's Digital Signing key touches it,
:func:`check_pre_command` compares the command with the request (rules
``precommand.*`` of the rule table): the response answers this request and is a
PreCommand, the message code is a use case of the request's SRV, and the business
target, originator counter and business originator are the request's. Only then does
:func:`sign_precommand` sign it and wrap it in the ``SignedPreCommand`` request (same
SRV and RequestID, ``ExecutionDateTime`` carried over, CommandVariant 5, 6 or 7),
xmlSigned with the counter preserved as the DCC requires.

A check can be skipped only by naming its rule id in ``override``.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from duis.config import Config
from duis.model import Request, Response
from duis.model import parse as parse_model
from duis.model.response import ResponseMessage
from duis.namespaces import SR
from duis.xml import XInput
from mmc.gbcs import GBCSMessage, read_message, use_case_codes
from signing._exceptions import SigningError
from signing._gbcs_sign import sign_pre_command
from signing._keystore import Keystore
from signing._sign import SignedMessage, sign

__all__ = [
    "CHECK_RULES",
    "PreCommandCheckError",
    "PreCommandFinding",
    "SignedPreCommand",
    "build_signed_pre_command",
    "check_pre_command",
    "sign_precommand",
]

#: Every check, by rule id; ``override`` may name any of them.
CHECK_RULES = (
    "precommand.not-precommand",
    "precommand.use-case",
    "precommand.target",
    "precommand.counter",
    "precommand.originator",
)
_SIGNED_CVS = (5, 6, 7)


@dataclass(frozen=True)
class PreCommandFinding:
    """One failed check: its rule id and what differs."""

    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.message} [{self.rule}]"


class PreCommandCheckError(SigningError):
    """The Pre-Command failed a check: nothing was signed. ``findings`` lists them all."""

    rule = "precommand.not-precommand"

    def __init__(self, findings: tuple[PreCommandFinding, ...], *, source: str | None = None):
        super().__init__("; ".join(str(f) for f in findings), source=source)
        self.findings = findings
        self.rule = findings[0].rule


def _as_request(data: Request | XInput, source: str | None) -> Request:
    if isinstance(data, Request):
        return data
    model = parse_model(data, source=source)
    if not isinstance(model, Request):
        raise PreCommandCheckError(
            (PreCommandFinding("precommand.not-precommand", "--request is not a DUIS request"),),
            source=source,
        )
    return model


def _as_response(data: Response | XInput, source: str | None) -> Response:
    if isinstance(data, Response):
        return data
    model = parse_model(data, source=source)
    if not isinstance(model, Response):
        raise PreCommandCheckError(
            (PreCommandFinding("precommand.not-precommand", "the response is a request"),),
            source=source,
        )
    return model


def pre_command_bytes(response: Response) -> bytes:
    """The GBCSPayload of a PreCommand response (``PreCommandCheckError`` if none)."""
    body = response.content if response.body_kind == "ResponseMessage" else None
    pre = body.pre_command if isinstance(body, ResponseMessage) else None
    if pre is None:
        raise PreCommandCheckError(
            (
                PreCommandFinding(
                    "precommand.not-precommand",
                    f"the response holds no PreCommand (body {response.body_kind})",
                ),
            ),
            source=response.source,
        )
    payload: bytes = pre.gbcs_payload
    return payload


def check_pre_command(
    request: Request, response: Response, command: GBCSMessage
) -> tuple[PreCommandFinding, ...]:
    """Every check that fails, in :data:`CHECK_RULES` order (empty: safe to sign)."""
    out: list[PreCommandFinding] = []
    rid = request.request_id

    def fail(rule: str, message: str) -> None:
        out.append(PreCommandFinding(rule, message))

    if int(request.command_variant) != 4:
        fail(
            "precommand.not-precommand",
            f"the request has CommandVariant {int(request.command_variant)}; a PreCommand "
            "answers CommandVariant 4",
        )
    if response.request_id != rid:
        fail(
            "precommand.not-precommand",
            f"the response answers RequestID {response.request_id}, not {rid}",
        )
    if response.service_reference_variant != request.srv:
        fail(
            "precommand.not-precommand",
            f"the response is for SRV {response.service_reference_variant}, "
            f"the request for {request.srv}",
        )
    if not command.is_pre_command:
        fail(
            "precommand.not-precommand",
            f"the GBCS is not an unsigned command: {command.describe()}",
        )
    if command.message_code.code not in use_case_codes(request.srv):
        fail(
            "precommand.use-case",
            f"message code {command.message_code} is not a use case of SRV {request.srv}",
        )
    if command.target != rid.target:
        fail(
            "precommand.target",
            f"business target {command.target} is not the request's {rid.target}",
        )
    if command.counter != rid.counter:
        fail(
            "precommand.counter",
            f"originator counter {command.counter} is not the request's {rid.counter}",
        )
    if command.originator != rid.originator:
        fail(
            "precommand.originator",
            f"business originator {command.originator} is not the request's {rid.originator}",
        )
    return tuple(out)


def build_signed_pre_command(request: Request, signed_command: bytes, cv: int = 5) -> bytes:
    """The unsigned CV 5/6/7 ``SignedPreCommand`` request XML for a CV 4 request.

    Header as the request (same RequestID, SR, SRV) but the CommandVariant; the body
    carries the request's ``ExecutionDateTime`` (the future-dated field of
    ``FutureDatedAbstractType``) if it had one, then the signed GBCS command.
    """
    if cv not in _SIGNED_CVS:
        raise ValueError(f"a SignedPreCommand is sent with CommandVariant 5, 6 or 7, not {cv}")
    root = copy.deepcopy(request.body.getroottree().getroot())
    for sig in root.findall("{http://www.w3.org/2000/09/xmldsig#}Signature"):
        root.remove(sig)
    header = root.find(f"{{{SR}}}Header")
    body = root.find(f"{{{SR}}}Body")
    variant = header.find(f"{{{SR}}}CommandVariant") if header is not None else None
    if body is None or variant is None:  # the model read them, so they are there
        raise ValueError("request without Header/CommandVariant or Body")
    variant.text = str(cv)
    old = request.body
    executed = old.find(f"{{{SR}}}ExecutionDateTime")
    for child in list(body):
        body.remove(child)
    new = etree.SubElement(body, f"{{{SR}}}SignedPreCommand")
    if executed is not None:
        etree.SubElement(new, f"{{{SR}}}ExecutionDateTime").text = executed.text
    etree.SubElement(new, f"{{{SR}}}GBCSPayload").text = base64.b64encode(signed_command).decode(
        "ascii"
    )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@dataclass(frozen=True)
class SignedPreCommand:
    """The outcome: the xmlSigned CV 5/6/7 request and the GBCS command it carries."""

    xml: bytes
    command: GBCSMessage
    signed: SignedMessage

    def __bytes__(self) -> bytes:
        return self.xml


def sign_precommand(
    response: Response | XInput,
    *,
    request: Request | XInput,
    keystore: Keystore,
    cv: int = 5,
    override: Iterable[str] = (),
    config: Config | None = None,
    at: datetime | None = None,
    response_source: str | None = None,
    request_source: str | None = None,
) -> SignedPreCommand:
    """Check the Pre-Command, sign it (Digital Signing) and xmlSign the CV 5/6/7 request.

    Raises :class:`PreCommandCheckError` (nothing signed) when a check not named in
    ``override`` fails; ``override`` names must be :data:`CHECK_RULES` ids.
    """
    skip = frozenset(override)
    unknown = skip - set(CHECK_RULES)
    if unknown:
        raise ValueError(
            f"unknown override {sorted(unknown)}: the checks are {', '.join(CHECK_RULES)}"
        )
    req = _as_request(request, request_source)
    resp = _as_response(response, response_source)
    command = read_message(pre_command_bytes(resp), source=resp.source)
    findings = tuple(f for f in check_pre_command(req, resp, command) if f.rule not in skip)
    if findings:
        raise PreCommandCheckError(findings, source=resp.source)
    creds = keystore.digital_signing_credentials(command.originator, at=at)
    signed_gbcs = sign_pre_command(command, creds, at=at, source=resp.source)
    unsigned = build_signed_pre_command(req, signed_gbcs, cv)
    signed = sign(
        unsigned,
        keystore=keystore,
        preserve_counter=True,
        config=config,
        at=at,
        source=request_source,
    )
    return SignedPreCommand(signed.xml, read_message(signed_gbcs), signed)
