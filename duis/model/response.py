"""The typed Service Response, including the alerts that arrive as responses.

A User system decides what to do from a response's header (is the ResponseCode a
success, a warning worth a retry, an error?) and then from its body, which is one of
four kinds. The model reads all of them into frozen values: the header fields, the
body kind, and for each kind the fields a program acts on (GBCS payload bytes, alert
codes, throttling counters, the DSP inventory). The raw body element stays available
for whatever the model does not type (``duis inspect`` decodes it with the schema).
"""

from __future__ import annotations

import base64
import binascii
import enum
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from lxml import etree

from duis._exceptions import ModelError
from duis.ids import EUI64, RequestID, parse_decimal
from duis.model._common import DS, SR, child, envelope, local, request_id, text_of
from duis.xml import element_text, sourceline

__all__ = [
    "BodyKind",
    "CINMessage",
    "ContentKind",
    "DCCAlert",
    "DeviceAlert",
    "FutureDatedAlert",
    "InventoryDevice",
    "PreCommand",
    "Response",
    "ResponseBody",
    "ResponseMessage",
    "SMETS1Response",
    "parse_datetime",
]


class BodyKind(str, enum.Enum):
    """What a response's ``sr:Body`` holds; the value is the element's local name."""

    RESPONSE_MESSAGE = "ResponseMessage"
    DEVICE_ALERT = "DeviceAlertMessage"
    DCC_ALERT = "DCCAlertMessage"
    SMETS1_RESPONSE = "SMETS1ResponseMessage"

    def __str__(self) -> str:
        return self.value


class ContentKind(str, enum.Enum):
    """The inner element of a ResponseMessage (DUIS 5.x allows these 13, or none)."""

    CIN_MESSAGE = "CINMessage"
    DSP_INVENTORY = "DSPInventory"
    DSP_OPT_IN = "DSPOptIn"
    DSP_SCHEDULES_READ = "DSPSchedulesRead"
    DSP_SCHEDULED_MESSAGE = "DSPScheduledMessage"
    DSP_SCHEDULE_ID = "DSPScheduleID"
    DSP_UPDATE_FIRMWARE_WARNING = "DSPUpdateFirmwareWarning"
    DSP_UPDATE_PPMID_FIRMWARE_WARNING = "DSPUpdatePPMIDFirmwareWarning"
    DSP_WAN_MATRIX = "DSPWANMatrix"
    FUTURE_DATED_DEVICE_ALERT = "FutureDatedDeviceAlertMessage"
    GBCS_PAYLOAD = "GBCSPayload"
    LOCAL_COMMAND = "LocalCommand"
    PRE_COMMAND = "PreCommand"

    def __str__(self) -> str:
        return self.value

    @property
    def carries_gbcs(self) -> bool:
        """Whether the content holds a GBCS message (base64) rather than DCC data."""
        return self in _GBCS_CONTENT


_GBCS_CONTENT = frozenset(
    {
        ContentKind.CIN_MESSAGE,
        ContentKind.DSP_SCHEDULED_MESSAGE,
        ContentKind.FUTURE_DATED_DEVICE_ALERT,
        ContentKind.GBCS_PAYLOAD,
        ContentKind.LOCAL_COMMAND,
        ContentKind.PRE_COMMAND,
    }
)
_CONTENT_BY_NAME = {k.value: k for k in ContentKind}
_ISO = re.compile(
    r"(?P<main>-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d)(?P<frac>\.\d+)?(?P<tz>Z|[+-]\d\d:\d\d)?"
)


def parse_datetime(text: str) -> datetime | None:
    """An ``xs:dateTime`` as a datetime (None if it is not one).

    Python 3.10's ``fromisoformat`` refuses the ``Z`` every DCC message uses and more
    than six fractional digits, so the lexical form is taken apart here.
    """
    match = _ISO.fullmatch(text.strip())
    if match is None:
        return None
    frac = (match.group("frac") or "")[1:7].ljust(6, "0") if match.group("frac") else "000000"
    tz = match.group("tz")
    suffix = "+00:00" if tz == "Z" else (tz or "")
    try:
        value = datetime.fromisoformat(f"{match.group('main')}.{frac}{suffix}")
    except ValueError:
        return None
    return value if tz is not None else value.replace(tzinfo=None)


def _sr(name: str) -> str:
    return f"{{{SR}}}{name}"


def _opt_text(parent: etree._Element, name: str) -> str | None:
    found = parent.find(_sr(name))
    return None if found is None else text_of(found)


#: xs:unsignedLong's top: the widest unsigned integer DUIS uses.
_UINT_MAX = 2**64 - 1


def _has_element_children(el: etree._Element) -> bool:
    # len(el) counts comments and PIs too; a leaf with a comment is still a leaf.
    return any(isinstance(c.tag, str) for c in el)


def _opt_uint(parent: etree._Element, name: str, source: str) -> int | None:
    found = parent.find(_sr(name))
    if found is None:
        return None
    try:
        return parse_decimal(text_of(found), max_value=_UINT_MAX)
    except ValueError:
        raise ModelError(
            f"<{name}> is {text_of(found)!r}, not an unsigned integer",
            source=source,
            line=sourceline(found),
        ) from None


def _payload(parent: etree._Element, source: str, name: str = "GBCSPayload") -> bytes:
    el = parent if local(parent) == name else child(parent, name, source)
    assert el is not None
    try:
        return base64.b64decode("".join(text_of(el).split()), validate=True)
    except (binascii.Error, ValueError):
        raise ModelError(
            f"<{name}> is not base64; the GBCS message it should carry cannot be read",
            source=source,
            line=sourceline(el),
        ) from None


@dataclass(frozen=True)
class InventoryDevice:
    """One ``sr:Device`` of a DSPInventory: every field DUIS gives, by element name.

    DUIS adds inventory fields between versions (5.4's ``Connectivity``), so the
    fields are kept as an ordered mapping rather than a fixed set of attributes.
    """

    device_id: EUI64 | None
    device_type: str | None
    fields: tuple[tuple[str, str], ...]

    def get(self, name: str) -> str | None:
        for key, value in self.fields:
            if key == name:
                return value
        return None


@dataclass(frozen=True)
class PreCommand:
    """A GBCS command the DCC transformed (CV 4) for the User to sign."""

    gbcs_version: str
    gbcs_payload: bytes = field(repr=False)


@dataclass(frozen=True)
class CINMessage:
    """The response to 9.1 Request Customer Identification Number."""

    gbcs_payload: bytes = field(repr=False)
    customer_identification_number: str


@dataclass(frozen=True)
class FutureDatedAlert:
    """The outcome of one instruction of a future-dated command (alert 8F66/8F67)."""

    alert_code: str
    gbcs_payload: bytes = field(repr=False)
    instruction_number: int
    total_instructions: int


@dataclass(frozen=True)
class ResponseMessage:
    """A ``ResponseMessage`` body: the SRV it answers and, optionally, its content."""

    service_reference: str
    srv: str
    content_kind: ContentKind | None
    content: etree._Element | None = field(repr=False, compare=False)
    #: The GBCS message bytes, for the content kinds that carry one.
    gbcs_payload: bytes | None = field(default=None, repr=False)
    schedule_id: str | None = None
    pre_command: PreCommand | None = None
    cin: CINMessage | None = None
    future_dated_alert: FutureDatedAlert | None = None
    inventory: tuple[InventoryDevice, ...] = ()


@dataclass(frozen=True)
class DeviceAlert:
    """A ``DeviceAlertMessage``: a device raised a GBCS alert."""

    #: The GBCS alert code as upper-case hex (``8F35``).
    alert_code: str
    gbcs_payload: bytes = field(repr=False)
    throttled_sequence_id: int | None = None
    throttled_count: int | None = None


@dataclass(frozen=True)
class DCCAlert:
    """A ``DCCAlertMessage``: the DCC tells the User something (N-codes, AD1)."""

    alert_code: str
    #: Local name of the event inside ``sr:DCCAlert`` (``PowerOutageEvent``, ...).
    event_kind: str
    event: etree._Element = field(repr=False, compare=False)
    throttled_sequence_id: int | None = None
    throttled_count: int | None = None


@dataclass(frozen=True)
class SMETS1Response:
    """A ``SMETS1ResponseMessage``: a SMETS1 service provider's signed response."""

    service_reference: str | None
    srv: str | None
    schedule_id: str | None
    signed_response: etree._Element = field(repr=False, compare=False)
    throttled_sequence_id: int | None = None
    throttled_count: int | None = None


ResponseBody = ResponseMessage | DeviceAlert | DCCAlert | SMETS1Response


def _inventory(el: etree._Element, source: str) -> tuple[InventoryDevice, ...]:
    devices = []
    for dev in el.iterchildren(_sr("Device")):
        fields = tuple(
            (local(c), text_of(c))
            for c in dev
            if isinstance(c.tag, str) and not _has_element_children(c) and element_text(c)
        )
        nested = tuple(
            (f"{local(c)}/{local(g)}", text_of(g))
            for c in dev
            if isinstance(c.tag, str) and _has_element_children(c)
            for g in c
            if isinstance(g.tag, str)
        )
        raw_id = _opt_text(dev, "DeviceID")
        try:
            device_id = EUI64.parse(raw_id) if raw_id else None
        except ValueError as exc:
            raise ModelError(str(exc), source=source, line=sourceline(dev)) from None
        devices.append(InventoryDevice(device_id, _opt_text(dev, "DeviceType"), fields + nested))
    return tuple(devices)


def _response_message(el: etree._Element, source: str) -> ResponseMessage:
    sr_el = child(el, "ServiceReference", source)
    srv_el = child(el, "ServiceReferenceVariant", source)
    assert sr_el is not None and srv_el is not None
    rest = [c for c in el if isinstance(c.tag, str) and c not in (sr_el, srv_el)]
    if len(rest) > 1:
        raise ModelError(
            f"<ResponseMessage> holds {len(rest)} content elements; DUIS allows at most one",
            source=source,
            line=sourceline(el),
        )
    base = ResponseMessage(text_of(sr_el), text_of(srv_el), None, None)
    if not rest:
        return base
    content = rest[0]
    kind = _CONTENT_BY_NAME.get(local(content)) if content.tag.startswith(f"{{{SR}}}") else None
    if kind is None:
        raise ModelError(
            f"<ResponseMessage> holds <{local(content)}>, which is none of the 13 DUIS "
            "content elements",
            source=source,
            line=sourceline(content),
        )
    payload: bytes | None = None
    schedule_id: str | None = None
    pre: PreCommand | None = None
    cin: CINMessage | None = None
    alert: FutureDatedAlert | None = None
    inventory: tuple[InventoryDevice, ...] = ()
    if kind in (ContentKind.GBCS_PAYLOAD, ContentKind.LOCAL_COMMAND):
        payload = _payload(content, source)
    elif kind is ContentKind.PRE_COMMAND:
        pre = PreCommand(_opt_text(content, "GBCSVersion") or "", _payload(content, source))
        payload = pre.gbcs_payload
    elif kind is ContentKind.CIN_MESSAGE:
        cin = CINMessage(
            _payload(content, source), _opt_text(content, "CustomerIdentificationNumber") or ""
        )
        payload = cin.gbcs_payload
    elif kind is ContentKind.DSP_SCHEDULED_MESSAGE:
        payload = _payload(content, source)
        schedule_id = _opt_text(content, "DSPScheduleID")
    elif kind is ContentKind.DSP_SCHEDULE_ID:
        schedule_id = text_of(content)
    elif kind is ContentKind.FUTURE_DATED_DEVICE_ALERT:
        alert = FutureDatedAlert(
            (_opt_text(content, "FutureDatedAlertCode") or "").upper(),
            _payload(content, source),
            _opt_uint(content, "InstructionNumber", source) or 0,
            _opt_uint(content, "TotalCommandInstructions", source) or 0,
        )
        payload = alert.gbcs_payload
    elif kind is ContentKind.DSP_INVENTORY:
        inventory = _inventory(content, source)
    return ResponseMessage(
        base.service_reference,
        base.srv,
        kind,
        content,
        gbcs_payload=payload,
        schedule_id=schedule_id,
        pre_command=pre,
        cin=cin,
        future_dated_alert=alert,
        inventory=inventory,
    )


def _device_alert(el: etree._Element, source: str) -> DeviceAlert:
    code = child(el, "AlertCode", source)
    assert code is not None
    return DeviceAlert(
        text_of(code).upper(),
        _payload(el, source),
        _opt_uint(el, "ThrottledAlertSequenceId", source),
        _opt_uint(el, "ThrottledAlertCount", source),
    )


def _dcc_alert(el: etree._Element, source: str) -> DCCAlert:
    code = child(el, "DCCAlertCode", source)
    wrapper = child(el, "DCCAlert", source)
    assert code is not None and wrapper is not None
    events = [c for c in wrapper if isinstance(c.tag, str)]
    if len(events) != 1:
        raise ModelError(
            f"<DCCAlert> must hold exactly one event element, has {len(events)}",
            source=source,
            line=sourceline(wrapper),
        )
    return DCCAlert(
        text_of(code),
        local(events[0]),
        events[0],
        _opt_uint(el, "ThrottledAlertSequenceId", source),
        _opt_uint(el, "ThrottledAlertCount", source),
    )


def _smets1(el: etree._Element, source: str) -> SMETS1Response:
    signed = child(el, "SMETS1SignedResponse", source)
    assert signed is not None
    return SMETS1Response(
        _opt_text(el, "ServiceReference"),
        _opt_text(el, "ServiceReferenceVariant"),
        _opt_text(el, "DSPScheduleID"),
        signed,
        _opt_uint(el, "ThrottledAlertSequenceId", source),
        _opt_uint(el, "ThrottledAlertCount", source),
    )


_READERS: dict[BodyKind, Callable[[etree._Element, str], ResponseBody]] = {
    BodyKind.RESPONSE_MESSAGE: _response_message,
    BodyKind.DEVICE_ALERT: _device_alert,
    BodyKind.DCC_ALERT: _dcc_alert,
    BodyKind.SMETS1_RESPONSE: _smets1,
}


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
    source: str = field(default="<response>", repr=False, compare=False)

    @property
    def body_kind(self) -> str:
        """One of ``ResponseMessage``, ``DeviceAlertMessage``, ``DCCAlertMessage``,
        ``SMETS1ResponseMessage``."""
        return local(self.body)

    @property
    def kind(self) -> BodyKind:
        """:attr:`body_kind` as the enum (raises ModelError for an unknown body)."""
        try:
            return BodyKind(self.body_kind)
        except ValueError:
            raise ModelError(
                f"<sr:Body> holds <{self.body_kind}>, not a DUIS response or alert body",
                source=self.source,
                line=sourceline(self.body),
            ) from None

    @property
    def service_reference_variant(self) -> str | None:
        """The SRV a ResponseMessage (or SMETS1ResponseMessage) names (None for alerts)."""
        found = self.body.find(f"{{{SR}}}ServiceReferenceVariant")
        return None if found is None else text_of(found)

    @property
    def category(self) -> str:
        """``I`` (success/information), ``W`` (warning) or ``E`` (error): the code's
        first letter, which is how DUIS groups its response codes."""
        return self.response_code[:1]

    @property
    def succeeded(self) -> bool:
        return self.category == "I"

    @property
    def response_time(self) -> datetime | None:
        """ResponseDateTime as a datetime (aware when the text had a zone)."""
        return parse_datetime(self.response_datetime)

    @property
    def is_alert(self) -> bool:
        """Device and DCC alerts, and future-dated device alerts inside a ResponseMessage."""
        content = self.content
        if isinstance(content, (DeviceAlert, DCCAlert)):
            return True
        return isinstance(content, ResponseMessage) and content.future_dated_alert is not None

    @property
    def alert_code(self) -> str | None:
        """The alert code of an alert body (hex for device alerts), else None."""
        content = self.content
        if isinstance(content, (DeviceAlert, DCCAlert)):
            return content.alert_code
        if isinstance(content, ResponseMessage) and content.future_dated_alert is not None:
            return content.future_dated_alert.alert_code
        return None

    @cached_property
    def content(self) -> ResponseBody:
        """The body read into its typed form."""
        return _READERS[self.kind](self.body, self.source)

    @classmethod
    def from_tree(cls, root: etree._Element, source: str = "<response>") -> Response:
        """Read a response; raises :class:`ModelError` when a needed part is missing."""
        version, header, body = envelope(root, "Response", source)
        code = child(header, "ResponseCode", source)
        when = child(header, "ResponseDateTime", source)
        assert code is not None and when is not None
        rid = header.find(f"{{{SR}}}RequestID")
        resp_id = header.find(f"{{{SR}}}ResponseID")
        response = cls(
            schema_version=version,
            request_id=None if rid is None else request_id(rid, source),
            response_id=None if resp_id is None else request_id(resp_id, source),
            response_code=text_of(code),
            response_datetime=text_of(when),
            body=body,
            signature=root.find(f"{{{DS}}}Signature"),
            source=source,
        )
        # Read the body now so a broken one fails here, with its line, not later.
        _ = response.content
        return response
