"""The typed Service Request.

Built on demand from a parsed tree (validation never needs it) and able to write itself
back: :meth:`Request.to_xml` rebuilds the envelope from the fields, so
``dataclasses.replace(request, request_id=...)`` followed by ``to_xml()`` gives the
changed document, while the body element is carried over untouched.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cached_property

from lxml import etree

from duis import catalogue
from duis._exceptions import ModelError
from duis.catalogue import SRV, CommandVariant
from duis.ids import RequestID, parse_decimal
from duis.model._common import DS, SR, child, envelope, local, request_id, text_of
from duis.versions import NEWEST
from duis.xml import sourceline

__all__ = ["Request"]


@dataclass(frozen=True, eq=False)
class Request:
    """A DUIS ``sr:Request``: header fields, the SRV and its body element."""

    schema_version: str
    request_id: RequestID
    command_variant: CommandVariant
    service_reference: str
    srv: str
    body: etree._Element = field(repr=False)
    first_in_sequence: bool | None = None
    preceding_request_id: RequestID | None = None
    #: The ``ds:Signature`` element of the parsed document, if it had one (not trusted:
    #: use ``signing.verify`` to learn anything from it).
    signature: etree._Element | None = field(default=None, repr=False)

    @classmethod
    def create(
        cls,
        request_id: RequestID,
        srv: str,
        body: etree._Element,
        *,
        command_variant: CommandVariant | int | None = None,
        schema_version: str = NEWEST,
        first_in_sequence: bool | None = None,
        preceding_request_id: RequestID | None = None,
    ) -> Request:
        """A new request; SR and (if not given) CommandVariant come from the catalogue."""
        entry = catalogue.get(srv)
        if entry is None:
            raise ModelError(f"unknown ServiceReferenceVariant {srv!r}; see `duis srv`")
        cv = (
            CommandVariant(command_variant)
            if command_variant is not None
            else entry.command_variants[0]
        )
        return cls(
            schema_version,
            request_id,
            cv,
            entry.sr,
            entry.srv,
            body,
            first_in_sequence,
            preceding_request_id,
        )

    @classmethod
    def from_tree(cls, root: etree._Element, source: str = "<request>") -> Request:
        """Read a request; raises :class:`ModelError` when a needed part is missing."""
        version, header, body = envelope(root, "Request", source)
        rid = child(header, "RequestID", source)
        cv_el = child(header, "CommandVariant", source)
        sr_el = child(header, "ServiceReference", source)
        srv_el = child(header, "ServiceReferenceVariant", source)
        assert rid is not None and cv_el is not None and sr_el is not None and srv_el is not None
        try:
            cv = CommandVariant(parse_decimal(text_of(cv_el), max_value=9))
        except ValueError:
            raise ModelError(
                f"CommandVariant {text_of(cv_el)!r} is not 1..9",
                source=source,
                line=sourceline(cv_el),
            ) from None
        first = header.find(f"{{{SR}}}FirstInSequence")
        preceding = header.find(f"{{{SR}}}PrecedingServiceRequestID")
        return cls(
            schema_version=version,
            request_id=request_id(rid, source),
            command_variant=cv,
            service_reference=text_of(sr_el),
            srv=text_of(srv_el),
            body=body,
            first_in_sequence=None if first is None else text_of(first) in ("true", "1"),
            preceding_request_id=None if preceding is None else request_id(preceding, source),
            signature=root.find(f"{{{DS}}}Signature"),
        )

    @property
    def body_name(self) -> str:
        """Local name of the body element, e.g. ``UpdateHANDeviceLog``."""
        return local(self.body)

    @property
    def entry(self) -> SRV | None:
        """The catalogue's facts about this request's SRV (None for an unknown SRV)."""
        return catalogue.get(self.srv)

    @cached_property
    def _body_c14n(self) -> bytes:
        # The safe parser refuses what C14N cannot take (relative namespace URIs), but
        # a body built in code can still hold one: compare its serialisation then.
        try:
            return etree.tostring(self.body, method="c14n")
        except etree.C14NError:
            return b"not-c14n:" + etree.tostring(self.body)

    def _key(self) -> tuple[object, ...]:
        return (
            self.schema_version,
            self.request_id,
            self.command_variant,
            self.service_reference,
            self.srv,
            self.first_in_sequence,
            self.preceding_request_id,
            self._body_c14n,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Request):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def to_element(self, *, keep_signature: bool = False) -> etree._Element:
        """A fresh ``sr:Request`` tree built from the fields.

        The signature is dropped by default: it signs the original bytes, and any
        field changed since makes it invalid. Sign the result instead.
        """
        root = etree.Element(f"{{{SR}}}Request", nsmap={"sr": SR})
        root.set("schemaVersion", self.schema_version)
        header = etree.SubElement(root, f"{{{SR}}}Header")
        etree.SubElement(header, f"{{{SR}}}RequestID").text = str(self.request_id)
        if self.first_in_sequence is not None:
            first = etree.SubElement(header, f"{{{SR}}}FirstInSequence")
            first.text = "true" if self.first_in_sequence else "false"
        if self.preceding_request_id is not None:
            preceding = etree.SubElement(header, f"{{{SR}}}PrecedingServiceRequestID")
            preceding.text = str(self.preceding_request_id)
        etree.SubElement(header, f"{{{SR}}}CommandVariant").text = str(self.command_variant.value)
        etree.SubElement(header, f"{{{SR}}}ServiceReference").text = self.service_reference
        etree.SubElement(header, f"{{{SR}}}ServiceReferenceVariant").text = self.srv
        body = etree.SubElement(root, f"{{{SR}}}Body")
        body.append(copy.deepcopy(self.body))
        if keep_signature and self.signature is not None:
            root.append(copy.deepcopy(self.signature))
        return root

    def to_xml(self, *, keep_signature: bool = False) -> bytes:
        """The request as UTF-8 bytes with an XML declaration."""
        return etree.tostring(
            self.to_element(keep_signature=keep_signature), xml_declaration=True, encoding="UTF-8"
        )
