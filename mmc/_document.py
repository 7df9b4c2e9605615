"""MMC output: an ``ra:GBCSResponse`` read into a typed value.

The DCC decodes a device's binary GBCS response into XML according to the Message
Mapping Catalogue. The header names the device (originator), the User or DSP
(target) and the device's counter; the body is either a ResponseMessage (raw GBCS
parts and the ``SMETSData`` ``...Rsp`` element with the readings) or a
DeviceAlertMessage. Reading goes through :func:`duis.xml.parse`, like every input.
"""

from __future__ import annotations

import base64
import binascii
import enum
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from duis._exceptions import ModelError
from duis.ids import EUI64, parse_decimal
from duis.kinds import GBCS_RESPONSE
from duis.model._common import RA, local, text_of
from duis.model.response import parse_datetime
from duis.xml import DEFAULT_MAX_BYTES, XInput, sourceline
from duis.xml import parse as parse_xml

__all__ = ["GBCSData", "GBCSResponse", "MMCBodyKind", "parse"]


def _ra(name: str) -> str:
    return f"{{{RA}}}{name}"


class MMCBodyKind(str, enum.Enum):
    """What the ``ra:Body`` of a GBCSResponse holds."""

    RESPONSE_MESSAGE = "ResponseMessage"
    DEVICE_ALERT = "DeviceAlertMessage"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class GBCSData:
    """One raw GBCS part kept as bytes (e.g. encrypted data for a second pass)."""

    name: str
    type: str
    format: str
    sequence: int
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class GBCSResponse:
    """An MMC ``ra:GBCSResponse`` document."""

    schema_version: str
    #: The device that produced the GBCS response.
    originator: EUI64
    #: The User, or the DSP where the DSP sent the command.
    target: EUI64
    counter: int
    body_kind: MMCBodyKind
    body: etree._Element = field(repr=False, compare=False)
    supplementary_remote_party_id: EUI64 | None = None
    supplementary_remote_party_counter: int | None = None
    supplementary_originator_counter: int | None = None
    #: GBCSHexadecimalMessageCode, upper-case hex (e.g. ``0018``).
    message_code: str | None = None
    service_reference: str | None = None
    #: The header's ServiceReferenceVariant, when the DCC wrote one.
    srv: str | None = None
    timestamp: str | None = None
    gbcs_data: tuple[GBCSData, ...] = ()
    #: The ``...Rsp`` element inside SMETSData (None for alerts and bare responses).
    rsp: etree._Element | None = field(default=None, repr=False, compare=False)
    #: For device alerts: the GBCS hex alert code, its description and timestamp.
    alert_code: str | None = None
    alert_description: str | None = None
    source: str = field(default="<mmc>", repr=False, compare=False)

    @property
    def rsp_name(self) -> str | None:
        """Local name of the ``...Rsp`` element, e.g. ``ReadFirmwareVersionRsp``."""
        return None if self.rsp is None else local(self.rsp)

    @property
    def message_success(self) -> bool | None:
        """The ``...Rsp`` element's MessageSuccess attribute (None when absent)."""
        if self.rsp is None:
            return None
        value = self.rsp.get("MessageSuccess")
        if value is None:
            return None
        return value.strip() in ("true", "1")

    @classmethod
    def from_tree(cls, root: etree._Element, source: str = "<mmc>") -> GBCSResponse:
        """Read a GBCSResponse; raises :class:`~duis.ModelError` naming what is missing."""
        if root.tag != GBCS_RESPONSE:
            raise ModelError(
                f"root element is <{local(root)}>, not an MMC <ra:GBCSResponse>", source=source
            )
        version = root.get("schemaVersion")
        if version is None:
            raise ModelError("<ra:GBCSResponse> has no schemaVersion attribute", source=source)
        header = _need(root, "Header", source)
        body_wrapper = _need(root, "Body", source)
        bodies = [c for c in body_wrapper if isinstance(c.tag, str)]
        if len(bodies) != 1:
            raise ModelError(
                f"<ra:Body> must hold exactly one element, has {len(bodies)}",
                source=source,
                line=sourceline(body_wrapper),
            )
        body = bodies[0]
        try:
            kind = MMCBodyKind(local(body))
        except ValueError:
            raise ModelError(
                f"<ra:Body> holds <{local(body)}>; MMC allows ResponseMessage or "
                "DeviceAlertMessage",
                source=source,
                line=sourceline(body),
            ) from None
        rsp = None
        alert_code = alert_description = None
        if kind is MMCBodyKind.RESPONSE_MESSAGE:
            smets = body.find(_ra("SMETSData"))
            if smets is not None:
                inner = [c for c in smets if isinstance(c.tag, str)]
                if len(inner) != 1:
                    raise ModelError(
                        f"<ra:SMETSData> must hold exactly one ...Rsp element, has {len(inner)}",
                        source=source,
                        line=sourceline(smets),
                    )
                rsp = inner[0]
        else:
            content = body.find(_ra("DeviceAlertContent"))
            if content is not None:
                code = _opt(content, "GBCSHexAlertCode")
                alert_code = code.upper() if code else None
                alert_description = _opt(content, "AlertDescription")
        return cls(
            schema_version=version.strip(),
            originator=_eui(_need(header, "BusinessOriginatorID", source), source),
            target=_eui(_need(header, "BusinessTargetID", source), source),
            counter=_counter(_need(header, "OriginatorCounter", source), source),
            body_kind=kind,
            body=body,
            supplementary_remote_party_id=_opt_eui(header, "SupplementaryRemotePartyID", source),
            supplementary_remote_party_counter=_opt_counter(
                header, "SupplementaryRemotePartyCounter", source
            ),
            supplementary_originator_counter=_opt_counter(
                header, "SupplementaryOriginatorCounter", source
            ),
            message_code=(_opt(header, "GBCSHexadecimalMessageCode") or "").upper() or None,
            service_reference=_opt(header, "ServiceReference"),
            srv=_opt(header, "ServiceReferenceVariant"),
            timestamp=_opt(header, "Timestamp"),
            gbcs_data=tuple(_gbcs_data(el, source) for el in body.iterchildren(_ra("GBCSData"))),
            rsp=rsp,
            alert_code=alert_code,
            alert_description=alert_description,
            source=source,
        )

    @property
    def timestamp_value(self) -> datetime | None:
        """The header Timestamp as a datetime (None when absent or not a dateTime)."""
        return None if self.timestamp is None else parse_datetime(self.timestamp)


def parse(
    data: XInput, *, source: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> GBCSResponse:
    """Parse an MMC GBCSResponse (bytes, text, path or binary file) safely.

    Raises :class:`~duis.XMLError` for unsafe or malformed input and
    :class:`~duis.ModelError` when it is not a readable GBCSResponse. It does not
    validate: :func:`mmc.validate` gives the verdict.
    """
    tree = parse_xml(data, source=source, max_bytes=max_bytes)
    name = source or (data if isinstance(data, str) and not data.lstrip().startswith("<") else None)
    return GBCSResponse.from_tree(tree.getroot(), str(name) if name else "<mmc>")


def _need(parent: etree._Element, name: str, source: str) -> etree._Element:
    found = parent.find(_ra(name))
    if found is None:
        raise ModelError(
            f"<{local(parent)}> has no <ra:{name}>; validate the document to see every problem",
            source=source,
            line=sourceline(parent),
        )
    return found


def _opt(parent: etree._Element, name: str) -> str | None:
    found = parent.find(_ra(name))
    return None if found is None else text_of(found)


def _eui(el: etree._Element, source: str) -> EUI64:
    try:
        return EUI64.parse(text_of(el))
    except ValueError as exc:
        raise ModelError(f"<{local(el)}>: {exc}", source=source, line=sourceline(el)) from None


def _opt_eui(parent: etree._Element, name: str, source: str) -> EUI64 | None:
    found = parent.find(_ra(name))
    return None if found is None else _eui(found, source)


def _counter(el: etree._Element, source: str) -> int:
    text = text_of(el)
    try:
        return parse_decimal(text, max_value=2**64 - 1)
    except ValueError:
        raise ModelError(
            f"<{local(el)}> is {text[:40]!r}: a counter is a decimal of ASCII digits 0..2^64-1",
            source=source,
            line=sourceline(el),
        ) from None


def _opt_counter(parent: etree._Element, name: str, source: str) -> int | None:
    found = parent.find(_ra(name))
    return None if found is None else _counter(found, source)


def _gbcs_data(el: etree._Element, source: str) -> GBCSData:
    try:
        data = base64.b64decode("".join(text_of(el).split()), validate=True)
        sequence = parse_decimal(el.get("sequence", "0").strip(" \t\r\n"), max_value=2**32)
    except (binascii.Error, ValueError):
        raise ModelError(
            "<ra:GBCSData> is not base64 with an integer sequence",
            source=source,
            line=sourceline(el),
        ) from None
    return GBCSData(el.get("name", ""), el.get("type", ""), el.get("format", ""), sequence, data)
