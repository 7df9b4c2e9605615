"""Tying a response to the request it answers.

A User system matches responses to requests by RequestID and then acts on them; a
response filed against the wrong request (or one that only looks like the DCC's)
leads to wrong meter data or a wrong retry. :func:`correlate` checks what can be
checked from the two messages and, if the caller verified the response's signature,
who signed it. Each mismatch is a :class:`~duis.report.Message` with a stable rule id.

``duis`` core does not verify signatures here (that is the ``signing`` package's job);
the caller passes the verified signer's EUI-64 in as data.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from types import MappingProxyType

from duis._ruletable import all_rules
from duis.catalogue import CommandVariant
from duis.ids import EUI64
from duis.model._common import SR
from duis.model.request import Request
from duis.model.response import ContentKind, ResponseMessage, SMETS1Response
from duis.model.response import Response as _Response
from duis.report import Message
from duis.xml import sourceline

__all__ = ["RULES", "correlate"]

#: The ``correlate.*`` rules with what each checks: a view of the rule table, not a copy.
RULES: Mapping[str, str] = MappingProxyType(
    {r.id: r.summary for r in all_rules() if r.family == "correlate"}
)

_CV_CONTENT: dict[ContentKind, frozenset[CommandVariant]] = {
    ContentKind.PRE_COMMAND: frozenset({CommandVariant.TRANSFORM}),
    ContentKind.LOCAL_COMMAND: frozenset(
        {
            CommandVariant.RETURN_FOR_LOCAL_DELIVERY,
            CommandVariant.WAN_AND_LOCAL,
            CommandVariant.SIGNED_PRECOMMAND_LOCAL,
            CommandVariant.SIGNED_PRECOMMAND_WAN_AND_LOCAL,
        }
    ),
}


def correlate(
    request: Request,
    response: _Response,
    *,
    dcc_eui: EUI64 | Collection[EUI64] | None = None,
    signer: EUI64 | None = None,
) -> list[Message]:
    """Findings on whether ``response`` answers ``request``.

    ``signer`` is the EUI-64 of the certificate that verified the response's
    signature (from ``signing.verify``); ``dcc_eui`` the DCC's EUI-64(s) it must be.
    Without ``signer`` a signed response gets an info note that nobody checked it.
    """
    out: list[Message] = []
    line = sourceline(response.body)
    rid = request.request_id
    if response.request_id is None:
        out.append(
            Message.of(
                "correlate.request-id",
                f"the response has no RequestID, so nothing ties it to request {rid}",
                _header_line(response, "Header"),
                "/sr:Response/sr:Header",
            )
        )
    elif response.request_id != rid:
        out.append(
            Message.of(
                "correlate.request-id",
                f"the response answers RequestID {response.request_id}, not this request's {rid}",
                _header_line(response, "Header/sr:RequestID"),
                "/sr:Response/sr:Header/sr:RequestID",
            )
        )
    resp_id = response.response_id
    if (
        response.request_id == rid
        and resp_id is not None
        and (resp_id.originator, resp_id.target) != (rid.target, rid.originator)
    ):
        out.append(
            Message.of(
                "correlate.response-id",
                f"ResponseID {resp_id} should run from the request's target {rid.target} to "
                f"its originator {rid.originator}",
                _header_line(response, "Header/sr:ResponseID"),
                "/sr:Response/sr:Header/sr:ResponseID",
            )
        )
    content = response.content
    if isinstance(content, (ResponseMessage, SMETS1Response)):
        out.extend(_srv(request, content, line))
    if isinstance(content, ResponseMessage) and response.succeeded:
        out.extend(_content(request, content, line))
    out.extend(_signer(response, dcc_eui, signer, request))
    return out


def _srv(
    request: Request, content: ResponseMessage | SMETS1Response, line: int | None
) -> list[Message]:
    out = []
    if content.srv is not None and content.srv != request.srv:
        out.append(
            Message.of(
                "correlate.srv",
                f"the response is for SRV {content.srv}, the request was SRV {request.srv}",
                line,
                "/sr:Response/sr:Body/*/sr:ServiceReferenceVariant",
            )
        )
    elif (
        content.service_reference is not None
        and content.service_reference != request.service_reference
    ):
        out.append(
            Message.of(
                "correlate.srv",
                f"the response is for ServiceReference {content.service_reference}, the "
                f"request was {request.service_reference}",
                line,
                "/sr:Response/sr:Body/*/sr:ServiceReference",
            )
        )
    return out


def _content(request: Request, content: ResponseMessage, line: int | None) -> list[Message]:
    kind = content.content_kind
    cv = request.command_variant
    if kind is None:
        return []
    allowed = _CV_CONTENT.get(kind)
    if allowed is not None and cv not in allowed:
        return [
            Message.of(
                "correlate.content",
                f"the response carries a {kind.value}, which CommandVariant {cv.value} "
                f"({cv.meaning}) does not produce",
                line,
                f"/sr:Response/sr:Body/sr:ResponseMessage/sr:{kind.value}",
            )
        ]
    if cv is CommandVariant.TRANSFORM and kind is not ContentKind.PRE_COMMAND:
        return [
            Message.of(
                "correlate.content",
                f"CommandVariant 4 asks the DCC for a PreCommand, but the response carries "
                f"a {kind.value}",
                line,
                f"/sr:Response/sr:Body/sr:ResponseMessage/sr:{kind.value}",
            )
        ]
    return []


def _signer(
    response: _Response,
    dcc_eui: EUI64 | Collection[EUI64] | None,
    signer: EUI64 | None,
    request: Request,
) -> list[Message]:
    if response.signature is None:
        return []
    path = "/sr:Response/ds:Signature"
    line = sourceline(response.signature)
    if signer is None:
        return [
            Message.of(
                "correlate.signer-unverified",
                "the response is signed but its signer was not verified; verify it "
                "(duis verify) to learn that the DCC sent it",
                line,
                path,
            )
        ]
    allowed = {dcc_eui} if isinstance(dcc_eui, EUI64) else set(dcc_eui or ())
    if signer == request.request_id.originator:
        return [
            Message.of(
                "correlate.signer",
                f"the response was signed by {signer}, the request's own originator, not "
                "by the DCC",
                line,
                path,
            )
        ]
    if allowed and signer not in allowed:
        names = ", ".join(str(e) for e in sorted(allowed))
        return [
            Message.of(
                "correlate.signer",
                f"the response was signed by {signer}, which is not the DCC ({names})",
                line,
                path,
            )
        ]
    return []


def _header_line(response: _Response, path: str) -> int | None:
    root = response.body.getroottree().getroot()
    found = root.find(f"sr:{path}", namespaces={"sr": SR})
    return None if found is None else sourceline(found)
