"""``duis verify FILE...``: the signature verdict on each message, as a report line.

A bad signature is a finding about that file (exit 1); a keystore or counter store
that cannot be used stops the run before any file is judged (exit 2).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

import click

from duis._exceptions import DuisError, InputError
from duis.cli._inputs import Document, Inputs
from duis.cli._render import FORMATS, render
from duis.cli._setup import fail_setup
from duis.ids import EUI64, RequestID
from duis.report import Kind, Report, Severity
from duis.xml import DEFAULT_MAX_BYTES
from signing import (
    DEFAULT_RESPONSE_ROLES,
    CounterReplayError,
    CounterStore,
    Keystore,
    OrgCertificate,
    RemotePartyRole,
    SignatureMissingError,
    VerifiedMessage,
    load_certificates,
)
from signing import (
    verify as verify_message,
)

__all__ = ["error_report", "load_keystore", "parse_at", "parse_eui", "verify"]


def parse_at(text: str | None) -> datetime | None:
    """ISO 8601 time for ``--at`` (``Z`` or an offset; no zone means UTC)."""
    if text is None:
        return None
    t = text.strip()
    if t.endswith(("Z", "z")):
        t = t[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(t)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not an ISO 8601 time (e.g. 2025-10-01T00:00:00Z)", param_hint="--at"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def parse_eui(text: str | None, option: str = "--dcc-eui") -> EUI64 | None:
    if text is None:
        return None
    try:
        return EUI64.parse(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def load_keystore(folder: str) -> Keystore:
    try:
        return Keystore.from_dir(folder)
    except DuisError as exc:
        fail_setup(exc)


def error_report(name: str, exc: DuisError, kind: Kind = Kind.OTHER) -> Report:
    report = Report(name, kind=kind)
    report.add(Severity.ERROR, exc.rule, exc.message, line=exc.line, column=exc.column)
    return report


def _roles(values: Iterable[str]) -> frozenset[RemotePartyRole]:
    out: set[RemotePartyRole] = set()
    for v in values:
        try:
            role, _ = RemotePartyRole.parse(v)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--response-role") from None
        out.add(role)
    return frozenset(out)


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="FILE...")
@click.option(
    "--keystore",
    "keystore_dir",
    required=True,
    metavar="DIR",
    help="Folder of certificates; the signer is found by KeyInfo's issuer and serial.",
)
@click.option("--at", "at_text", metavar="TIME", help="Check certificate validity at this time.")
@click.option("--require-signature", is_flag=True, help="Treat an unsigned response as a failure.")
@click.option("--dcc-eui", metavar="EUI", help="The DCC's EUI-64 (default: DCC test EUI).")
@click.option(
    "--response-role",
    "response_roles",
    multiple=True,
    metavar="ROLE",
    help="Role accepted on a response's signer (repeatable; default 89 and 04).",
)
@click.option(
    "--allow-digital-signing",
    is_flag=True,
    help="Accept requests signed with a Digital Signing (not xmlSign) certificate.",
)
@click.option(
    "--trust",
    "trust_files",
    multiple=True,
    metavar="FILE",
    help="Issuing CA certificate(s); the signer must chain to one of them.",
)
@click.option(
    "--counter-db",
    metavar="PATH",
    envvar="DUIS_COUNTER_DB",
    help="Counter store for --check-replay (default: per-user data folder).",
)
@click.option(
    "--check-replay",
    is_flag=True,
    help="Record each verified message's counter; flag any not above the last seen.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("-v", "--verbose", is_flag=True, help="Also show notes (who signed each file).")
def verify(
    paths: tuple[str, ...],
    keystore_dir: str,
    at_text: str | None,
    require_signature: bool,
    dcc_eui: str | None,
    response_roles: tuple[str, ...],
    allow_digital_signing: bool,
    trust_files: tuple[str, ...],
    counter_db: str | None,
    check_replay: bool,
    fmt: str,
    verbose: bool,
) -> None:
    """Verify the xmlSign signature of DUIS messages.

    FILE is a file, a folder (walked for *.xml) or - for stdin. Exit status: 0 every
    signature valid (an unsigned response is a warning unless --require-signature),
    1 a signature missing or bad, 2 usage or set-up error.
    """
    at = parse_at(at_text)
    dcc = parse_eui(dcc_eui)
    roles = _roles(response_roles) if response_roles else DEFAULT_RESPONSE_ROLES
    keystore = load_keystore(keystore_dir)
    trust: list[OrgCertificate] | None = None
    if trust_files:
        try:
            trust = [c for f in trust_files for c in load_certificates(f)]
        except DuisError as exc:
            fail_setup(exc)
    store: CounterStore | None = None
    if check_replay:
        try:
            store = CounterStore(counter_db)
        except DuisError as exc:
            fail_setup(exc)
    reports: list[Report] = []
    setup_failed = False
    inputs = Inputs(paths, stdin_limit=DEFAULT_MAX_BYTES)
    for doc in inputs:
        try:
            reports.append(
                _one(
                    doc,
                    keystore,
                    at=at,
                    require_signature=require_signature,
                    dcc_eui=dcc,
                    allow_digital_signing=allow_digital_signing,
                    response_roles=roles,
                    trust=trust,
                    store=store,
                )
            )
        except InputError as exc:
            click.echo(str(exc), err=True)
            setup_failed = True
        except DuisError as exc:  # counter store failing mid-run
            fail_setup(exc)
    render(reports, fmt, sys.stdout, verbose=verbose)
    if setup_failed or inputs.missing:
        sys.exit(2)
    sys.exit(0 if all(r.valid for r in reports) else 1)


def _one(
    doc: Document,
    keystore: Keystore,
    *,
    at: datetime | None,
    require_signature: bool,
    dcc_eui: EUI64 | None,
    allow_digital_signing: bool,
    response_roles: frozenset[RemotePartyRole],
    trust: list[OrgCertificate] | None,
    store: CounterStore | None,
) -> Report:
    data: bytes | Path = doc.data if doc.data is not None else Path(doc.name)
    try:
        result = verify_message(
            data,
            keystore,
            at=at,
            require_signature=False,
            dcc_eui=dcc_eui,
            allow_digital_signing=allow_digital_signing,
            response_roles=response_roles,
            trust=trust,
            source=doc.name,
        )
    except InputError:
        raise
    except DuisError as exc:
        return error_report(doc.name, exc)
    report = Report(doc.name, kind=result.kind)
    if not result.signed:
        unsigned = SignatureMissingError(
            "response is not signed; a signature is required (--require-signature)"
        )
        if require_signature:
            report.add(Severity.ERROR, unsigned.rule, unsigned.message)
        else:
            report.add(
                Severity.WARNING,
                unsigned.rule,
                "response is not signed (acknowledgements and some errors are sent "
                "unsigned); its content is not authenticated",
            )
    else:
        assert result.signer is not None
        report.add(Severity.INFO, "signature.valid", f"signed by {result.signer.describe()}")
        for warning in result.warnings:
            report.add(Severity.WARNING, "certificate.role-decimal", warning)
    if store is not None:
        _replay(result, store, report)
    return report


def _replay(result: VerifiedMessage, store: CounterStore, report: Report) -> None:
    if not result.signed:  # an unsigned counter is nobody's word: never recorded
        report.add(
            Severity.INFO,
            "request-id.counter-replay",
            "unsigned: its counter is not checked or recorded for replay",
        )
        return
    rid: RequestID | None = result.request_id
    if result.kind is Kind.RESPONSE:
        el = result.root.find("{http://www.dccinterface.co.uk/ServiceUserGateway}Header")
        rid_el = (
            None
            if el is None
            else el.find("{http://www.dccinterface.co.uk/ServiceUserGateway}ResponseID")
        )
        try:
            rid = RequestID.parse(rid_el.text or "") if rid_el is not None else None
        except ValueError:
            rid = None
    if rid is None:
        report.add(
            Severity.INFO,
            "request-id.counter-replay",
            "no RequestID/ResponseID counter to check for replay",
        )
        return
    try:
        store.check_and_record(rid.originator, rid.counter)
    except CounterReplayError as exc:
        report.add(Severity.ERROR, exc.rule, exc.message)
