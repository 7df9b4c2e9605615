"""The typed Service Response (including alerts, which arrive as responses)."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from duis._exceptions import ModelError
from duis.ids import RequestID
from duis.model._common import DS, SR, child, local, request_id, text_of
from duis.xml import sourceline

__all__ = ["Response"]


@dataclass(frozen=True)
class Response:
    """A DUIS ``sr:Response``: header and the body element (one of four kinds)."""

    schema_version: str
    request_id: RequestID | None
    response_id: RequestID | None
    response_code: str
    response_datetime: str
    body: etree._Element = field(repr=False, compare=False)
    signature: etree._Element | None = field(default=None, repr=False, compare=False)

    @property
    def body_kind(self) -> str:
        """One of ``ResponseMessage``, ``DeviceAlertMessage``, ``DCCAlertMessage``,
        ``SMETS1ResponseMessage``."""
        return local(self.body)

    @property
    def service_reference_variant(self) -> str | None:
        """The SRV a ResponseMessage names (None for alerts)."""
        found = self.body.find(f"{{{SR}}}ServiceReferenceVariant")
        return None if found is None else text_of(found)

    @classmethod
    def from_tree(cls, root: etree._Element, source: str = "<response>") -> Response:
        if root.tag != f"{{{SR}}}Response":
            raise ModelError(f"root element is <{local(root)}>, not <sr:Response>", source=source)
        header = child(root, "Header", source)
        body_wrapper = child(root, "Body", source)
        assert header is not None and body_wrapper is not None
        code = child(header, "ResponseCode", source)
        when = child(header, "ResponseDateTime", source)
        assert code is not None and when is not None
        bodies = [c for c in body_wrapper if isinstance(c.tag, str)]
        if len(bodies) != 1:
            raise ModelError(
                f"<sr:Body> must hold exactly one element, has {len(bodies)}",
                source=source,
                line=sourceline(body_wrapper),
            )
        rid = header.find(f"{{{SR}}}RequestID")
        resp_id = header.find(f"{{{SR}}}ResponseID")
        version = root.get("schemaVersion")
        if version is None:
            raise ModelError("<sr:Response> has no schemaVersion attribute", source=source)
        return cls(
            schema_version=version.strip(),
            request_id=None if rid is None else request_id(rid, source),
            response_id=None if resp_id is None else request_id(resp_id, source),
            response_code=text_of(code),
            response_datetime=text_of(when),
            body=bodies[0],
            signature=root.find(f"{{{DS}}}Signature"),
        )
