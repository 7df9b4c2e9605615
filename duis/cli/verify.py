"""``duis verify FILE...``: the signature verdict on each message, as a report line.

A bad signature is a finding about that file (exit 1); a keystore or counter store
that cannot be used stops the run before any file is judged (exit 2). The DCC's EUI
comes from ``--dcc-eui``, else the settings nearest to each file.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from duis._exceptions import ConfigError, DuisError, InputError
from duis.cli._common import (
    BatchOptions,
    batch_options,
    error_report,
    fail_setup,
    load_keystore,
    parse_at,
    parse_eui,
    run_batch,
)
from duis.cli._inputs import Document, Note, Problem, expand
from duis.cli._render import FORMATS
from duis.cli._settings import Resolver
from duis.namespaces import SR, clark
from duis.xml import DEFAULT_MAX_BYTES, element_value

if TYPE_CHECKING:
    from duis.ids import EUI64
    from duis.report import Report
    from signing import CounterStore, Keystore, OrgCertificate, RemotePartyRole, VerifiedMessage

__all__ = ["verify"]


def _roles(values: Iterable[str]) -> frozenset[RemotePartyRole]:
    from signing import RemotePartyRole

    out: set[RemotePartyRole] = set()
    for v in values:
        try:
            role, _ = RemotePartyRole.parse(v)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--response-role") from None
        out.add(role)
    return frozenset(out)


@click.command()
@click.argument("paths", nargs=-1, metavar="FILE...")
@click.option(
    "--keystore",
    "keystore_dir",
    metavar="DIR",
    help="Folder of certificates; the signer is found by KeyInfo's issuer and serial "
    "(default: the settings' keystore, then $DUIS_KEYSTORE).",
)
@click.option("--at", "at_text", metavar="TIME", help="Check certificate validity at this time.")
@click.option("--require-signature", is_flag=True, help="Treat an unsigned response as a failure.")
@click.option(
    "--dcc-eui",
    metavar="EUI",
    help="The DCC's EUI-64 (default: [tool.duis] dcc-eui, else the DCC test EUI).",
)
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
    help="Record each verified message's counter; flag any not above the last seen "
    "(runs the files one at a time, in order).",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Refuse documents larger than this.",
)
@batch_options(FORMATS, verbose_help="Also show notes (who signed each file).")
def verify(paths: tuple[str, ...], **kwargs: Any) -> None:
    """Verify the xmlSign signature of DUIS messages.

    FILE is a file, a folder (walked for *.xml) or - for stdin. Exit status: 0 every
    signature valid (an unsigned response is a warning unless --require-signature),
    1 a signature missing or bad, 2 usage or set-up error.
    """
    from signing import DEFAULT_RESPONSE_ROLES, load_certificates, open_counter_store

    opts = BatchOptions.pop(kwargs)
    if not paths and opts.files_from is None:
        raise click.UsageError("give at least one FILE (or --files-from)")
    at = parse_at(kwargs["at_text"])
    dcc = parse_eui(kwargs["dcc_eui"])
    roles = _roles(kwargs["response_roles"]) if kwargs["response_roles"] else DEFAULT_RESPONSE_ROLES
    # The keystore and the replay store from the one settings object: the option, else
    # the settings of this folder, else $DUIS_KEYSTORE / $DUIS_COUNTER_DB.
    resolver = Resolver(
        overrides={"keystore": kwargs["keystore_dir"], "counter_db": kwargs["counter_db"]},
        explicit=opts.config_file,
        isolated=opts.isolated,
        respect_gitignore=opts.respect_gitignore,
    )
    try:
        here = resolver.config_for(None)
    except ConfigError as exc:
        fail_setup(exc)
    if here.keystore is None:
        raise click.UsageError(
            "give --keystore DIR (or keystore in the settings, or $DUIS_KEYSTORE)"
        )
    keystore = load_keystore(str(here.keystore))
    trust: list[OrgCertificate] | None = None
    if kwargs["trust_files"]:
        try:
            trust = [c for f in kwargs["trust_files"] for c in load_certificates(f)]
        except DuisError as exc:
            fail_setup(exc)
    store: CounterStore | None = None
    if kwargs["check_replay"]:
        try:
            store = open_counter_store(here.counter_db)
        except DuisError as exc:
            fail_setup(exc)
        # Replay verdicts depend on the order counters are recorded in.
        opts = BatchOptions(**{**opts.__dict__, "jobs": 1})
    work = _Verifier(
        keystore,
        resolver,
        kwargs["max_bytes"],
        at=at,
        require_signature=kwargs["require_signature"],
        dcc_eui=dcc,
        allow_digital_signing=kwargs["allow_digital_signing"],
        response_roles=roles,
        trust=trust,
        store=store,
    )
    items = expand(
        opts.paths(paths),
        stdin_limit=kwargs["max_bytes"],
        excluded=resolver.excluder,
        force_exclude=opts.force_exclude,
    )
    sys.exit(run_batch(items, work, opts, "verify"))


@dataclass
class _Verifier:
    """The work for one file; runs in a worker, returns only what is printed."""

    keystore: Keystore
    resolver: Resolver
    max_bytes: int
    at: datetime | None
    require_signature: bool
    dcc_eui: EUI64 | None
    allow_digital_signing: bool
    response_roles: frozenset[RemotePartyRole]
    trust: list[OrgCertificate] | None
    store: CounterStore | None

    def __call__(self, doc: Document) -> Report | Problem | Note:
        from duis.report import Report, Severity
        from signing import SignatureMissingError
        from signing import verify as verify_message

        try:
            config = self.resolver.config_for(doc.path)
        except ConfigError as exc:
            return Problem(doc.name, str(exc))
        data: bytes | Path = doc.data if doc.data is not None else Path(doc.name)
        try:
            result = verify_message(
                data,
                self.keystore,
                at=self.at,
                require_signature=False,
                dcc_eui=self.dcc_eui if self.dcc_eui is not None else config.dcc_eui,
                allow_digital_signing=self.allow_digital_signing,
                response_roles=self.response_roles,
                trust=self.trust,
                source=doc.name,
            )
        except InputError as exc:
            return Problem(doc.name, exc.message)
        except DuisError as exc:
            return error_report(doc.name, exc)
        report = Report(doc.name, kind=result.kind)
        if not result.signed:
            unsigned = SignatureMissingError(
                "response is not signed; a signature is required (--require-signature)"
            )
            if self.require_signature:
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
        if self.store is not None:
            # Only a verified counter is recorded: an unsigned copy must not make
            # the genuine signed message look like its replay.
            try:
                _replay(result, self.store, report)
            except DuisError as exc:  # the counter store failing mid-run
                return Problem(doc.name, str(exc))
        return report


def _replay(result: VerifiedMessage, store: CounterStore, report: Report) -> None:
    from duis.ids import RequestID
    from duis.report import Kind, Severity
    from signing import CounterReplayError

    if not result.signed:  # an unsigned counter is nobody's word: never recorded
        report.add(
            Severity.INFO,
            "request-id.counter-replay",
            "unsigned: its counter is not checked or recorded for replay",
        )
        return
    rid: RequestID | None = result.request_id
    if result.kind is Kind.RESPONSE:
        el = result.root.find(clark(SR, "Header"))
        rid_el = None if el is None else el.find(clark(SR, "ResponseID"))
        try:
            rid = RequestID.parse(element_value(rid_el)) if rid_el is not None else None
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
