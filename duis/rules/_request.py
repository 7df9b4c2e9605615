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
from duis.report import Report, Severity
from duis.rules._registry import rule
from duis.xml import element_value, sourceline

__all__ = ["check_request"]

_NS = "{http://www.dccinterface.co.uk/ServiceUserGateway}"
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
        report.add(
            Severity.WARNING,
            "rules.internal-error",
            f"the request rules stopped early ({type(exc).__name__}: {exc}); "
            "please report this with the message",
        )


def _text(el: etree._Element | None) -> str:
    # Read as the XSD reads it: "8.1<!---->1" is SRV 8.11, not "8.1".
    return "" if el is None else element_value(el)


def _first_element(parent: etree._Element) -> etree._Element | None:
    for child in parent:
        if isinstance(child.tag, str):
            return child
    return None


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
    parts = _text(rid_el).upper().split(":") if rid_el is not None else []
    if len(parts) == 3 and len(parts[0]) == 23 and len(parts[1]) == 23:
        originator, target = parts[0], parts[1]
    else:
        originator = target = None
    content: etree._Element | None = None
    body_el: etree._Element | None = None
    if body is not None and len(body):
        content = body[0]
        if not isinstance(content.tag, str):
            content = _first_element(body)
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
            _future_dated_cv(report, row, cv, content)
    elif cv == 9:
        _cv_not_allowed(report, None, cv, frozenset(), cv_el)
    if originator is not None and originator == target and rid_el is not None:
        _originator_is_target(report, originator, rid_el)


def _add(
    report: Report,
    severity: Severity,
    rule_id: str,
    text: str,
    el: etree._Element | None,
    path: str,
) -> None:
    report.add(severity, rule_id, text, line=None if el is None else sourceline(el), path=path)


def _describe(row: SRV) -> str:
    return f"SRV {row.srv} ({row.name})"


@rule(
    "srv.sr-mismatch",
    Severity.ERROR,
    "ServiceReference is not the SRV's ServiceReference",
    example="<sr:ServiceReference>4.1</sr:ServiceReference> beside "
    "<sr:ServiceReferenceVariant>8.11</sr:ServiceReferenceVariant>",
)
def _sr_mismatch(report: Report, row: SRV, sr: str, el: etree._Element) -> None:
    """The XSD enumerates ServiceReference and ServiceReferenceVariant separately and
    never ties one to the other, so SR 4.1 with SRV 8.11 is schema-valid. The DCC
    rejects the pair; the SR is the SRV without its last part where the SRV has three
    parts, otherwise the SRV itself."""
    if sr != row.sr:
        _add(
            report,
            Severity.ERROR,
            "srv.sr-mismatch",
            f"ServiceReference is {sr or 'empty'!s} but {_describe(row)} belongs to "
            f"ServiceReference {row.sr}; write {row.sr}",
            el,
            _P_HEADER + "ServiceReference",
        )


@rule(
    "srv.body-mismatch",
    Severity.ERROR,
    "Body element is not the SRV's (SignedPreCommand for CommandVariant 5-7 only)",
    example="SRV 8.11 with <sr:Body><sr:ReadInstantaneousImportRegisters/></sr:Body>",
)
def _body_mismatch(
    report: Report, row: SRV, body_tag: str, cv: int | None, content: etree._Element
) -> etree._Element | None:
    """The XSD's Body is a free choice of 130 elements, one per SRV plus
    SignedPreCommand, so any SRV may carry any body. CommandVariants 5, 6 and 7
    carry the User-signed Pre-Command (SignedPreCommand) and every other variant
    carries the SRV's own element. When the CommandVariant is itself not allowed,
    either form is accepted here: cv.not-allowed already names the problem."""
    # Returns the body element when it is the SRV's own: later checks read it.
    tag = content.tag
    if tag == body_tag:
        if cv is None or cv not in _SIGNED_CVS:
            return content
        expected = "SignedPreCommand"
        why = f"CommandVariant {cv} carries the signed Pre-Command"
    elif tag == _SIGNED_PRE_COMMAND:
        if cv is None or cv in _SIGNED_CVS:
            return None
        expected = row.body
        why = (
            f"SignedPreCommand is sent only with CommandVariant 5, 6 or 7, not {cv}"
            if cv is not None
            else "SignedPreCommand is sent only with CommandVariant 5, 6 or 7"
        )
    else:
        found = _local(tag) if isinstance(tag, str) else "?"
        owner = catalogue.by_body(found)
        also = f" (the body of SRV {owner.srv})" if owner is not None else ""
        expected = row.body
        if cv is not None and cv in _SIGNED_CVS:
            expected = "SignedPreCommand"
        why = f"found {found}{also}"
        _add(
            report,
            Severity.ERROR,
            "srv.body-mismatch",
            f"{_describe(row)} takes a {expected} body; {why}",
            content,
            f"{_P_BODY}/sr:{found}",
        )
        return None
    _add(
        report,
        Severity.ERROR,
        "srv.body-mismatch",
        f"{_describe(row)} with this CommandVariant takes a {expected} body; {why}",
        content,
        f"{_P_BODY}/sr:{_local(tag)}",
    )
    return None


@rule(
    "cv.not-allowed",
    Severity.ERROR,
    "CommandVariant not allowed for the SRV; 9 always refused",
    example="<sr:CommandVariant>1</sr:CommandVariant> on critical SRV 1.1.1 (takes 4, 5, 6, 7)",
)
def _cv_not_allowed(
    report: Report, row: SRV | None, cv: int, cvs: frozenset[int], el: etree._Element | None
) -> None:
    """Each SRV allows a fixed set of CommandVariants: critical SRVs 4-7 (the DCC
    transforms, the User signs the Pre-Command), non-critical device SRVs 1-3,
    non-device SRVs 8; 8.1.1 takes 4 and 5 and 8.5 takes 1. The XSD only says CV is
    1..9. CommandVariant 9 is internal to the DCC's systems and never valid from a
    User. The DCC answers a wrong pair with E12."""
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
    _add(report, Severity.ERROR, "cv.not-allowed", text, el, _P_HEADER + "CommandVariant")


def _join(values: list[int] | list[str] | tuple[str, ...]) -> str:
    return ", ".join(str(v) for v in values)


@rule(
    "request-id.originator-is-target",
    Severity.ERROR,
    "RequestID's originator and target are the same EUI-64",
    example="<sr:RequestID>90-B3-D5-1F-30-01-00-00:90-b3-d5-1f-30-01-00-00:1</sr:RequestID>",
)
def _originator_is_target(report: Report, originator: str, el: etree._Element) -> None:
    """The originator is the sending User's EUI-64 and the target is a device or
    the DCC; a User is neither, so the two are never equal. EUIs compare as values,
    so the case of the hex digits does not matter."""
    _add(
        report,
        Severity.ERROR,
        "request-id.originator-is-target",
        f"RequestID's target is its originator {originator}; the target is the device "
        "(or the DCC for a non-device request)",
        el,
        _P_HEADER + "RequestID",
    )


@rule(
    "request-id.non-device-target",
    Severity.ERROR,
    "Non-device request whose target is not the configured DCC EUI",
    example="SRV 8.2 to 00-DB-12-34-56-78-90-A0 with dcc_eui = 90-B3-D5-1F-30-00-00-02",
)
def _non_device_target(report: Report, target: str, dcc: str, el: etree._Element) -> None:
    """A non-device request (CommandVariant 8) is answered by the DCC itself, so its
    BusinessTargetID is the DCC's own EUI-64. That EUI differs between DCC's
    environments, so the check runs only when ``dcc_eui`` is configured (DCC's test
    environment uses 90-B3-D5-1F-30-00-00-02). Whether a request is non-device comes
    from the SRV, so a wrong CommandVariant is reported once, by cv.not-allowed."""
    if target != dcc:
        _add(
            report,
            Severity.ERROR,
            "request-id.non-device-target",
            f"non-device request addressed to {target}; its target is the DCC's EUI {dcc}",
            el,
            _P_HEADER + "RequestID",
        )


@rule(
    "request-id.device-target-is-dcc",
    Severity.ERROR,
    "Device request whose target is the configured DCC EUI",
    example="SRV 4.1.1 to 90-B3-D5-1F-30-00-00-02 with dcc_eui = 90-B3-D5-1F-30-00-00-02",
)
def _device_target_is_dcc(report: Report, target: str, dcc: str, el: etree._Element) -> None:
    """The mirror of request-id.non-device-target: a device request goes to the
    device named as BusinessTargetID, and the DCC is not a device. Runs only when
    ``dcc_eui`` is configured."""
    if target == dcc:
        _add(
            report,
            Severity.ERROR,
            "request-id.device-target-is-dcc",
            f"device request addressed to the DCC's EUI {dcc}; its target is the device",
            el,
            _P_HEADER + "RequestID",
        )


@rule(
    "eligibility.role",
    Severity.ERROR,
    "The sender's User Role may not send the SRV",
    example="SRV 6.5 (ED only) sent with --role IS",
)
def _eligibility(
    report: Report,
    row: SRV,
    roles: tuple[UserRole, ...],
    originator: str | None,
    el: etree._Element | None,
) -> None:
    """DUIS lists the User Roles eligible for each SRV; the DCC answers any other
    role with E2. The role is not in the message, so the check runs only when it is
    known: ``--role``, or the originator's entry in ``[tool.duis.originators]``
    (one EUI may hold several roles; any eligible one will do)."""
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
        Severity.ERROR,
        "eligibility.role",
        f"{_describe(row)} may be sent only by {_join(tuple(r.value for r in eligible))}; "
        f"not by {whose}",
        el,
        _P_HEADER + "ServiceReferenceVariant",
    )


@rule(
    "eligibility.no-roles-listed",
    Severity.WARNING,
    "SRV whose DUIS row lists no eligible User Role (8.5, 8.6, 7.16)",
    example="SRV 7.16 sent with --role IS",
)
def _no_roles_listed(report: Report, row: SRV, el: etree._Element | None) -> None:
    """DCC's SRV matrix lists no eligible User Role for a few SRVs (8.5, 8.6, 7.16;
    in DCC's test data 7.16 comes from a Load Controller). Whether a User may send
    one cannot be decided from the table, so a known role gets a warning, not an
    error."""
    _add(
        report,
        Severity.WARNING,
        "eligibility.no-roles-listed",
        f"DUIS lists no eligible User Role for {_describe(row)}; check that the sender may send it",
        el,
        _P_HEADER + "ServiceReferenceVariant",
    )


_GENERATION_KEY = {1: "smets1", 2: "smets2"}
_GENERATION_NAME = {"smets1": "SMETS1", "smets2": "SMETS2+", "unknown": "any generation"}


@rule(
    "install-code.length",
    Severity.ERROR,
    "SRV 8.11 install code of a length no device of that generation has",
    example="<sr:InstallCode>00112233445566</sr:InstallCode> (7 octets)",
)
def _install_code(report: Report, log: etree._Element, config: Config) -> None:
    """The XSD accepts any install code of 6 to 16 octets, but ZigBee defines only 6,
    8, 12 and 16 (CRC excluded), and since CR 1277 the DCC checks the length by
    device generation. This project's reading, configurable as
    ``install-code-lengths``: SMETS2+ devices 16 octets, SMETS1 devices 6, 8, 12 or
    16. The generation comes from ``--smets`` or an inventory lookup on the body's
    DeviceID; without one the ZigBee set applies and the report says so."""
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
            Severity.ERROR,
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


@rule(
    "install-code.generation-unknown",
    Severity.INFO,
    "SRV 8.11 install code checked without knowing the device's SMETS generation",
    example="any 8.11 Add request validated without --smets or an inventory lookup",
)
def _generation_unknown(report: Report, allowed: tuple[int, ...], el: etree._Element) -> None:
    """SMETS2+ devices take 16-octet install codes only; without the generation the
    check can only apply ZigBee's lengths, so a 12-octet code for a SMETS2+ device
    passes. Saying so keeps a pass from being read as more than it is."""
    _add(
        report,
        Severity.INFO,
        "install-code.generation-unknown",
        f"device generation not known: install code checked against "
        f"{_octets(allowed) or 'no'} octets only; pass --smets 1|2 or a device "
        "inventory lookup to check SMETS2+ devices' 16 octets",
        el,
        _P_INSTALL_CODE,
    )


@rule(
    "future-dated.command-variant",
    Severity.ERROR,
    "ExecutionDateTime with a CommandVariant that is on-demand only (2, 3, 6, 7)",
    example="<sr:CommandVariant>2</sr:CommandVariant> with a body carrying <sr:ExecutionDateTime>",
)
def _future_dated_cv(report: Report, row: SRV, cv: int, content: etree._Element) -> None:
    """An ExecutionDateTime asks for a future-dated command, but CommandVariants 2,
    3, 6 and 7 return the command to the User for local delivery now: DUIS gives
    them the on-demand pattern only (the XSD's own CommandVariant table). Only 1, 4
    and 5 may be future dated. The XSD allows ExecutionDateTime whatever the CV."""
    first = _first_element(content)
    if first is not None and first.tag == _EXECUTION:
        _add(
            report,
            Severity.ERROR,
            "future-dated.command-variant",
            f"ExecutionDateTime asks for a future-dated command but CommandVariant {cv} "
            f"is on-demand only; use 1 (or 4/5 for a critical SRV) or drop ExecutionDateTime",
            first,
            f"{_P_BODY}/sr:{_local(str(content.tag))}/sr:ExecutionDateTime",
        )
