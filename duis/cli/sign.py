"""``duis sign FILE... [-o OUT | --in-place]``: sign requests with the User's xmlSign key.

Each refusal (no credentials, wrong certificate, invalid request) is one report line
for that file (exit 1); options or a keystore that cannot be used exit 2. Output
files are replaced atomically, so an interrupted run never leaves half a request.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from duis._exceptions import DuisError, InputError
from duis.cli._inputs import Inputs
from duis.cli._render import FORMATS, render
from duis.cli._setup import fail_setup
from duis.cli.verify import error_report, load_keystore, parse_at, parse_eui
from duis.config import Config
from duis.configfile import load_config
from duis.fileio import atomic_write
from duis.report import Report, Severity
from duis.xml import DEFAULT_MAX_BYTES
from signing import (
    CounterStore,
    Credentials,
    InvalidRequestError,
    Keystore,
)
from signing import (
    sign as sign_message,
)

__all__ = ["sign"]


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="FILE...")
@click.option("--keystore", "keystore_dir", metavar="DIR", help="Folder of certificates and keys.")
@click.option("--cert", "cert_file", metavar="FILE", help="Signing certificate (with --key).")
@click.option("--key", "key_file", metavar="FILE", help="Private key for --cert.")
@click.option(
    "-o",
    "--output",
    metavar="OUT",
    help="Output file (one input) or folder (several); - for stdout (the default for one).",
)
@click.option("--in-place", is_flag=True, help="Replace each input with its signed version.")
@click.option("--preserve-counter", is_flag=True, help="Keep the request's own OriginatorCounter.")
@click.option(
    "--counter-db",
    metavar="PATH",
    envvar="DUIS_COUNTER_DB",
    help="Originator counter store (default: per-user data folder; env DUIS_COUNTER_DB).",
)
@click.option("--no-validate", is_flag=True, help="Sign even if the request fails validation.")
@click.option(
    "--allow-digital-signing",
    is_flag=True,
    help="Allow a Digital Signing (not xmlSign) certificate, as before xmlSign existed.",
)
@click.option("--at", "at_text", metavar="TIME", help="Check certificate validity at this time.")
@click.option("--dcc-eui", metavar="EUI", help="The DCC's EUI-64, signer of responses.")
@click.option("--config", "config_file", metavar="FILE", help="duis.toml / pyproject.toml to use.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
def sign(
    paths: tuple[str, ...],
    keystore_dir: str | None,
    cert_file: str | None,
    key_file: str | None,
    output: str | None,
    in_place: bool,
    preserve_counter: bool,
    counter_db: str | None,
    no_validate: bool,
    allow_digital_signing: bool,
    at_text: str | None,
    dcc_eui: str | None,
    config_file: str | None,
    fmt: str,
) -> None:
    """Sign DUIS requests with the xmlSign profile DCC expects.

    Credentials come from --keystore (chosen by each RequestID's originator) or
    --cert/--key. A fresh OriginatorCounter is drawn from the counter store unless
    --preserve-counter. FILE may be - for stdin. Exit status: 0 all signed, 1 a file
    refused, 2 usage or set-up error.
    """
    if in_place and output:
        raise click.UsageError("give either -o/--output or --in-place, not both")
    if (cert_file is None) != (key_file is None):
        raise click.UsageError("--cert and --key go together")
    if keystore_dir is None and cert_file is None:
        raise click.UsageError("give --keystore DIR, or --cert FILE --key FILE")
    at = parse_at(at_text)
    dcc = parse_eui(dcc_eui)
    keystore: Keystore | None = load_keystore(keystore_dir) if keystore_dir else None
    credentials: Credentials | None = None
    if cert_file and key_file:
        try:
            credentials = Credentials.load(cert_file, key_file)
        except DuisError as exc:
            fail_setup(exc)
    try:
        config: Config = load_config(explicit=Path(config_file) if config_file else None)
    except DuisError as exc:
        fail_setup(exc)
    counters: CounterStore | None = None
    if not preserve_counter:
        try:
            counters = CounterStore(counter_db)
        except DuisError as exc:
            fail_setup(exc)

    inputs = Inputs(paths, stdin_limit=DEFAULT_MAX_BYTES)
    docs = list(inputs)
    if len(docs) > 1 and not in_place and (output is None or output == "-"):
        raise click.UsageError("several inputs: give -o FOLDER or --in-place")
    out_dir = Path(output) if output and len(docs) > 1 else None
    if out_dir is not None and not out_dir.is_dir():
        raise click.UsageError(f"-o {output}: not a folder (needed for several inputs)")
    to_stdout = not in_place and (output is None or output == "-")

    reports: list[Report] = []
    setup_failed = False
    for doc in docs:
        if in_place and doc.path is None:
            raise click.UsageError("--in-place cannot be used with stdin")
        try:
            signed = sign_message(
                doc.data if doc.data is not None else Path(doc.name),
                keystore=keystore,
                credentials=credentials,
                counters=counters,
                preserve_counter=preserve_counter,
                validate=not no_validate,
                config=config,
                at=at,
                allow_digital_signing=allow_digital_signing,
                dcc_eui=dcc,
                source=doc.name,
            )
        except InvalidRequestError as exc:
            report = error_report(doc.name, exc)
            report.messages.extend(m for m in exc.report.errors)
            reports.append(report)
            continue
        except InputError as exc:
            click.echo(str(exc), err=True)
            setup_failed = True
            continue
        except DuisError as exc:
            if exc.rule.startswith("counter."):
                fail_setup(exc)
            reports.append(error_report(doc.name, exc))
            continue
        if to_stdout:
            sys.stdout.buffer.write(signed.xml)
            sys.stdout.buffer.flush()
            dest = "stdout"
        else:
            target = (
                doc.path
                if in_place
                else (out_dir / Path(doc.name).name if out_dir else Path(str(output)))
            )
            assert target is not None
            try:
                atomic_write(target, signed.xml)
            except DuisError as exc:
                fail_setup(exc)
            dest = str(target)
        report = Report(doc.name, kind=signed.kind)
        counter = f", RequestID {signed.request_id}" if signed.request_id else ""
        report.add(
            Severity.INFO,
            "sign.signed",
            f"signed{counter} by {signed.signer.describe()} -> {dest}",
        )
        reports.append(report)
    render(reports, fmt, sys.stderr if to_stdout else sys.stdout, verbose=True)
    if setup_failed or inputs.missing:
        sys.exit(2)
    sys.exit(0 if all(r.valid for r in reports) else 1)
