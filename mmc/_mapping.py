"""MMC mappings: which ``...Rsp`` element a response to each SRV carries.

The MMC schema lets ``SMETSData`` hold any of its 112 ``...Rsp`` elements whatever
the request was, so a GBCSResponse with readings for the wrong request is
schema-valid. The SRV catalogue says which element answers each SRV; this module
holds a document to it. A GBCSResponse need not name its SRV, so the SRV comes from
the caller (the request or DUIS response it belongs to) or, failing that, from the
optional ``ServiceReferenceVariant`` in its header.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

from lxml import etree

from duis import catalogue
from duis._ruletable import all_rules
from duis.kinds import GBCS_RESPONSE
from duis.model._common import RA, local
from duis.report import Message
from duis.xml import element_value, sourceline
from mmc._document import GBCSResponse, MMCBodyKind

__all__ = ["check_response_element", "expected_element", "srvs_for_element"]

#: The ``mmc.*`` rules with what each checks: a view of the rule table, not a copy.
RULES: Mapping[str, str] = MappingProxyType(
    {r.id: r.summary for r in all_rules() if r.family == "mmc"}
)


def expected_element(srv: str) -> str | None:
    """The MMC ``...Rsp`` element answering ``srv`` (None: it has none, or no such SRV)."""
    row = catalogue.get(srv)
    return None if row is None else row.mmc_response


@lru_cache(maxsize=1)
def _by_element() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for row in catalogue.all_srvs():
        if row.mmc_response:
            found.setdefault(row.mmc_response, []).append(row.srv)
    return {k: tuple(v) for k, v in found.items()}


def srvs_for_element(name: str) -> tuple[str, ...]:
    """The SRVs whose responses carry the ``...Rsp`` element ``name``."""
    return _by_element().get(name, ())


def check_response_element(
    doc: GBCSResponse | etree._Element | etree._ElementTree, srv: str | None = None
) -> list[Message]:
    """Findings on whether ``doc``'s ``...Rsp`` element is the one ``srv`` produces.

    ``srv`` is the SRV from context (the request or DUIS response this output
    belongs to); when omitted the header's ServiceReferenceVariant is used. A device
    alert, or a response without SMETSData, carries no ``...Rsp`` element and gets
    no finding.
    """
    if isinstance(doc, GBCSResponse):
        header_srv, rsp, is_alert = doc.srv, doc.rsp, doc.body_kind is MMCBodyKind.DEVICE_ALERT
        root_line = sourceline(doc.body)
    else:
        root = doc.getroot() if isinstance(doc, etree._ElementTree) else doc
        if root.tag != GBCS_RESPONSE:
            return []
        srv_el = root.find(f"{{{RA}}}Header/{{{RA}}}ServiceReferenceVariant")
        header_srv = None if srv_el is None else element_value(srv_el)
        smets = root.find(f"{{{RA}}}Body/{{{RA}}}ResponseMessage/{{{RA}}}SMETSData")
        inner = [] if smets is None else [c for c in smets if isinstance(c.tag, str)]
        rsp = inner[0] if inner else None
        is_alert = root.find(f"{{{RA}}}Body/{{{RA}}}DeviceAlertMessage") is not None
        root_line = sourceline(root)
    messages: list[Message] = []
    given = srv.strip() if srv is not None else None
    if given is not None and header_srv and header_srv != given:
        messages.append(
            Message.of(
                "mmc.srv-header-mismatch",
                f"the header names SRV {header_srv} but this output belongs to SRV {given}",
                root_line,
                "/ra:GBCSResponse/ra:Header/ra:ServiceReferenceVariant",
            )
        )
    use = given or header_srv
    if is_alert or rsp is None:
        return messages
    name = local(rsp)
    line = sourceline(rsp)
    path = f"/ra:GBCSResponse/ra:Body/ra:ResponseMessage/ra:SMETSData/ra:{name}"
    if not use:
        messages.append(
            Message.of(
                "mmc.srv-missing",
                f"<{name}> was not checked against an SRV: none was given and the header "
                "names none (give the request it answers: --request REQUEST on the command line, "
                "srv= from Python)",
                line,
                path,
            )
        )
        return messages
    row = catalogue.get(use)
    if row is None:
        messages.append(
            Message.of(
                "mmc.srv-unknown",
                f"{use!r} is not a DUIS Service Reference Variant; see `duis srv`",
                line,
                path,
            )
        )
        return messages
    if row.mmc_response is None:
        messages.append(
            Message.of(
                "mmc.no-response-element",
                f"SRV {row.srv} ({row.name}) has no MMC response element, yet the output "
                f"carries <{name}>",
                line,
                path,
            )
        )
    elif row.mmc_response != name:
        owners = srvs_for_element(name)
        hint = f" (that element answers SRV {', '.join(owners)})" if owners else ""
        messages.append(
            Message.of(
                "mmc.element-mismatch",
                f"SRV {row.srv} ({row.name}) is answered by <{row.mmc_response}>, "
                f"not <{name}>{hint}",
                line,
                path,
            )
        )
    return messages
