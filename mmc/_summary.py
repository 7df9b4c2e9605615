"""The at-a-glance summary of MMC output, beside :func:`duis.describe` for DUIS messages.

``duis inspect`` prints this for every document the project reads: DUIS requests,
responses and alerts go to :func:`duis.describe`; an MMC ``ra:GBCSResponse`` is read
here, where its header (device, User, counter, the ``...Rsp`` element and the SRV it
implies) is known.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from duis._describe import add_body, describe_code, describe_srv
from duis._describe import describe as describe_duis
from duis.kinds import GBCS_RESPONSE
from duis.schemas import SchemaRegistry
from mmc._document import GBCSResponse, MMCBodyKind
from mmc._mapping import srvs_for_element

__all__ = ["describe"]


def _mmc(doc: GBCSResponse) -> dict[str, Any]:
    alert = doc.body_kind is MMCBodyKind.DEVICE_ALERT
    srv = doc.srv
    inferred = False
    if srv is None and doc.rsp_name is not None:
        owners = srvs_for_element(doc.rsp_name)
        if len(owners) == 1:
            srv, inferred = owners[0], True
    described = describe_srv(srv)
    if described is not None:
        described["from"] = f"the {doc.rsp_name} element" if inferred else "the header"
    return {
        "kind": "mmc-device-alert" if alert else "mmc-response",
        "schema_version": doc.schema_version,
        "originator": str(doc.originator),
        "target": str(doc.target),
        "counter": doc.counter,
        "srv": described,
        "response_element": doc.rsp_name,
        "message_success": doc.message_success,
        "alert_code": describe_code(doc.alert_code, alert=True),
        "alert_description": doc.alert_description,
        # An MMC device alert comes from its BusinessOriginatorID; MMC output carries no
        # throttling metadata (that is on the DUIS DeviceAlertMessage around it).
        "alert_device": str(doc.originator) if alert else None,
        "message_code": doc.message_code,
        "timestamp": doc.timestamp,
    }


def describe(
    tree: etree._ElementTree,
    *,
    source: str = "<input>",
    registry: SchemaRegistry | None = None,
    body: bool = True,
) -> dict[str, Any]:
    """The summary of one parsed document: MMC output here, DUIS messages by duis.

    Raises :class:`~duis.ModelError` when the document is not one this project reads.
    """
    root = tree.getroot()
    if root.tag != GBCS_RESPONSE:
        return describe_duis(tree, source=source, registry=registry, body=body)
    summary = {"path": source, **_mmc(GBCSResponse.from_tree(root, source))}
    return add_body(summary, tree, registry=registry, body=body)
