"""The checks on what comes back (responses, alerts, MMC alert output) that the XSD
cannot express.

The November 2020 release added two things a User system acts on without a request
in hand: the outcome of each instruction of a future-dated command (alerts 8F66 and
8F67, CR1233) and alert-storm throttling metadata (SECMP0062). The XSD types their
fields but never ties them together, so an 8F66 for a request the DSP future-dates
itself, "instruction 3 of 2", an outage alert carrying an APC payload, or a throttled
count with no sequence id all pass it. These checks read the SRV catalogue and the
alert payload table (``duis/data/alert_payloads.json``).

Like the request rules they run even when the XSD failed, read the tree directly and
skip what they cannot read. The one rule that needs more than the message, a
throttling sequence id that goes back, is given an :class:`AlertSequences` that lives
for one ``duis validate`` run (the tracker, :mod:`duis.tracker`, keeps the same
state for good).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from lxml import etree

from duis import catalogue
from duis._data import read_json
from duis.alerts import alert_device, summarize, unsigned_value
from duis.config import Config
from duis.namespaces import RA, SR
from duis.report import Report
from duis.xml import child_element, element_value, first_element, sourceline

__all__ = [
    "DEVICE_DATED_PATTERNS",
    "AlertSequences",
    "check_mmc_alert",
    "check_response",
    "dcc_alert_elements",
    "device_alert_elements",
]

_SR = "{" + SR + "}"
_RA = "{" + RA + "}"
_HEADER = _SR + "Header"
_BODY = _SR + "Body"
_RESPONSE_ID = _SR + "ResponseID"
_REQUEST_ID = _SR + "RequestID"
_RESPONSE_MESSAGE = _SR + "ResponseMessage"
_DEVICE_ALERT = _SR + "DeviceAlertMessage"
_DCC_ALERT = _SR + "DCCAlertMessage"
_SMETS1 = _SR + "SMETS1ResponseMessage"
_SRV = _SR + "ServiceReferenceVariant"
_FUTURE = _SR + "FutureDatedDeviceAlertMessage"
_FUTURE_CODE = _SR + "FutureDatedAlertCode"
_INSTRUCTION = _SR + "InstructionNumber"
_TOTAL = _SR + "TotalCommandInstructions"
_ALERT_CODE = _SR + "AlertCode"
_DCC_ALERT_CODE = _SR + "DCCAlertCode"
_DCC_ALERT_WRAPPER = _SR + "DCCAlert"
_SEQ = _SR + "ThrottledAlertSequenceId"
_COUNT = _SR + "ThrottledAlertCount"

_P_MESSAGE = "/sr:Response/sr:Body/sr:ResponseMessage"
_P_FUTURE = _P_MESSAGE + "/sr:FutureDatedDeviceAlertMessage"

#: The catalogue's future-dated response patterns under which the device itself holds
#: the command and reports each instruction's outcome with alert 8F66 or 8F67.
DEVICE_DATED_PATTERNS = frozenset({"Device", "DSP & Device"})
_FUTURE_CODES = frozenset({"8F66", "8F67"})


@lru_cache(maxsize=1)
def _payload_table() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    data = read_json("duis", "data/alert_payloads.json")
    device = {k: frozenset(c.upper() for c in v) for k, v in data["device"].items()}
    dcc = {k: frozenset(v) for k, v in data["dcc"].items()}
    return device, dcc


def device_alert_elements() -> dict[str, frozenset[str]]:
    """MMC payload element -> the GBCS alert codes that may carry it."""
    return dict(_payload_table()[0])


def dcc_alert_elements() -> dict[str, frozenset[str]]:
    """DCCAlert event element -> the DCC alert codes that carry it (where known)."""
    return dict(_payload_table()[1])


def _codes_to_elements(table: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for element, codes in table.items():
        for code in codes:
            out.setdefault(code, set()).add(element)
    return {k: frozenset(v) for k, v in out.items()}


def _text(el: etree._Element | None) -> str:
    # The one text reader: comments and PIs inside the text do not cut it.
    return "" if el is None else element_value(el)


def _local(el: etree._Element) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _add(report: Report, rule_id: str, text: str, el: etree._Element | None, path: str) -> None:
    report.emit(rule_id, text, line=None if el is None else sourceline(el), path=path)


@dataclass(frozen=True)
class _Seen:
    sequence_id: int
    source: str
    line: int | None


class AlertSequences:
    """The last ThrottledAlertSequenceId seen per device during one validate run.

    Sequence ids of the alerts that reach a User rise; one that is lower than an
    earlier one from the same device means the files are out of order or one is
    replayed. Feed the files in the order they arrived.
    """

    def __init__(self) -> None:
        self._last: dict[str, _Seen] = {}

    def see(self, device: str, sequence_id: int, source: str, line: int | None) -> _Seen | None:
        """Record ``sequence_id``; return the earlier, higher one if it went back."""
        last = self._last.get(device)
        if last is not None and sequence_id < last.sequence_id:
            return last
        self._last[device] = _Seen(sequence_id, source, line)
        return None


def check_response(
    root: etree._Element,
    report: Report,
    config: Config,
    *,
    sequences: AlertSequences | None = None,
) -> None:
    """Append the findings of every response rule to ``report``; never raises for a tree.

    A finding about an alert ends by naming the alert, its device and its throttling
    state, so the line alone says what it is about.
    """
    del config  # the response rules have no settings yet; the signature matches the others
    try:
        before = len(report.messages)
        _check(root, report, sequences)
        if len(report.messages) > before:
            alert = summarize(root)
            if alert is not None:
                about = alert.describe()
                report.messages[before:] = [
                    replace(m, text=f"{m.text} (concerning {about})")
                    for m in report.messages[before:]
                ]
    except Exception as exc:  # a bug here must not cost the user the XSD verdict
        report.emit(
            "rules.internal-error",
            f"the response rules stopped early ({type(exc).__name__}: {exc}); "
            "please report this with the message",
        )


def _check(root: etree._Element, report: Report, sequences: AlertSequences | None) -> None:
    body = first_element(child_element(root, _BODY))
    if body is None:
        return
    tag = body.tag
    if tag == _RESPONSE_MESSAGE:
        future = child_element(body, _FUTURE)
        if future is not None:
            srv = _text(child_element(body, _SRV))
            _future_dated_pattern(report, srv, future)
            _future_dated_instruction(report, future)
        return
    if tag == _DEVICE_ALERT:
        code_el = child_element(body, _ALERT_CODE)
        if _text(code_el).upper() in _FUTURE_CODES:
            _future_dated_body_kind(report, _text(code_el).upper(), code_el)
    elif tag == _DCC_ALERT:
        _dcc_alert_event(report, body)
    elif tag != _SMETS1:
        return
    _throttling(root, body, report, sequences)


def _future_dated_pattern(report: Report, srv: str, future: etree._Element) -> None:
    row = catalogue.get(srv) if srv else None
    if row is None or row.future_dated in DEVICE_DATED_PATTERNS:
        return
    if row.non_device:
        why = "a non-device request, answered by the DCC itself: no device ever holds it"
    elif row.future_dated is None:
        why = "not a future-dated request at all"
    else:
        why = (
            f"future-dated by the {row.future_dated}: the DCC sends it when it is due and "
            "its outcome arrives as an ordinary response"
        )
    _add(
        report,
        "future-dated.pattern",
        f"a future-dated device alert (8F66/8F67) answers SRV {row.srv} ({row.name}), which is "
        f"{why}; only SRVs the device future-dates (pattern Device or DSP & Device) get one",
        future,
        _P_FUTURE,
    )


def _future_dated_instruction(report: Report, future: etree._Element) -> None:
    num_el = child_element(future, _INSTRUCTION)
    total_el = child_element(future, _TOTAL)
    number, total = unsigned_value(num_el), unsigned_value(total_el)
    if number is None or total is None:
        return
    if total < 1:
        text = f"TotalCommandInstructions is {total}: a command has at least one instruction"
        el = total_el
    elif not 1 <= number <= total:
        text = (
            f"InstructionNumber {number} of {total}: instructions are numbered 1 to "
            "TotalCommandInstructions"
        )
        el = num_el
    else:
        return
    _add(report, "future-dated.instruction", text, el, _P_FUTURE)


def _future_dated_body_kind(report: Report, code: str, el: etree._Element | None) -> None:
    _add(
        report,
        "future-dated.body-kind",
        f"alert {code} (outcome of a future-dated command) must arrive as a "
        "FutureDatedDeviceAlertMessage in a ResponseMessage naming the SRV, not as a "
        "DeviceAlertMessage",
        el,
        "/sr:Response/sr:Body/sr:DeviceAlertMessage/sr:AlertCode",
    )


def _device_alert_payload(report: Report, code: str, payload: etree._Element) -> None:
    name = _local(payload)
    table = _payload_table()[0]
    allowed = table.get(name)
    if allowed is None or code in allowed:
        return
    expected = _codes_to_elements(table).get(code)
    also = (
        f"; alert {code} carries {' or '.join(sorted(expected))}"
        if expected
        else f"; alert {code} carries no payload element"
    )
    _add(
        report,
        "alert.payload",
        f"the payload <{name}> is returned by alert {'/'.join(sorted(allowed))} only, but the "
        f"alert code is {code}{also}",
        payload,
        "/ra:GBCSResponse/ra:Body/ra:DeviceAlertMessage/ra:DeviceAlertContent/ra:Payload/"
        f"ra:{name}",
    )


def _dcc_alert_event(report: Report, body: etree._Element) -> None:
    code_el = child_element(body, _DCC_ALERT_CODE)
    event = first_element(child_element(body, _DCC_ALERT_WRAPPER))
    code = _text(code_el)
    if event is None or not code:
        return
    table = _payload_table()[1]
    name = _local(event)
    expected = _codes_to_elements(table).get(code)
    owners = table.get(name)
    if expected is not None and name not in expected:
        text = f"DCC alert {code} carries {' or '.join(sorted(expected))}, not {name}"
    elif owners is not None and code not in owners:
        text = f"the event {name} belongs to DCC alert {'/'.join(sorted(owners))}, not {code}"
    else:
        return
    _add(
        report,
        "dcc-alert.event",
        text,
        event,
        f"/sr:Response/sr:Body/sr:DCCAlertMessage/sr:DCCAlert/sr:{name}",
    )


def _throttling(
    root: etree._Element,
    body: etree._Element,
    report: Report,
    sequences: AlertSequences | None,
) -> None:
    seq_el = child_element(body, _SEQ)
    count_el = child_element(body, _COUNT)
    if count_el is not None and seq_el is None:
        _throttle_count_without_id(report, body, count_el)
    seq = unsigned_value(seq_el)
    if sequences is not None and seq is not None and seq_el is not None:
        device = alert_device(root)
        if device is not None:
            earlier = sequences.see(device, seq, report.source, sourceline(seq_el))
            if earlier is not None:
                _throttle_sequence_back(report, body, device, seq, earlier, seq_el)


def _throttle_count_without_id(
    report: Report, body: etree._Element, count_el: etree._Element
) -> None:
    _add(
        report,
        "throttle.count-without-id",
        f"ThrottledAlertCount {_text(count_el)} has no ThrottledAlertSequenceId: the count "
        "cannot be tied to a run of throttled alerts",
        count_el,
        f"/sr:Response/sr:Body/sr:{_local(body)}/sr:ThrottledAlertCount",
    )


def _throttle_sequence_back(
    report: Report,
    body: etree._Element,
    device: str,
    seq: int,
    earlier: _Seen,
    seq_el: etree._Element | None,
) -> None:
    where = earlier.source + (f":{earlier.line}" if earlier.line else "")
    _add(
        report,
        "throttle.sequence-back",
        f"ThrottledAlertSequenceId {seq} of device {device} is below {earlier.sequence_id}, "
        f"seen earlier in {where}: out of order or replayed",
        seq_el,
        f"/sr:Response/sr:Body/sr:{_local(body)}/sr:ThrottledAlertSequenceId",
    )


def check_mmc_alert(root: etree._Element, report: Report, config: Config) -> None:
    """The response rules for MMC output (``ra:GBCSResponse``): its device alert payload."""
    del config
    try:
        body = child_element(root, _RA + "Body")
        alert = child_element(body, _RA + "DeviceAlertMessage")
        content = child_element(alert, _RA + "DeviceAlertContent")
        if content is None:
            return
        code_el = child_element(content, _RA + "GBCSHexAlertCode")
        payload = first_element(child_element(content, _RA + "Payload"))
        code = _text(code_el).upper()
        if payload is not None and code:
            _device_alert_payload(report, code, payload)
    except Exception as exc:
        report.emit(
            "rules.internal-error",
            f"the alert rules stopped early ({type(exc).__name__}: {exc}); "
            "please report this with the message",
        )
