"""What an alert is, at a glance: its code in words, the device it is about, its throttling.

A person reading ``duis inspect`` or a ``duis validate`` finding about an alert wants
the same three things first: which alert (8F35, in words), from which device, and
whether alert-storm protection held others back (SECMP0062's
ThrottledAlertSequenceId and ThrottledAlertCount). :func:`summarize` reads them from
a DUIS response tree once, for both.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from duis.codes import alert_code
from duis.ids import parse_decimal
from duis.namespaces import SR
from duis.xml import child_element, element_value, first_element

__all__ = ["AlertSummary", "alert_device", "summarize"]

_SR = "{" + SR + "}"
_BODIES = {
    _SR + "DeviceAlertMessage": ("device-alert", _SR + "AlertCode"),
    _SR + "DCCAlertMessage": ("dcc-alert", _SR + "DCCAlertCode"),
    _SR + "SMETS1ResponseMessage": ("smets1-response", None),
}
_FUTURE = _SR + "FutureDatedDeviceAlertMessage"
_HEADER = _SR + "Header"
_BODY = _SR + "Body"
_RESPONSE_ID = _SR + "ResponseID"
_REQUEST_ID = _SR + "RequestID"
_DCC_ALERT = _SR + "DCCAlertMessage"
_DCC_ALERT_WRAPPER = _SR + "DCCAlert"
#: Where a DCC alert's event names the device it is about, in DUIS's element names.
_DEVICE_FIELDS = (
    "DeviceID",
    "CommsHubDeviceID",
    "PPMIDDeviceID",
    "DeviceIDToSuspend",
    "CHFDeviceID",
)


@dataclass(frozen=True)
class AlertSummary:
    """An alert (or a throttled SMETS1 response, or a future-dated outcome)."""

    #: ``device-alert``, ``dcc-alert``, ``smets1-response`` or ``future-dated-outcome``.
    kind: str
    code: str | None
    meaning: str | None
    #: The device the alert is about, as written (None when the message names none).
    device: str | None
    sequence_id: int | None
    throttled_count: int | None
    #: For a future-dated outcome: (InstructionNumber, TotalCommandInstructions).
    instruction: tuple[int, int] | None = None

    @property
    def throttling(self) -> str:
        """The throttling state in words."""
        if self.sequence_id is None and self.throttled_count is None:
            return "not throttled"
        parts = []
        if self.sequence_id is not None:
            parts.append(f"sequence id {self.sequence_id}")
        if self.throttled_count is not None:
            parts.append(f"{self.throttled_count} alerts held back")
        return "throttled: " + ", ".join(parts)

    def describe(self) -> str:
        """One phrase: ``alert 8F35 (supply restored...) from 00-DB-...; not throttled``."""
        what = f"alert {self.code}" if self.code else self.kind
        if self.meaning:
            what += f" ({self.meaning})"
        if self.device:
            what += f" from device {self.device}"
        if self.instruction is not None:
            what += f", instruction {self.instruction[0]} of {self.instruction[1]}"
        return f"{what}; {self.throttling}"

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "code": self.code,
            "meaning": self.meaning,
            "device": self.device,
            "throttling": {
                "throttled": self.sequence_id is not None or self.throttled_count is not None,
                "sequence_id": self.sequence_id,
                "throttled_count": self.throttled_count,
            },
            "instruction": None if self.instruction is None else list(self.instruction),
        }


def _text(el: etree._Element | None) -> str:
    # The one text reader: comments and PIs inside the text do not cut it.
    return "" if el is None else element_value(el)


def unsigned_value(el: etree._Element | None) -> int | None:
    """An element's text as an unsigned integer, or None when it is not one.

    ASCII digits only: ``str.isdigit`` also accepts superscripts and other scripts'
    digits, which ``int`` refuses (or reads) though no XSD integer allows them.
    """
    try:
        return parse_decimal(_text(el), max_value=10**19 - 1)
    except ValueError:
        return None


def summarize(root: etree._Element) -> AlertSummary | None:
    """The alert a DUIS ``sr:Response`` tree carries, or None for an ordinary response.

    Reads the tree defensively (a message the XSD refused still gets what can be
    read), so it never raises for a tree.
    """
    body_wrapper = child_element(root, _SR + "Body")
    body = first_element(body_wrapper)
    if body is None:
        return None
    known = _BODIES.get(body.tag if isinstance(body.tag, str) else "")
    if known is None:
        future = child_element(body, _FUTURE)
        if future is None:
            return None
        code = _text(child_element(future, _SR + "FutureDatedAlertCode")).upper() or None
        number = unsigned_value(child_element(future, _SR + "InstructionNumber"))
        total = unsigned_value(child_element(future, _SR + "TotalCommandInstructions"))
        rid = _text(child_element(child_element(root, _SR + "Header"), _SR + "RequestID"))
        return AlertSummary(
            "future-dated-outcome",
            code,
            _meaning(code),
            rid.split(":")[1].upper() if rid.count(":") == 2 else None,
            None,
            None,
            (number, total) if number is not None and total is not None else None,
        )
    kind, code_tag = known
    seq = unsigned_value(child_element(body, _SR + "ThrottledAlertSequenceId"))
    count = unsigned_value(child_element(body, _SR + "ThrottledAlertCount"))
    if code_tag is None and seq is None and count is None:
        return None  # a SMETS1 response without throttling is no alert
    code = _text(child_element(body, code_tag)) if code_tag else ""
    if kind == "device-alert":
        code = code.upper()
    return AlertSummary(kind, code or None, _meaning(code), alert_device(root), seq, count)


def _meaning(code: str | None) -> str | None:
    if not code:
        return None
    found = alert_code(code)
    return None if found is None else found.meaning


def alert_device(root: etree._Element) -> str | None:
    """The device an alert (or SMETS1 response) is about, as written, or None.

    A device alert's ResponseID runs from the device to the User; a DCC alert names
    the device inside its event; a SMETS1 response's RequestID targets it.
    """
    header = child_element(root, _HEADER)
    body = first_element(child_element(root, _BODY))
    if body is None:
        return None
    if body.tag == _DCC_ALERT:
        event = first_element(child_element(body, _DCC_ALERT_WRAPPER))
        if event is not None:
            for name in _DEVICE_FIELDS:
                found = next(
                    (el for el in event.iter(_SR + name) if _text(el)),
                    None,
                )
                if found is not None:
                    return _text(found).upper()
        return None
    rid = _text(child_element(header, _RESPONSE_ID))
    if rid.count(":") == 2:
        return rid.split(":")[0].upper()
    req = _text(child_element(header, _REQUEST_ID))
    if req.count(":") == 2:
        return req.split(":")[1].upper()
    return None
