"""What a person wants to know about a DUIS message at a glance, as one JSON-friendly dict.

``duis inspect`` prints this; programs can use it too. This module reads DUIS requests,
responses and alerts (their header data is DUIS's: SRV, RequestID, response and alert
codes); :func:`mmc.describe` adds MMC GBCSResponse output on top. Names and meanings
come from the SRV catalogue and the code catalogue, so the numbers a message carries
(``11.2``, ``E65``, ``8F66``) arrive with words beside them.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from duis import catalogue
from duis._decode import decode_body, plain_body
from duis._exceptions import ModelError
from duis.alerts import summarize as summarize_alert
from duis.codes import alert_code, response_code
from duis.ids import RequestID
from duis.kinds import DocumentKind, document_kind
from duis.model import Request, Response
from duis.model._common import RA
from duis.model.response import DCCAlert, DeviceAlert, ResponseMessage, SMETS1Response
from duis.schemas import SchemaRegistry

__all__ = ["add_body", "describe", "describe_code", "describe_srv"]


def describe_srv(srv: str | None) -> dict[str, Any] | None:
    """The SRV with its catalogue name (None when the message names none)."""
    if srv is None:
        return None
    row = catalogue.get(srv)
    name = None if row is None else " ".join(row.name.split())
    return {"srv": srv, "name": name, "known": row is not None}


def _ids(rid: RequestID | None) -> dict[str, Any]:
    if rid is None:
        return {"originator": None, "target": None, "counter": None}
    return {"originator": str(rid.originator), "target": str(rid.target), "counter": rid.counter}


def describe_code(code: str | None, *, alert: bool) -> dict[str, Any] | None:
    """A response or alert code with its category and meaning (None when absent)."""
    if code is None:
        return None
    found = alert_code(code) if alert else response_code(code)
    if found is None:
        what = "alert" if alert else "response"
        return {"code": code, "category": None, "meaning": f"not a DUIS {what} code", "basis": None}
    return {k: v for k, v in found.to_json().items() if k != "service_reference"}


def _request(req: Request) -> dict[str, Any]:
    cv = req.command_variant
    return {
        "kind": "request",
        "schema_version": req.schema_version,
        **_ids(req.request_id),
        "srv": describe_srv(req.srv),
        "command_variant": {"value": cv.value, "meaning": cv.meaning},
        "body_element": req.body_name,
    }


_RESPONSE_KIND = {
    ResponseMessage: "response",
    DeviceAlert: "device-alert",
    DCCAlert: "dcc-alert",
    SMETS1Response: "smets1-response",
}


def _response(resp: Response) -> dict[str, Any]:
    content = resp.content
    out: dict[str, Any] = {
        "kind": _RESPONSE_KIND[type(content)],
        "schema_version": resp.schema_version,
        **_ids(resp.response_id),
        "request_id": None if resp.request_id is None else str(resp.request_id),
        "srv": describe_srv(resp.service_reference_variant),
        "response_code": describe_code(resp.response_code, alert=False),
        "response_datetime": resp.response_datetime,
        "alert_code": describe_code(resp.alert_code, alert=True),
        "signed": resp.signature is not None,
    }
    if isinstance(content, ResponseMessage):
        out["content"] = None if content.content_kind is None else content.content_kind.value
    elif isinstance(content, DCCAlert):
        out["content"] = content.event_kind
    alert = summarize_alert(resp.body.getroottree().getroot())
    if alert is not None:
        # Which device, and what alert-storm protection (SECMP0062) held back.
        out["alert_device"] = alert.device
        out["throttling"] = {**alert.to_json()["throttling"], "text": alert.throttling}  # type: ignore[dict-item]
        if alert.instruction is not None:
            out["instruction"] = {"number": alert.instruction[0], "of": alert.instruction[1]}
    return out


def describe(
    tree: etree._ElementTree,
    *,
    source: str = "<input>",
    registry: SchemaRegistry | None = None,
    body: bool = True,
) -> dict[str, Any]:
    """The summary of one parsed DUIS request or response (from :func:`duis.xml.parse`).

    Raises :class:`~duis.ModelError` when the document is neither (MMC output is read
    by :func:`mmc.describe`). With ``body``, the body is decoded with the types of the
    schema bundle the registry selects for it (``body_typed`` says whether that worked).
    """
    root = tree.getroot()
    kind = document_kind(root)
    if kind is DocumentKind.REQUEST:
        summary = _request(Request.from_tree(root, source))
    elif kind is DocumentKind.RESPONSE:
        summary = _response(Response.from_tree(root, source))
    elif kind is DocumentKind.MMC:
        raise ModelError("MMC output (ra:GBCSResponse): read it with mmc.describe", source=source)
    else:
        raise ModelError(
            f"root element is {root.tag!r}: not a DUIS request or response, nor MMC "
            f"output (ra:GBCSResponse in {RA})",
            source=source,
        )
    return add_body({"path": source, **summary}, tree, registry=registry, body=body)


def add_body(
    summary: dict[str, Any],
    tree: etree._ElementTree,
    *,
    registry: SchemaRegistry | None,
    body: bool,
) -> dict[str, Any]:
    """``summary`` with the document's body added (typed when a registry is given)."""
    if body:
        root = tree.getroot()
        typed = None
        if registry is not None:
            bundle, _why = registry.select(root.get("schemaVersion"))
            if bundle is None:
                bundle = registry.embedded()
            summary["body_schema"] = bundle.name
            typed = decode_body(tree, bundle)
        summary["body_typed"] = typed is not None
        summary["body"] = typed if typed is not None else plain_body(root)
    return summary
