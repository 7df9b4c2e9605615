"""The checks on a Service Request that DCC's XSD cannot express.

The XSD accepts SRV 8.11 with a 4.1.1 body, a critical SRV with a non-critical
CommandVariant, a role that may not send the SRV and an install code no device can
have; the DCC rejects each hours later with an E-code. These checks catch them
before sending, reading only the catalogue.

They run on every request, even one the XSD refused, so they read the tree
defensively (direct children, no XPath, no model) and skip whatever they cannot
read: the XSD finding already says what is wrong there. All of them together cost a
few microseconds per message.
"""

from __future__ import annotations

from lxml import etree

from duis import catalogue
from duis.catalogue import SRV, UserRole
from duis.config import Config
from duis.ids import EUI64, parse_decimal
from duis.namespaces import SR
from duis.report import Report
from duis.xml import element_value, first_element, sourceline

__all__ = ["check_request"]

_NS = "{" + SR + "}"
_HEADER = _NS + "Header"
_BODY = _NS + "Body"
_REQUEST_ID = _NS + "RequestID"
_CV = _NS + "CommandVariant"
_SR = _NS + "ServiceReference"
_SRV = _NS + "ServiceReferenceVariant"
_SIGNED_PRE_COMMAND = _NS + "SignedPreCommand"
_EXECUTION = _NS + "ExecutionDateTime"
_DEVICE_ID = _NS + "DeviceID"
_WHITELIST = _NS + "AddDeviceToCHFWhitelist"
_INSTALL_CODE = _NS + "InstallCode"

_P_HEADER = "/sr:Request/sr:Header/sr:"
_P_BODY = "/sr:Request/sr:Body"
_P_INSTALL_CODE = _P_BODY + "/sr:UpdateHANDeviceLog/sr:AddDeviceToCHFWhitelist/sr:InstallCode"

_SIGNED_CVS = frozenset((5, 6, 7))
_ON_DEMAND_ONLY_CVS = frozenset((2, 3, 6, 7))
_HEX = frozenset("0123456789abcdefABCDEF")
_INSTALL_CODE_SRV = "8.11"


class _Facts:
    """The catalogue as the hot path wants it: one dict lookup per request."""

    def __init__(self) -> None:
        self.by_srv: dict[str, tuple[SRV, str, frozenset[int]]] = {
            row.srv: (row, _NS + row.body, frozenset(cv.value for cv in row.command_variants))
            for row in catalogue.all_srvs()
        }


_facts: _Facts | None = None


def _get_facts() -> _Facts:
    global _facts
    if _facts is None:
        _facts = _Facts()
    return _facts


class _LookupFailed(Exception):
    """Carries an exception raised by the caller's own callback out of the safety net."""


def check_request(root: etree._Element, report: Report, config: Config) -> None:
    """Append the findings of every request rule to ``report``; never raises for a tree.

    Grading (select / ignore / severity) is the caller's job: every finding is added
    with the rule's default severity.
    """
    try:
        _check(root, report, config)
    except _LookupFailed as exc:
        raise exc.__cause__ from None  # type: ignore[misc]
    except Exception as exc:  # a bug here must not cost the user the XSD verdict
        report.emit(
            "rules.internal-error",
            f"the request rules stopped early ({type(exc).__name__}: {exc}); "
            "please report this with the message",
        )


def _text(el: etree._Element | None) -> str:
    # Read as the XSD reads it: "8.1<!---->1" is SRV 8.11, not "8.1".
    return "" if el is None else element_value(el)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Derived:
    """What the hot path needs from a Config, as upper-case DUIS strings.

    Comparing the RequestID's text with strings avoids parsing two EUI-64s per
    request; the XSD's RequestID pattern already requires the dashed form.
    """

    __slots__ = ("config", "dcc", "originators")

    def __init__(self, config: Config) -> None:
        self.config = config
        self.dcc = str(config.dcc_eui) if config.dcc_eui is not None else None
        self.originators = {str(k): v for k, v in config.originators.items() if v}


_derived: _Derived | None = None


def _derive(config: Config) -> _Derived:
    global _derived
    found = _derived
    if found is None or found.config is not config:
        found = _derived = _Derived(config)
    return found


def _children(parent: etree._Element, *tags: str) -> list[etree._Element | None]:
    """The first child with each tag, by a full scan (the slow path)."""
    found: list[etree._Element | None] = [None] * len(tags)
    for child in parent:
        tag = child.tag
        for i, want in enumerate(tags):
            if tag == want and found[i] is None:
                found[i] = child
    return found


def _check(root: etree._Element, report: Report, config: Config) -> None:
    # Fast path: the XSD's order (Header, Body[, Signature]; RequestID first and
    # CommandVariant, ServiceReference, ServiceReferenceVariant last), each tag
    # confirmed; anything else takes the full scan.
    header: etree._Element | None
    body: etree._Element | None
    rid_el: etree._Element | None
    n = len(root)
    if n >= 2 and root[0].tag == _HEADER and root[1].tag == _BODY:
        header, body = root[0], root[1]
    else:
        header, body = _children(root, _HEADER, _BODY)
    if header is None:
        return
    cv_el: etree._Element | None
    sr_el: etree._Element | None
    srv_el: etree._Element | None
    m = len(header)
    if (
        m >= 4
        and header[-1].tag == _SRV
        and header[-2].tag == _SR
        and header[-3].tag == _CV
        and header[0].tag == _REQUEST_ID
    ):
        rid_el, cv_el, sr_el, srv_el = header[0], header[-3], header[-2], header[-1]
    else:
        rid_el, cv_el, sr_el, srv_el = _children(header, _REQUEST_ID, _CV, _SR, _SRV)

    facts = _facts if _facts is not None else _get_facts()
    # Every value is read as the XSD reads it (element_value: comments and PIs inside
    # the text do not cut it), so the rules judge the SRV the schema and the DCC see.
    entry = facts.by_srv.get(_text(srv_el))
    cv_text = _text(cv_el)
    try:
        cv: int | None = parse_decimal(cv_text, max_value=999)
    except ValueError:
        cv = None
    originator: str | None
    target: str | None
    parts = _text(rid_el).upper().split(":")  # no RequestID: [""], not three parts
    if len(parts) == 3 and len(parts[0]) == 23 and len(parts[1]) == 23:
        originator, target = parts[0], parts[1]
    else:
        originator = target = None
    content: etree._Element | None = None
    body_el: etree._Element | None = None
    if body is not None and len(body):
        content = body[0]
        if not isinstance(content.tag, str):
            content = first_element(body)
    derived = _derive(config)

    if entry is not None:
        row, body_tag, cvs = entry
        cv_allowed = cv is not None and cv in cvs
        if sr_el is not None:
            _sr_mismatch(report, row, _text(sr_el), sr_el)
        if cv is not None and not cv_allowed:
            _cv_not_allowed(report, row, cv, cvs, cv_el)
        if content is not None:
            body_el = _body_mismatch(report, row, body_tag, cv if cv_allowed else None, content)
        dcc = derived.dcc
        if rid_el is not None and dcc is not None and target is not None:
            if row.non_device:
                _non_device_target(report, target, dcc, rid_el)
            else:
                _device_target_is_dcc(report, target, dcc, rid_el)
        roles = derived.originators.get(originator) if originator is not None else None
        if roles is not None:
            _eligibility(report, row, roles, originator, srv_el)
        elif config.role is not None:
            _eligibility(report, row, (config.role,), None, srv_el)
        if body_el is not None and row.srv == _INSTALL_CODE_SRV:
            _install_code(report, body_el, config)
        if cv_allowed and content is not None and cv in _ON_DEMAND_ONLY_CVS:
            _future_dated_cv(report, cv, content)
    elif cv == 9:
        _cv_not_allowed(report, None, cv, frozenset(), cv_el)
    if originator is not None and originator == target and rid_el is not None:
        _originator_is_target(report, originator, rid_el)


def _add(report: Report, rule_id: str, text: str, el: etree._Element | None, path: str) -> None:
    report.emit(rule_id, text, line=None if el is None else sourceline(el), path=path)


def _describe(row: SRV) -> str:
    return f"SRV {row.srv} ({row.name})"


def _sr_mismatch(report: Report, row: SRV, sr: str, el: etree._Element) -> None:
    """Report ``srv.sr-mismatch`` (why it exists: its entry in the rule table)."""
    if sr != row.sr:
        _add(
            report,
            "srv.sr-mismatch",
            f"ServiceReference is {sr or 'empty'!s} but {_describe(row)} belongs to "
            f"ServiceReference {row.sr}; write {row.sr}",
            el,
            _P_HEADER + "ServiceReference",
        )


def _body_mismatch(
    report: Report, row: SRV, body_tag: str, cv: int | None, content: etree._Element
) -> etree._Element | None:
    """Report ``srv.body-mismatch`` (why it exists: its entry in the rule table)."""
    # Returns the body element when it is the SRV's own: later checks read it.
    tag = content.tag
    if tag == body_tag:
        if cv is None or cv not in _SIGNED_CVS:
            return content
        expected = "SignedPreCommand"
        why = f"CommandVariant {cv} carries the signed Pre-Command"
    elif tag == _SIGNED_PRE_COMMAND:
        # Without a CommandVariant the SRV allows, nothing says which body is right.
        if cv is None or cv in _SIGNED_CVS:
            return None
        expected = row.body
        why = f"SignedPreCommand is sent only with CommandVariant 5, 6 or 7, not {cv}"
    else:
        # ``content`` is always an element (the caller skips comments and PIs).
        found = _local(str(tag))
        owner = catalogue.by_body(found)
        also = f" (the body of SRV {owner.srv})" if owner is not None else ""
        expected = row.body
        if cv is not None and cv in _SIGNED_CVS:
            expected = "SignedPreCommand"
        why = f"found {found}{also}"
        _add(
            report,
            "srv.body-mismatch",
            f"{_describe(row)} takes a {expected} body; {why}",
            content,
            f"{_P_BODY}/sr:{found}",
        )
        return None
    _add(
        report,
        "srv.body-mismatch",
        f"{_describe(row)} with this CommandVariant takes a {expected} body; {why}",
        content,
        f"{_P_BODY}/sr:{_local(tag)}",
    )
    return None


def _cv_not_allowed(
    report: Report, row: SRV | None, cv: int, cvs: frozenset[int], el: etree._Element | None
) -> None:
    """Report ``cv.not-allowed`` (why it exists: its entry in the rule table)."""
    if cv == 9:
        text = "CommandVariant 9 is internal to the DCC and never valid from a User"
        if row is not None:
            text += f"; {_describe(row)} takes {_join(sorted(cvs))}"
    elif row is not None:
        kind = "critical" if row.critical else "non-device" if row.non_device else "non-critical"
        text = (
            f"CommandVariant {cv} is not allowed for {_describe(row)}, a {kind} request; "
            f"it takes {_join(sorted(cvs))}"
        )
    else:  # pragma: no cover - only CV 9 is reported without a known SRV
        return
    _add(report, "cv.not-allowed", text, el, _P_HEADER + "CommandVariant")


def _join(values: list[int] | list[str] | tuple[str, ...]) -> str:
    return ", ".join(str(v) for v in values)


def _originator_is_target(report: Report, originator: str, el: etree._Element) -> None:
    """Report ``request-id.originator-is-target`` (why it exists: its entry in the rule table)."""
    _add(
        report,
        "request-id.originator-is-target",
        f"RequestID's target is its originator {originator}; the target is the device "
        "(or the DCC for a non-device request)",
        el,
        _P_HEADER + "RequestID",
    )


def _non_device_target(report: Report, target: str, dcc: str, el: etree._Element) -> None:
    """Report ``request-id.non-device-target`` (why it exists: its entry in the rule table)."""
    if target != dcc:
        _add(
            report,
            "request-id.non-device-target",
            f"non-device request addressed to {target}; its target is the DCC's EUI {dcc}",
            el,
            _P_HEADER + "RequestID",
        )


def _device_target_is_dcc(report: Report, target: str, dcc: str, el: etree._Element) -> None:
    """Report ``request-id.device-target-is-dcc`` (why it exists: its entry in the rule table)."""
    if target == dcc:
        _add(
            report,
            "request-id.device-target-is-dcc",
            f"device request addressed to the DCC's EUI {dcc}; its target is the device",
            el,
            _P_HEADER + "RequestID",
        )


def _eligibility(
    report: Report,
    row: SRV,
    roles: tuple[UserRole, ...],
    originator: str | None,
    el: etree._Element | None,
) -> None:
    """Report ``eligibility.role`` (why it exists: its entry in the rule table)."""
    eligible = row.roles
    if not eligible:
        _no_roles_listed(report, row, el)
        return
    if any(r in eligible for r in roles):
        return
    names = _join(tuple(r.value for r in roles))
    whose = f"role {names}" if originator is None else f"originator {originator}'s roles ({names})"
    _add(
        report,
        "eligibility.role",
        f"{_describe(row)} may be sent only by {_join(tuple(r.value for r in eligible))}; "
        f"not by {whose}",
        el,
        _P_HEADER + "ServiceReferenceVariant",
    )


def _no_roles_listed(report: Report, row: SRV, el: etree._Element | None) -> None:
    """Report ``eligibility.no-roles-listed`` (why it exists: its entry in the rule table)."""
    _add(
        report,
        "eligibility.no-roles-listed",
        f"DUIS lists no eligible User Role for {_describe(row)}; check that the sender may send it",
        el,
        _P_HEADER + "ServiceReferenceVariant",
    )


_GENERATION_KEY = {1: "smets1", 2: "smets2"}
_GENERATION_NAME = {"smets1": "SMETS1", "smets2": "SMETS2+", "unknown": "any generation"}


def _install_code(report: Report, log: etree._Element, config: Config) -> None:
    """Report ``install-code.length`` (why it exists: its entry in the rule table)."""
    whitelist = code_el = None
    device: EUI64 | None = None
    for child in log:
        tag = child.tag
        if tag == _WHITELIST:
            whitelist = child
        elif tag == _DEVICE_ID:
            try:
                device = EUI64.parse(_text(child))
            except ValueError:
                device = None
    if whitelist is None:
        return
    for child in whitelist:
        if child.tag == _INSTALL_CODE:
            code_el = child
            break
    if code_el is None:
        return
    code = _text(code_el)
    if not code or len(code) % 2 or not _HEX.issuperset(code):
        return  # not hexBinary: the XSD finding says so
    octets = len(code) // 2
    try:
        generation, how = config.generation_of(device)
    except Exception as exc:
        raise _LookupFailed(str(exc)) from exc
    key = _GENERATION_KEY.get(generation or 0, "unknown")
    allowed = config.install_code_lengths.get(key, ())
    if allowed and octets not in allowed:
        if key == "unknown":
            text = (
                f"install code is {octets} octets; ZigBee install codes are "
                f"{_octets(allowed)} octets (CRC excluded)"
            )
        else:
            text = (
                f"install code is {octets} octets; a {_GENERATION_NAME[key]} device's is "
                f"{_octets(allowed)} octets (CRC excluded; generation from {how})"
            )
        _add(
            report,
            "install-code.length",
            text,
            code_el,
            _P_INSTALL_CODE,
        )
    if key == "unknown":
        _generation_unknown(report, allowed, code_el)


def _octets(values: tuple[int, ...]) -> str:
    items = [str(v) for v in sorted(values)]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _generation_unknown(report: Report, allowed: tuple[int, ...], el: etree._Element) -> None:
    """Report ``install-code.generation-unknown`` (why it exists: its entry in the rule table)."""
    _add(
        report,
        "install-code.generation-unknown",
        f"device generation not known: install code checked against "
        f"{_octets(allowed) or 'no'} octets only; pass --smets 1|2 or a device "
        "inventory lookup to check SMETS2+ devices' 16 octets",
        el,
        _P_INSTALL_CODE,
    )


def _future_dated_cv(report: Report, cv: int, content: etree._Element) -> None:
    """Report ``future-dated.command-variant`` (why it exists: its entry in the rule table)."""
    first = first_element(content)
    if first is not None and first.tag == _EXECUTION:
        _add(
            report,
            "future-dated.command-variant",
            f"ExecutionDateTime asks for a future-dated command but CommandVariant {cv} "
            f"is on-demand only; use 1 (or 4/5 for a critical SRV) or drop ExecutionDateTime",
            first,
            f"{_P_BODY}/sr:{_local(str(content.tag))}/sr:ExecutionDateTime",
        )
