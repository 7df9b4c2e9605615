"""``duis precommand``: check and sign the DCC's Pre-Command, inspect GBCS messages.

``duis precommand sign RESPONSE --request REQ --keystore DIR [--cv 5|6|7] -o OUT``
checks the PreCommand response against the CV 4 request (rules ``precommand.*``),
signs the GBCS command with the originator's Digital Signing key and writes the
xmlSigned SignedPreCommand request. A failed check prints each finding with its rule
id, writes nothing and exits 1; ``--override RULE`` skips one named check.

``duis precommand inspect FILE...`` prints the GBCS header of each file (a DUIS
response or SignedPreCommand request with a GBCSPayload, a hex file as in DCC's RTDS,
or raw GBCS bytes) and, with ``--request``, the checks against that request.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from duis._exceptions import DuisError, InputError
from duis.cli._common import (
    EXIT_CLEAN,
    EXIT_PROBLEMS,
    EXIT_SETUP,
    diagnostic,
    fail_setup,
    load_keystore,
    parse_at,
    print_error,
    same_file,
)
from signing._gbcs_precommand import CHECK_RULES

__all__ = ["precommand"]

#: A GBCS message is at most a few kB; a file far larger is not one.
_MAX_BYTES = 1 << 20


@click.group()
def precommand() -> None:
    """Check and sign Pre-Commands (critical commands); inspect GBCS messages."""


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(_MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", source=path) from None
    if len(data) > _MAX_BYTES:
        raise InputError(f"larger than {_MAX_BYTES} bytes: not a GBCS message", source=path)
    return data


def _gbcs_bytes(path: str, data: bytes) -> bytes:
    """The GBCS bytes a file holds: a DUIS message's GBCSPayload, hex text, or raw."""
    from mmc.gbcs._input import gbcs_input

    found = gbcs_input(data, source=path, max_bytes=_MAX_BYTES)
    if not found.payloads:
        raise InputError("the DUIS message has no GBCSPayload", source=path)
    return found.payloads[0]


@precommand.command("inspect")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--request",
    "request_path",
    type=click.Path(dir_okay=False),
    help="A CV 4 request: also run the Pre-Command checks against it.",
)
def inspect_cmd(files: tuple[str, ...], request_path: str | None) -> None:
    """Print the GBCS header of each FILE (and the checks, with --request)."""
    from duis.model import Request, Response
    from duis.model import parse as parse_model
    from mmc.gbcs import read_message
    from signing import check_pre_command

    request = None
    if request_path is not None:
        try:
            model = parse_model(_read(request_path), source=request_path)
        except DuisError as exc:
            fail_setup(exc)
        if not isinstance(model, Request):
            fail_setup(f"{request_path}: --request is not a DUIS request")
        request = model
    problems = False
    for path in files:
        try:
            data = _read(path)
            message = read_message(_gbcs_bytes(path, data), source=path)
        except DuisError as exc:
            print_error(exc, name=path)
            problems = True
            continue
        code = message.message_code
        click.echo(f"{path}: {message.kind} {message.cra_flag}")
        click.echo(f"  message code: 0x{code.code:04X} {code.title or code.use_case or 'unknown'}")
        click.echo(f"  SRVs: {', '.join(code.srvs) or '-'}")
        click.echo(f"  counter: {message.counter}")
        click.echo(f"  originator: {message.originator}  target: {message.target}")
        click.echo(f"  date-time: {message.date_time.hex() if message.date_time else '-'}")
        click.echo(f"  payload: {len(message.payload)} bytes")
        sig = f"{len(message.signature)} bytes" if message.signature else "none"
        pre = " (Pre-Command: to be signed)" if message.is_pre_command else ""
        click.echo(f"  signature: {sig}{pre}")
        if message.mac is not None:
            click.echo(f"  MAC header: invocation counter {message.invocation_counter}")
        if request is None:
            continue
        try:
            response = parse_model(data, source=path)
        except DuisError as exc:
            print_error(exc, name=path)
            problems = True
            continue
        if not isinstance(response, Response):
            print_error("not a DUIS response: no checks [precommand.not-precommand]", name=path)
            problems = True
            continue
        findings = check_pre_command(request, response, message)
        for f in findings:
            click.echo(f"{path}: error: {f.message} [{f.rule}]")
        problems = problems or bool(findings)
        if not findings:
            click.echo("  checks: all passed")
    sys.exit(EXIT_PROBLEMS if problems else EXIT_CLEAN)


@precommand.command("sign")
@click.argument("response", type=click.Path(dir_okay=False))
@click.option(
    "--request",
    "request_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="The CV 4 request the Pre-Command answers.",
)
@click.option(
    "--keystore",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder with the originator's Digital Signing and xmlSign keys.",
)
@click.option(
    "--cv",
    type=click.Choice(["5", "6", "7"]),
    default="5",
    show_default=True,
    help="CommandVariant of the SignedPreCommand request.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Where to write the signed request (written atomically).",
)
@click.option(
    "--override",
    multiple=True,
    type=click.Choice(CHECK_RULES),
    help="Skip one named check (repeatable). Signs what the check refused.",
)
@click.option("--at", "at_text", help="Sign as at this time (ISO 8601), for old test keys.")
def sign_cmd(
    response: str,
    request_path: str,
    keystore: str,
    cv: str,
    output: str,
    override: tuple[str, ...],
    at_text: str | None,
) -> None:
    """Check RESPONSE's Pre-Command against --request, sign it, write the CV 5/6/7 request."""
    from duis.fileio import atomic_write
    from signing import PreCommandCheckError, sign_precommand

    for label, given in (("RESPONSE", response), ("--request", request_path)):
        if same_file(output, given):
            fail_setup(
                f"-o {output} is the {label} file: the signed request would replace it; "
                "write it elsewhere"
            )
    store = load_keystore(keystore)
    at = parse_at(at_text)
    try:
        resp_data = _read(response)
        req_data = _read(request_path)
    except DuisError as exc:
        fail_setup(exc)
    try:
        out = sign_precommand(
            resp_data,
            request=req_data,
            keystore=store,
            cv=int(cv),
            override=override,
            at=at,
            response_source=response,
            request_source=request_path,
        )
    except PreCommandCheckError as exc:
        for f in exc.findings:
            diagnostic(response, "error", f.message, rule=f.rule)
        click.echo(f"duis: nothing signed; {output} not written", err=True)
        sys.exit(EXIT_PROBLEMS)
    except DuisError as exc:
        print_error(exc)
        sys.exit(EXIT_PROBLEMS)
    try:
        atomic_write(Path(output), out.xml)
    except DuisError as exc:
        print_error(exc)
        sys.exit(EXIT_SETUP)
    click.echo(
        f"{output}: signed {out.command.message_code} counter {out.command.counter} "
        f"as CommandVariant {cv}",
        err=True,
    )
