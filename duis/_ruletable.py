"""The one rule table: every rule id any part of the project emits, as plain data.

Users select, ignore and re-grade findings by id (``--ignore install-code``), CI greps
for them, the JSON output carries them and ``docs/rules.md`` is generated from this
table, so an id, once published, never changes meaning. Every id that ``duis``,
``mmc`` or ``signing`` can put in a finding or an exception is listed here exactly
once, with its default severity and a note on why it exists; the code that emits a
finding names the id and the report stamps the severity from here
(:meth:`duis.Report.emit`). Like yamllint's rule list this is data, not decorators:
importing it registers nothing and imports nothing but the severity enum, so every
module (the report, the settings, the CLI) can read it without a cycle.

A test scans the source for every rule-id literal and exception ``rule`` attribute,
and checks every message the test suite produces, against this table.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from duis._exceptions import ConfigError
from duis._severity import Severity

__all__ = [
    "AREAS",
    "RULES",
    "Rule",
    "all_rules",
    "check_patterns",
    "families",
    "get_rule",
    "matches",
]

ERROR = Severity.ERROR
WARNING = Severity.WARNING
INFO = Severity.INFO


@dataclass(frozen=True)
class Rule:
    """One rule as users see it: id, default severity, what it checks and why."""

    id: str
    severity: Severity
    summary: str
    why: str
    #: A message that fails the rule (request rules give one; others may not).
    example: str = ""
    #: Which part reports it: one of :data:`AREAS`.
    area: str = "request"

    @property
    def family(self) -> str:
        """The part before the first dot: ``--ignore srv`` drops every ``srv.*`` rule."""
        return self.id.split(".", 1)[0]

    def to_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "severity": self.severity.value,
            "summary": self.summary,
            "why": self.why,
            "example": self.example,
            "area": self.area,
        }


#: The parts of the project that report findings, in documentation order, with the
#: heading and introduction ``docs/rules.md`` gives each.
AREAS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "request": (
            "Request rules",
            "`duis validate` checks every Service Request against its XSD and then against "
            "these rules, which the XSD cannot express. They run even when the XSD failed "
            "and skip whatever they cannot read, so a broken header gives the `xsd` finding "
            "alone.",
        ),
        "response": (
            "Response and alert rules",
            "`duis validate` checks every Service Response, alert and MMC device alert "
            "against its XSD and then against these rules: future-dated outcomes (alerts "
            "8F66/8F67), alert codes against the payload they carry, and alert throttling "
            "metadata ([responses](responses.md)).",
        ),
        "pipeline": (
            "Reading and schema validation",
            "What `duis validate` (and `duis.validate`) reports about the document itself: "
            "whether it could be read safely, what it is, and what its XSD says.",
        ),
        "correlate": (
            "Matching a response to its request",
            "Reported by `duis validate --request` (and `duis.correlate`) for each response "
            "checked against the request it answers.",
        ),
        "mmc": (
            "MMC output",
            "Reported for MMC `ra:GBCSResponse` output ([responses](responses.md)).",
        ),
        "sign": (
            "Signing",
            "Why `duis sign` (and `signing.sign`) refused to sign, and what it did "
            "([signing](signing.md)).",
        ),
        "signature": (
            "Signature verification",
            "Reported by `duis verify`, `duis validate --keystore` and `signing.verify` "
            "([signing](signing.md)).",
        ),
        "gbcs": (
            "GBCS decoding",
            "Reported by `duis decode` (and `mmc.payload.decode`) for a device's GBCS "
            "response or alert: whether its bytes could be read and whether its MAC or "
            "signature verifies ([decoding](decoding.md)).",
        ),
        "serve": (
            "HTTP service",
            "Why `duis serve` refused a request before its message reached the library "
            "(the `rule` of the error body; [serve](serve.md)). Refusals of the message "
            "itself keep the ids above.",
        ),
        "precommand": (
            "Critical commands",
            "Why `duis precommand sign` (and `signing.sign_precommand`) refused a "
            "Pre-Command, and what `duis precommand inspect` reports "
            "([critical commands](critical-commands.md)).",
        ),
        "setup": (
            "Inputs, settings, certificates and counters",
            "Problems that stop work before a message is judged: usually exit 2 from the "
            "CLI, an exception from the API.",
        ),
    }
)


def _r(
    id: str, severity: Severity, summary: str, why: str, *, example: str = "", area: str = "request"
) -> Rule:
    return Rule(id, severity, summary, inspect.cleandoc(why), example, area)


_TABLE: tuple[Rule, ...] = (
    _r(
        "srv.sr-mismatch",
        ERROR,
        "ServiceReference is not the SRV's ServiceReference",
        """
        The XSD enumerates ServiceReference and ServiceReferenceVariant separately and
        never ties one to the other, so SR 4.1 with SRV 8.11 is schema-valid. The DCC
        rejects the pair; the SR is the SRV without its last part where the SRV has three
        parts, otherwise the SRV itself.
        """,
        example="<sr:ServiceReference>4.1</sr:ServiceReference> beside "
        "<sr:ServiceReferenceVariant>8.11</sr:ServiceReferenceVariant>",
    ),
    _r(
        "srv.body-mismatch",
        ERROR,
        "Body element is not the SRV's (SignedPreCommand for CommandVariant 5-7 only)",
        """
        The XSD's Body is a free choice of 130 elements, one per SRV plus
        SignedPreCommand, so any SRV may carry any body. CommandVariants 5, 6 and 7
        carry the User-signed Pre-Command (SignedPreCommand) and every other variant
        carries the SRV's own element. When the CommandVariant is itself not allowed,
        either form is accepted here: cv.not-allowed already names the problem.
        """,
        example="SRV 8.11 with <sr:Body><sr:ReadInstantaneousImportRegisters/></sr:Body>",
    ),
    _r(
        "cv.not-allowed",
        ERROR,
        "CommandVariant not allowed for the SRV; 9 always refused",
        """
        Each SRV allows a fixed set of CommandVariants: critical SRVs 4-7 (the DCC
        transforms, the User signs the Pre-Command), non-critical device SRVs 1-3,
        non-device SRVs 8; 8.1.1 takes 4 and 5 and 8.5 takes 1. The XSD only says CV is
        1..9. CommandVariant 9 is internal to the DCC's systems and never valid from a
        User. The DCC answers a wrong pair with E12.
        """,
        example="<sr:CommandVariant>1</sr:CommandVariant> on critical SRV 1.1.1 (takes 4, 5, 6, 7)",
    ),
    _r(
        "request-id.originator-is-target",
        ERROR,
        "RequestID's originator and target are the same EUI-64",
        """
        The originator is the sending User's EUI-64 and the target is a device or
        the DCC; a User is neither, so the two are never equal. EUIs compare as values,
        so the case of the hex digits does not matter.
        """,
        example=("<sr:RequestID>90-B3-D5-1F-30-01-00-00:90-b3-d5-1f-30-01-00-00:1</sr:RequestID>"),
    ),
    _r(
        "request-id.non-device-target",
        ERROR,
        "Non-device request whose target is not the configured DCC EUI",
        """
        A non-device request (CommandVariant 8) is answered by the DCC itself, so its
        BusinessTargetID is the DCC's own EUI-64. That EUI differs between DCC's
        environments, so the check runs only when ``dcc_eui`` is configured (DCC's test
        environment uses 90-B3-D5-1F-30-00-00-02). Whether a request is non-device comes
        from the SRV, so a wrong CommandVariant is reported once, by cv.not-allowed.
        """,
        example="SRV 8.2 to 00-DB-12-34-56-78-90-A0 with dcc_eui = 90-B3-D5-1F-30-00-00-02",
    ),
    _r(
        "request-id.device-target-is-dcc",
        ERROR,
        "Device request whose target is the configured DCC EUI",
        """
        The mirror of request-id.non-device-target: a device request goes to the
        device named as BusinessTargetID, and the DCC is not a device. Runs only when
        ``dcc_eui`` is configured.
        """,
        example="SRV 4.1.1 to 90-B3-D5-1F-30-00-00-02 with dcc_eui = 90-B3-D5-1F-30-00-00-02",
    ),
    _r(
        "eligibility.role",
        ERROR,
        "The sender's User Role may not send the SRV",
        """
        DUIS lists the User Roles eligible for each SRV; the DCC answers any other
        role with E2. The role is not in the message, so the check runs only when it is
        known: ``--role``, or the originator's entry in ``[tool.duis.originators]``
        (one EUI may hold several roles; any eligible one will do).
        """,
        example="SRV 6.5 (ED only) sent with --role IS",
    ),
    _r(
        "eligibility.no-roles-listed",
        WARNING,
        "SRV whose DUIS row lists no eligible User Role (8.5, 8.6, 7.16)",
        """
        DCC's SRV matrix lists no eligible User Role for a few SRVs (8.5, 8.6, 7.16;
        in DCC's test data 7.16 comes from a Load Controller). Whether a User may send
        one cannot be decided from the table, so a known role gets a warning, not an
        error.
        """,
        example="SRV 7.16 sent with --role IS",
    ),
    _r(
        "install-code.length",
        ERROR,
        "SRV 8.11 install code of a length no device of that generation has",
        """
        The XSD accepts any install code of 6 to 16 octets, but ZigBee defines only 6,
        8, 12 and 16 (CRC excluded), and since CR 1277 the DCC checks the length by
        device generation. This project's reading, configurable as
        ``install-code-lengths``: SMETS2+ devices 16 octets, SMETS1 devices 6, 8, 12 or
        16. The generation comes from ``--smets`` or an inventory lookup on the body's
        DeviceID; without one the ZigBee set applies and the report says so.
        """,
        example="<sr:InstallCode>00112233445566</sr:InstallCode> (7 octets)",
    ),
    _r(
        "install-code.generation-unknown",
        INFO,
        "SRV 8.11 install code checked without knowing the device's SMETS generation",
        """
        SMETS2+ devices take 16-octet install codes only; without the generation the
        check can only apply ZigBee's lengths, so a 12-octet code for a SMETS2+ device
        passes. Saying so keeps a pass from being read as more than it is.
        """,
        example="any 8.11 Add request validated without --smets or an inventory lookup",
    ),
    _r(
        "future-dated.command-variant",
        ERROR,
        "ExecutionDateTime with a CommandVariant that is on-demand only (2, 3, 6, 7)",
        """
        An ExecutionDateTime asks for a future-dated command, but CommandVariants 2,
        3, 6 and 7 return the command to the User for local delivery now: DUIS gives
        them the on-demand pattern only (the XSD's own CommandVariant table). Only 1, 4
        and 5 may be future dated. The XSD allows ExecutionDateTime whatever the CV.
        """,
        example="<sr:CommandVariant>2</sr:CommandVariant> with a body carrying "
        "<sr:ExecutionDateTime>",
    ),
    _r(
        "rules.internal-error",
        WARNING,
        "The request rules stopped early on an unexpected error",
        """
        A fault in this project's own rule code must not cost the user the XSD verdict,
        so the rules catch it, report it as a warning and let validation finish. Seeing
        it is a bug report: please send the message that caused it.
        """,
        area="request",
    ),
    # -- responses and alerts ---------------------------------------------------------
    _r(
        "future-dated.pattern",
        ERROR,
        "Alert 8F66/8F67 for an SRV that the device does not future-date",
        """
        Alerts 8F66 and 8F67 report that a device ran (or failed to run) a command it
        held until its execution date-time. DUIS's SRV matrix gives each SRV a
        future-dated response pattern: "Device" (the device holds the command and
        alerts), "DSP" (the DCC holds the request and sends it when due; the outcome is
        an ordinary response), "DSP & Device", or none. Only the Device patterns can
        produce a FutureDatedDeviceAlertMessage; for any other SRV (4.1.1 is DSP-dated,
        8.2 is a non-device request) it was filed against the wrong request.
        """,
        example="a FutureDatedDeviceAlertMessage inside the ResponseMessage of SRV 4.1.1",
        area="response",
    ),
    _r(
        "future-dated.instruction",
        ERROR,
        "InstructionNumber not between 1 and TotalCommandInstructions",
        """
        A future-dated command may hold several activation date-time instructions and
        the device sends one 8F66/8F67 per instruction (MMC: one per DLMS/COSEM or GBZ
        instruction, GBCS 9.2.2.6). InstructionNumber counts them from 1 to
        TotalCommandInstructions; the XSD types both as plain unsignedShort, so 0 of 2,
        3 of 2 or 1 of 0 pass it, and a tracker waiting for "all instructions" would
        wait for ever.
        """,
        example="<sr:InstructionNumber>3</sr:InstructionNumber> with "
        "<sr:TotalCommandInstructions>2</sr:TotalCommandInstructions>",
        area="response",
    ),
    _r(
        "future-dated.body-kind",
        ERROR,
        "Alert 8F66/8F67 sent as a plain DeviceAlertMessage",
        """
        Since CR1233 the DCC delivers the outcome of a future-dated instruction as a
        FutureDatedDeviceAlertMessage inside a ResponseMessage that names the SRV (and
        carries the request's RequestID), with the instruction's number. An 8F66 or 8F67
        in a plain DeviceAlertMessage has neither, so nothing ties it to the command it
        reports on.
        """,
        example="<sr:DeviceAlertMessage><sr:AlertCode>8F66</sr:AlertCode>...",
        area="response",
    ),
    _r(
        "alert.payload",
        ERROR,
        "MMC device alert whose payload element is not one its alert code returns",
        """
        MMC's DeviceAlertContent may carry one Payload element, a choice of nine, and
        the MMC schema says which alert returns each: the outage/restoration times for
        8F35-8F3C, the APC level elements for 8F86 and 8F87, the auxiliary controller's
        state for 8F88, the firmware image hash for 8F1C/8F72, the future-dated outcome
        for 8F66/8F67, and so on. The choice itself is free, so an outage alert with an
        APC payload is schema-valid; a program that dispatches on the code then reads the
        wrong fields.
        """,
        example="GBCSHexAlertCode 8F35 with a LimitAPCLevelCommandProcessedDeviceAlert payload",
        area="response",
    ),
    _r(
        "dcc-alert.event",
        ERROR,
        "DCC alert whose event element is not the one its DCCAlertCode carries",
        """
        A DCCAlertMessage's DCCAlert is a free choice of two dozen event elements
        whatever the DCCAlertCode says. Where this project knows which event a code
        carries (AD1, the Communications Hub's power outage, carries PowerOutageEvent;
        N24, the result of an Update HAN Device Log, carries UpdateHANDeviceLogResult),
        an alert whose code and event disagree is refused; other codes are not checked.
        """,
        example="<sr:DCCAlertCode>AD1</sr:DCCAlertCode> with an UpdateHANDeviceLogResult event",
        area="response",
    ),
    _r(
        "throttle.count-without-id",
        ERROR,
        "ThrottledAlertCount without ThrottledAlertSequenceId",
        """
        Alert-storm protection (SECMP0062) lets the DCC hold back repeated alerts; the
        alert that gets through says how many were held back (ThrottledAlertCount) and
        where it stands in the device's throttled sequence (ThrottledAlertSequenceId).
        The XSD makes both optional and independent, but a count without its sequence id
        cannot be placed: nobody can tell which run of alerts it summarises or whether
        one was missed.
        """,
        example="<sr:ThrottledAlertCount>12</sr:ThrottledAlertCount> and no "
        "ThrottledAlertSequenceId",
        area="response",
    ),
    _r(
        "throttle.sequence-back",
        WARNING,
        "ThrottledAlertSequenceId lower than an earlier one from the same device",
        """
        Within one device's alerts the ThrottledAlertSequenceId rises; one lower than
        an earlier alert's means the alerts were read out of order or one was replayed,
        and counting lost alerts from the gaps would go wrong. This needs more than one
        message: ``duis validate`` keeps the last id per device for one run (files in the
        order given) and the tracker keeps them for good.
        """,
        example="alert files of one device with sequence ids 7 then 5, in one validate run",
        area="response",
    ),
    # -- the validation pipeline -----------------------------------------------------
    _r(
        "xml.malformed",
        ERROR,
        "The input is not well-formed XML (line and column given)",
        """
        Nothing can be checked in a document that does not parse; the parser's own
        message and position are quoted. Empty input is reported the same way.
        """,
        example="<sr:Request>",
        area="pipeline",
    ),
    _r(
        "xml.unsafe",
        ERROR,
        "DOCTYPE, entity or XInclude: refused before anything is resolved",
        """
        DUIS messages never carry a DTD. A DOCTYPE can make a parser read local files,
        reach the network or expand entities without bound, so it is refused before
        libxml2 sees it, whatever the encoding.
        """,
        example='<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        area="pipeline",
    ),
    _r(
        "xml.too-large",
        ERROR,
        "Over the size limit (--max-bytes) or a structural limit (depth, attributes)",
        """
        Every command reads untrusted input in bounded time and memory; a document over
        the configured limits is refused rather than half-processed.
        """,
        area="pipeline",
    ),
    _r(
        "kind.unknown",
        ERROR,
        "The root is not sr:Request, sr:Response or ra:GBCSResponse",
        """
        Which schema and rules apply follows from the root element; any other root is
        not a DUIS message or MMC output, so nothing else is checked.
        """,
        example="<html/>",
        area="pipeline",
    ),
    _r(
        "schema-version.unknown",
        ERROR,
        "schemaVersion is a decimal but no published DUIS version",
        """
        The XSD types schemaVersion as a bare xs:decimal, so 9.9 passes it; the DCC
        accepts only the versions it published.
        """,
        example='<sr:Request schemaVersion="9.9">',
        area="pipeline",
    ),
    _r(
        "schema-version.no-schema",
        ERROR,
        "Several schema bundles are registered and none is for this schemaVersion",
        """
        With several official bundles registered each message is judged by the one for
        its version; judging it by another would give a verdict nobody asked for.
        """,
        area="pipeline",
    ),
    _r(
        "xsd",
        ERROR,
        "The XSD that judged the message refuses it (its message is quoted)",
        """
        The schema is the DCC's first check: a message it refuses is rejected before
        anything else is looked at. The schema's own message is quoted, with namespace
        URIs shortened to their usual prefixes. libxml2 skips characters that are not
        base64 in `base64Binary` values, which DCC's validator refuses, so duis checks
        those values itself against XSD 1.0's grammar and reports them here too.
        """,
        area="pipeline",
    ),
    _r(
        "xsd.not-covered",
        INFO,
        "The embedded schema accepted this element's content without checking it",
        """
        The project's embedded schemas do not model every region (DCC alert events,
        MMC alert payloads); content there was accepted unchecked. Saying so keeps a
        pass from being read as more than it is: register DCC's official bundle with
        --schema-dir to check it.
        """,
        area="pipeline",
    ),
    _r(
        "model.invalid",
        ERROR,
        "Well-formed XML that cannot be read as the message asked for",
        """
        Reading a message into the model (duis.parse, duis inspect) needs the parts the
        model types; a document missing them is reported with the file and line.
        """,
        area="pipeline",
    ),
    # -- correlation -----------------------------------------------------------------
    _r(
        "correlate.not-a-response",
        ERROR,
        "A request to match was given, but this document is not a response",
        """
        Only a response can answer a request; anything else given with --request is
        reported rather than silently skipped.
        """,
        area="correlate",
    ),
    _r(
        "correlate.unreadable",
        ERROR,
        "The response could not be read to match it against the request",
        """
        Matching reads the response's header through the model; when that fails the
        model's reason is given.
        """,
        area="correlate",
    ),
    _r(
        "correlate.request-id",
        ERROR,
        "The response's RequestID is not the request's",
        """
        A User system files responses by RequestID; a response carrying another
        RequestID belongs to another request.
        """,
        area="correlate",
    ),
    _r(
        "correlate.response-id",
        ERROR,
        "The ResponseID's originator and target are not the request's, swapped",
        """
        A response comes from the request's target back to its originator, so its
        ResponseID holds the two EUIs the other way round.
        """,
        area="correlate",
    ),
    _r(
        "correlate.srv",
        ERROR,
        "The response names another ServiceReference(Variant) than the request",
        """
        A response answers the SRV that was requested; another SRV means it answers
        something else.
        """,
        area="correlate",
    ),
    _r(
        "correlate.content",
        WARNING,
        "The response content does not fit the request's CommandVariant",
        """
        CommandVariant 2 or 3 asks for a command back for local delivery and 4 for a
        Pre-Command to sign; a response with other content may be an error response
        or an answer to another request, so this is a warning.
        """,
        area="correlate",
    ),
    _r(
        "correlate.signer",
        ERROR,
        "The response was signed by someone other than the DCC",
        """
        Responses are signed by the DCC; a valid signature by anyone else means the
        response is not the DCC's.
        """,
        area="correlate",
    ),
    _r(
        "correlate.signer-unverified",
        INFO,
        "The response carries a signature nobody verified",
        """
        Correlation can say who signed a response only when the signature was verified
        (validate --keystore); otherwise it says that it did not check.
        """,
        area="correlate",
    ),
    # -- MMC output ------------------------------------------------------------------
    _r(
        "mmc.not-mmc",
        ERROR,
        "The document given to mmc.validate is not an MMC ra:GBCSResponse",
        """
        MMC checks read a GBCSResponse's header and SMETSData; any other document is
        reported rather than judged by the wrong rules.
        """,
        area="mmc",
    ),
    _r(
        "mmc.element-mismatch",
        ERROR,
        "The ...Rsp element is not the one the SRV produces",
        """
        The MMC schema lets SMETSData hold any of its ...Rsp elements whatever the
        request was, so readings for the wrong request are schema-valid; the SRV
        catalogue says which element answers each SRV.
        """,
        area="mmc",
    ),
    _r(
        "mmc.no-response-element",
        ERROR,
        "The SRV has no MMC response element, yet one is present",
        """
        Some SRVs produce no device response element; output carrying one answers
        something else.
        """,
        area="mmc",
    ),
    _r(
        "mmc.srv-unknown",
        ERROR,
        "The SRV given is not a DUIS Service Reference Variant",
        """
        The mapping check needs a real SRV; an unknown one is reported instead of
        skipping the check silently.
        """,
        area="mmc",
    ),
    _r(
        "mmc.srv-header-mismatch",
        ERROR,
        "The header's ServiceReferenceVariant is not the SRV given",
        """
        The SRV from context (the request) and the one the output's header names must
        agree, or one of them is for another message.
        """,
        area="mmc",
    ),
    _r(
        "mmc.srv-missing",
        INFO,
        "No SRV known, so the ...Rsp element could not be checked",
        """
        A GBCSResponse need not name its SRV; without one from the caller or the header
        the mapping check cannot run, and the report says so.
        """,
        area="mmc",
    ),
    # -- signing ---------------------------------------------------------------------
    _r(
        "sign.signed",
        INFO,
        "The message was signed (counter and signer named)",
        """
        duis sign says what it did for each file, so a log shows which counter went to
        which output.
        """,
        area="sign",
    ),
    _r(
        "sign.refused",
        ERROR,
        "Signing was refused (the message says which check failed)",
        """
        The parent of every signing refusal: a request the DCC would reject is never
        signed, because signing spends a counter.
        """,
        area="sign",
    ),
    _r(
        "sign.not-signable",
        ERROR,
        "Not a DUIS request or response, or no usable RequestID",
        """
        Only DUIS messages with a RequestID are signed; the counter comes from it.
        """,
        area="sign",
    ),
    _r(
        "sign.invalid-request",
        ERROR,
        "The message fails validation; signing it would only get it rejected",
        """
        The signer validates first (with the same settings as duis validate) so a
        signed request is one the DCC accepts.
        """,
        area="sign",
    ),
    _r(
        "sign.wrong-eui",
        ERROR,
        "The certificate's EUI-64 is not the message's originator",
        """
        The DCC checks that the signer is the originator named in the RequestID.
        """,
        area="sign",
    ),
    _r(
        "sign.wrong-role",
        ERROR,
        "The certificate's Remote Party Role may not sign DUIS XML",
        """
        Only some SMKI roles sign DUIS messages; the DCC rejects a signature by another.
        """,
        area="sign",
    ),
    _r(
        "sign.certificate-validity",
        ERROR,
        "The signing certificate is expired or not yet valid",
        """
        The DCC checks the certificate at receipt; a signature by an expired
        certificate is rejected.
        """,
        area="sign",
    ),
    _r(
        "sign.key-mismatch",
        ERROR,
        "The private key does not belong to the certificate, or is not P-256",
        """
        A signature made with another key verifies against nothing.
        """,
        area="sign",
    ),
    # -- verification ----------------------------------------------------------------
    _r(
        "signature.valid",
        INFO,
        "The signature verified (the signer is named)",
        """
        A note saying who signed the message, so a pass says what was checked.
        """,
        area="signature",
    ),
    _r(
        "signature.invalid",
        ERROR,
        "The signature is malformed or does not hold",
        """
        The parent of every verification failure below.
        """,
        area="signature",
    ),
    _r(
        "signature.missing",
        ERROR,
        "No signature where one is required",
        """
        Signed messages carry one ds:Signature as the last child of the root; some
        responses (acknowledgements, some errors) are sent unsigned, which duis verify
        reports as a warning.
        """,
        area="signature",
    ),
    _r(
        "signature.wrapping",
        ERROR,
        "The signed message sits inside another root (signature wrapping)",
        """
        Wrapping lets a reader see other content than the one the signature covers.
        """,
        area="signature",
    ),
    _r(
        "signature.multiple",
        ERROR,
        "More than one ds:Signature",
        """
        DUIS messages carry exactly one signature; a second could cover other content.
        """,
        area="signature",
    ),
    _r(
        "signature.placement",
        ERROR,
        "The Signature is not the last child element of the root",
        """
        DUIS places the enveloped signature last in the root; anywhere else is refused.
        """,
        area="signature",
    ),
    _r(
        "signature.comment",
        ERROR,
        "A comment or processing instruction splits signed text",
        """
        C14N drops comments, so text split by one verifies while readers may see other
        text than the signer meant.
        """,
        area="signature",
    ),
    _r(
        "signature.structure",
        ERROR,
        "The ds:Signature is not laid out as XML-DSig and DUIS require",
        """
        Elements missing, repeated or out of place in the signature are refused before
        anything is computed.
        """,
        area="signature",
    ),
    _r(
        "signature.algorithm",
        ERROR,
        "A canonicalization, signature or digest method outside the DUIS profile",
        """
        DUIS fixes the algorithms (exclusive C14N, ECDSA P-256 with SHA-256); any other
        could be weaker or read differently.
        """,
        area="signature",
    ),
    _r(
        "signature.transform",
        ERROR,
        "Transforms other than exactly the one enveloped-signature transform",
        """
        Extra transforms can change what is digested; the profile allows one.
        """,
        area="signature",
    ),
    _r(
        "signature.reference",
        ERROR,
        "Not exactly one Reference, or one whose URI is not the whole document",
        """
        The signature must cover the whole message, not a part of it.
        """,
        area="signature",
    ),
    _r(
        "signature.key-info",
        ERROR,
        "KeyInfo does not name the signer by issuer and serial",
        """
        DUIS names the signing certificate by X509IssuerSerial; anything else cannot be
        looked up in the keystore.
        """,
        area="signature",
    ),
    _r(
        "signature.unknown-signer",
        ERROR,
        "No certificate in the keystore has the issuer and serial KeyInfo names",
        """
        A signature can be checked only with the signer's certificate.
        """,
        area="signature",
    ),
    _r(
        "signature.digest-mismatch",
        ERROR,
        "The document was changed after signing",
        """
        The digest of the signed content is not the one the signature carries.
        """,
        area="signature",
    ),
    _r(
        "signature.value-encoding",
        ERROR,
        "SignatureValue is not 64 bytes of raw r||s",
        """
        XML-DSig's ECDSA signature value is the raw pair, not DER (as Java's JCA emits).
        """,
        area="signature",
    ),
    _r(
        "signature.value-mismatch",
        ERROR,
        "The SignatureValue does not verify with the named certificate's key",
        """
        The signature was not made by that certificate's key over this content.
        """,
        area="signature",
    ),
    _r(
        "signature.wrong-eui",
        ERROR,
        "The signer's EUI-64 is not the one the message must be signed by",
        """
        A request is signed by its originator, a response by the DCC.
        """,
        area="signature",
    ),
    _r(
        "signature.wrong-role",
        ERROR,
        "The signer's Remote Party Role or key usage is not accepted for this message",
        """
        Only some SMKI roles may sign DUIS messages.
        """,
        area="signature",
    ),
    _r(
        "signature.certificate-validity",
        ERROR,
        "The signer's certificate is expired or not yet valid at the checked time",
        """
        A signature by a certificate outside its validity is not accepted.
        """,
        area="signature",
    ),
    _r(
        "signature.untrusted",
        ERROR,
        "The signer's certificate does not chain to a trusted issuing CA",
        """
        Anyone can make a certificate; only one issued by a trusted SMKI CA counts.
        """,
        area="signature",
    ),
    _r(
        "request-id.counter-replay",
        ERROR,
        "An OriginatorCounter not above the last one recorded for its originator",
        """
        The DCC refuses a counter it has already seen from an originator; so does
        duis verify --check-replay, which also notes a message with no counter.
        """,
        area="signature",
    ),
    # -- set-up ----------------------------------------------------------------------
    _r(
        "input.unreadable",
        ERROR,
        "The input could not be read at all",
        """
        A missing or unreadable path is reported with its name (exit 2 from the CLI).
        """,
        area="setup",
    ),
    _r(
        "schema.unloadable",
        ERROR,
        "A schema folder or file could not be found, read or compiled",
        """
        A broken schema folder fails when it is registered, naming the folder, rather
        than half-way through a run.
        """,
        area="setup",
    ),
    _r(
        "config.invalid",
        ERROR,
        "A settings file, option or setting is invalid",
        """
        Settings are checked when they are made, so a misspelt role or rule id is an
        error naming the setting, never a silently ignored value.
        """,
        area="setup",
    ),
    _r(
        "certificate.invalid",
        ERROR,
        "A certificate or key file cannot be read or does not fit the SMKI profile",
        """
        Certificates are read with bounded size and their profile checked, so a bad file
        is a clear error rather than a failure later.
        """,
        area="setup",
    ),
    _r(
        "certificate.role-decimal",
        WARNING,
        "The certificate writes its Remote Party Role as a decimal",
        """
        The SMKI profile gives the role as hex digits; a documented legacy case writes it
        in decimal, which is accepted with this warning.
        """,
        area="setup",
    ),
    _r(
        "keystore.unreadable",
        ERROR,
        "The keystore folder, or one entry in it, cannot be used",
        """
        The keystore is where signers and verifiers find certificates and keys.
        """,
        area="setup",
    ),
    _r(
        "keystore.no-credentials",
        ERROR,
        "No certificate with a private key for the originator and role wanted",
        """
        Signing needs the originator's own certificate and key.
        """,
        area="setup",
    ),
    _r(
        "counter.store",
        ERROR,
        "The originator-counter store cannot be opened, read or written",
        """
        Counters are never handed out twice; a store that cannot be trusted stops
        signing rather than risk a replay.
        """,
        area="setup",
    ),
    _r(
        "serve.bad-request",
        ERROR,
        "The HTTP request cannot be used (e.g. the client went away mid-body)",
        """
        Every refusal carries a rule id, so a client can tell its own mistakes from
        the message's.
        """,
        area="serve",
    ),
    _r(
        "serve.bad-json",
        ERROR,
        'The body is not the JSON object the API takes ({"message": base64, ...})',
        """
        DCC's signing-tool API takes a JSON object with the message base64-encoded and
        an optional boolean preserveCounter; anything else is refused with 400.
        """,
        area="serve",
    ),
    _r(
        "serve.bad-base64",
        ERROR,
        "message is not valid base64 (standard alphabet; line breaks tolerated)",
        """
        Guessing at damaged base64 could sign something other than what was sent.
        """,
        area="serve",
    ),
    _r(
        "serve.body-too-large",
        ERROR,
        "The request body is over the server's limit (--max-body); 413",
        """
        A bounded body keeps memory and time per request bounded, whatever a client sends.
        """,
        area="serve",
    ),
    _r(
        "serve.timeout",
        ERROR,
        "The client did not send its headers, or its body, in time (--request-timeout); 408",
        """
        A slow or stalled client (slow-loris) must not hold a connection, and with it a
        share of the worker, for ever.
        """,
        area="serve",
    ),
    _r(
        "serve.unauthorized",
        ERROR,
        "No bearer token, or one the server does not accept; 401",
        """
        The server signs with the User's key: with tokens configured, only holders of a
        token may use it. Tokens are compared in constant time.
        """,
        area="serve",
    ),
    _r(
        "serve.not-found",
        ERROR,
        "No such endpoint; 404",
        """
        As DCC's signing tool, unknown paths are 404, with a JSON error body.
        """,
        area="serve",
    ),
    _r(
        "serve.method-not-allowed",
        ERROR,
        "The endpoint does not take this HTTP method; 405",
        """
        As DCC's signing tool: /sign and /verify take POST only.
        """,
        area="serve",
    ),
    _r(
        "serve.internal",
        ERROR,
        "The server failed on a request (a bug); 500, details only in the server's log",
        """
        A failure that is not the request's fault is answered without internals and
        logged with its traceback for the operator.
        """,
        area="serve",
    ),
    _r(
        "tracker.store",
        ERROR,
        "The tracker's SQLite file cannot be opened or written",
        """
        The tracker records every message in one transaction; a store it cannot open or
        write would lose outcomes silently, so it stops instead (exit 2 from
        ``duis track``). Choose another file with ``--db`` or ``$DUIS_TRACKER_DB``.
        """,
        area="setup",
    ),
    # -- GBCS messages: reading, authenticating, signing commands --------------------
    _r(
        "gbcs.malformed",
        ERROR,
        "GBCS bytes are malformed, truncated or of a shape the decoder does not read",
        """
        A device message that cannot be read is reported with the offset of the byte
        where reading stopped, never decoded halfway into values that look right.
        """,
        area="gbcs",
    ),
    _r(
        "gbcs.mac-invalid",
        ERROR,
        "The AES-GCM MAC of a general-ciphered GBCS message does not verify",
        """
        The MAC is what tells a User that the device (and nobody else) sent these
        readings; a message whose MAC fails is refused, not decoded as if it were true.
        """,
        area="gbcs",
    ),
    _r(
        "gbcs.signature-invalid",
        ERROR,
        "A GBCS signature (a signed command's or a device's) is missing or does not verify",
        """
        Commands are signed with the business originator's Digital Signing key and
        alerts and signed responses with the device's; a signature that fails means
        the message was altered or is not the signer's, and the device or the User
        refuses it.
        """,
        area="gbcs",
    ),
    _r(
        "gbcs.decrypt-failed",
        ERROR,
        "An encrypted part of a GBCS payload does not decrypt with the agreed key",
        """
        Encrypted readings carry their own GCM tag; one that fails is refused rather
        than shown as garbage values.
        """,
        area="gbcs",
    ),
    _r(
        "gbcs.key-missing",
        ERROR,
        "A key needed to authenticate or decrypt the message is not in the keystore",
        """
        With a keystore given, a message the keystore cannot check is not shown as
        authenticated; decode without a keystore to read it unauthenticated.
        """,
        area="gbcs",
    ),
    _r(
        "gbcs.not-authenticated",
        WARNING,
        "The GBCS message was decoded without checking its MAC or signature",
        """
        Decoding without keys is useful for looking, but nothing in the output is
        known to come from the device; the output says so rather than staying silent.
        """,
        area="gbcs",
    ),
    _r(
        "gbcs.wrong-key",
        ERROR,
        "The key offered may not sign this GBCS command",
        """
        GBCS commands are signed with the business originator's Digital Signing key.
        An xmlSign key signs DUIS XML only, and a key of another EUI gives a command the
        device rejects.
        """,
        area="gbcs",
    ),
    # -- critical commands (GBCS Pre-Commands) -------------------------------------
    _r(
        "precommand.not-precommand",
        ERROR,
        "The response is not a PreCommand for this request, or its GBCS is not an unsigned command",
        """
        Only the DCC's PreCommand answering this very request (same RequestID, CV 4) is
        signed: signing anything else would put the User's signature on a command it
        did not ask for.
        """,
        area="precommand",
    ),
    _r(
        "precommand.use-case",
        ERROR,
        "The Pre-Command's message code is not a use case of the request's SRV",
        """
        The DCC builds the GBCS command; checking that its use case is one the SRV
        sends keeps a User from signing, say, a supply disable it never requested.
        """,
        area="precommand",
    ),
    _r(
        "precommand.target",
        ERROR,
        "The Pre-Command's business target is not the request's target device",
        """
        A signed command acts on the device its header names; it must be the device
        the request addressed.
        """,
        area="precommand",
    ),
    _r(
        "precommand.counter",
        ERROR,
        "The Pre-Command's originator counter is not the request's counter",
        """
        The GBCS originator counter is the request's OriginatorCounter; the signed
        CV 5/6/7 request keeps it, so a different one means another command.
        """,
        area="precommand",
    ),
    _r(
        "precommand.originator",
        ERROR,
        "The Pre-Command's business originator is not the request's originator",
        """
        The command is signed as the originator it names; signing one that names
        another organisation is refused.
        """,
        area="precommand",
    ),
)

#: Every rule by id, in documentation order.
RULES: Mapping[str, Rule] = MappingProxyType({r.id: r for r in _TABLE})
_FAMILIES = frozenset(r.family for r in _TABLE)
#: Every id and every dotted prefix of one: what --select/--ignore/severity may name.
_PREFIXES = frozenset(
    ".".join(r.id.split(".")[:n]) for r in _TABLE for n in range(1, r.id.count(".") + 2)
)
#: Patterns that match every rule.
_EVERYTHING = ("ALL", "*")


def all_rules() -> tuple[Rule, ...]:
    """Every rule, in documentation order."""
    return _TABLE


def get_rule(rule_id: str) -> Rule | None:
    """The rule with this exact id, or None."""
    return RULES.get(rule_id)


def families() -> frozenset[str]:
    """The rule-id families (``srv``, ``xsd``, ``signature``, ...)."""
    return _FAMILIES


def matches(rule_id: str, pattern: str) -> bool:
    """Whether ``pattern`` (an id, a dotted prefix, ``ALL`` or ``*``) selects ``rule_id``."""
    return rule_id == pattern or rule_id.startswith(pattern + ".") or pattern in _EVERYTHING


def check_patterns(
    patterns: Iterable[str], where: str, source: str | None = None
) -> tuple[str, ...]:
    """``patterns`` as a tuple, or :class:`~duis.ConfigError` for one no rule has.

    Like ruff, a misspelt id is an error, not a filter that silently matches nothing:
    ``--ignore correlate.sgner`` would otherwise leave the user believing a rule is off.
    """
    out = []
    for raw in patterns:
        pattern = str(raw).strip()
        if pattern not in _EVERYTHING and pattern not in _PREFIXES:
            raise ConfigError(f"{where}: no rule {pattern!r}; {_suggest(pattern)}", source=source)
        out.append(pattern)
    return tuple(out)


def _suggest(pattern: str) -> str:
    family = pattern.split(".", 1)[0]
    if family in _FAMILIES:
        known = [r.id for r in _TABLE if r.family == family]
        return f"the {family} rules are {', '.join(known)}"
    return (
        f"rule families are {', '.join(sorted(_FAMILIES))} "
        "(`duis rules` or docs/rules.md lists every id)"
    )
