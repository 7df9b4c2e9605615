"""``duis validate PATH...``: the verdict on files, folders or stdin."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from duis._exceptions import ConfigError, DuisError, InputError
from duis.catalogue import UserRole
from duis.cli._inputs import Document, Inputs
from duis.cli._render import FORMATS, render
from duis.cli._setup import fail_setup, registry_from
from duis.config import Config
from duis.configfile import apply_options, load_config
from duis.ids import EUI64
from duis.model import Request
from duis.model import parse as parse_message
from duis.report import Message, Report, Severity
from duis.rules import AlertSequences
from duis.schemas import SchemaRegistry
from duis.validate import parse_or_report, validate_tree
from duis.xml import DEFAULT_MAX_BYTES
from mmc import GBCS_RESPONSE, validate_gbcs_tree

__all__ = ["validate"]


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--schema-dir",
    "schema_dirs",
    multiple=True,
    metavar="DIR",
    help="Folder of DCC's official XSDs (repeatable; a folder of such folders works too). "
    "Default: the embedded schemas, plus $DUIS_SCHEMA_DIR.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for people, json for programs, github for workflow annotations.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (duis.toml or pyproject.toml with [tool.duis]). Default: the "
    "nearest one found walking up from the current folder.",
)
@click.option(
    "--role",
    type=click.Choice([r.value for r in UserRole], case_sensitive=False),
    help="The sender's User Role, for the eligibility rule.",
)
@click.option(
    "--smets",
    type=click.Choice(["1", "2"]),
    help="Device generation for install-code lengths (2 means SMETS2+).",
)
@click.option("--dcc-eui", metavar="EUI", help="The DCC's EUI-64, for non-device targets.")
@click.option(
    "--select", multiple=True, metavar="RULES", help="Only these rules or families (comma list)."
)
@click.option("--ignore", multiple=True, metavar="RULES", help="Drop these rules or families.")
@click.option(
    "--severity",
    multiple=True,
    metavar="RULE=LEVEL",
    help="Re-grade a rule or family: error, warning or info.",
)
@click.option(
    "--request",
    "request_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The request the responses answer: each response is also checked against it "
    "(RequestID, ResponseID, SRV, content for the CommandVariant).",
)
@click.option(
    "--keystore",
    "keystore_dir",
    metavar="DIR",
    help="Also verify signed messages with these certificates; with --request, a signed "
    "response must then be the DCC's (correlate.signer).",
)
@click.option(
    "--at", "at_text", metavar="TIME", help="With --keystore: check certificates at this time."
)
@click.option("-v", "--verbose", is_flag=True, help="Also show notes (info findings).")
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Refuse documents larger than this.",
)
def validate(
    paths: tuple[str, ...],
    schema_dirs: tuple[str, ...],
    fmt: str,
    config_file: Path | None,
    role: str | None,
    smets: str | None,
    dcc_eui: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    severity: tuple[str, ...],
    request_file: Path | None,
    keystore_dir: str | None,
    at_text: str | None,
    verbose: bool,
    max_bytes: int,
) -> None:
    """Validate DUIS requests, responses and MMC output.

    PATH is a file, a folder (walked for *.xml in any case) or - for stdin. Exit
    status: 0 all valid (warnings allowed), 1 something invalid, 2 usage or set-up
    error (unreadable path, schema folder that will not load).
    """
    try:
        config = apply_options(
            load_config(Path.cwd(), explicit=config_file),
            role=role,
            smets=smets,
            dcc_eui=dcc_eui,
            select=select,
            ignore=ignore,
            severity=severity,
            schema_dirs=schema_dirs,
        )
    except ConfigError as exc:
        fail_setup(exc)
    registry = registry_from(tuple(str(d) for d in config.schema_dirs))
    request = _load_request(request_file, max_bytes) if request_file is not None else None
    checker = None
    if keystore_dir is not None:
        from duis.cli.verify import parse_at

        checker = _SignatureCheck(keystore_dir, parse_at(at_text), config)
    reports: list[Report] = []
    setup_failed = False
    sequences = AlertSequences()  # throttling sequence ids, across this run's files
    inputs = Inputs(paths, stdin_limit=max_bytes)
    for doc in inputs:
        try:
            reports.append(_one(doc, registry, config, max_bytes, request, checker, sequences))
        except DuisError as exc:
            click.echo(f"{exc}", err=True)
            setup_failed = True
    render(reports, fmt, sys.stdout, verbose=verbose)
    if setup_failed or inputs.missing:
        sys.exit(2)
    sys.exit(0 if all(r.valid for r in reports) else 1)


def _load_request(path: Path, max_bytes: int) -> Request:
    """The --request document, or exit 2: without it no response can be matched."""
    try:
        message = parse_message(path, max_bytes=max_bytes)
    except DuisError as exc:
        fail_setup(f"--request {exc}")
    if not isinstance(message, Request):
        fail_setup(f"--request {path}: is a response, not a request")
    return message


def _one(
    doc: Document,
    registry: SchemaRegistry,
    config: Config,
    max_bytes: int,
    request: Request | None,
    checker: _SignatureCheck | None,
    sequences: AlertSequences | None = None,
) -> Report:
    data: bytes | Path = doc.data if doc.data is not None else Path(doc.name)
    tree, name = parse_or_report(data, source=doc.name, max_bytes=max_bytes)
    if isinstance(tree, Report):
        report = tree
    elif tree.getroot().tag == GBCS_RESPONSE:
        # MMC output: the schema, then whether its ...Rsp element is the one the SRV
        # (from --request, else the output's own header) produces.
        report = validate_gbcs_tree(
            tree,
            srv=request.srv if request is not None else None,
            schemas=registry,
            config=config,
            source=name,
        )
    else:
        signer: EUI64 | None = None
        findings: list[Message] = []
        if checker is not None and tree.getroot().find(_SIGNATURE) is not None:
            signer, findings = checker.check(data, name)
        report = validate_tree(
            tree,
            schemas=registry,
            config=config,
            source=name,
            request=request,
            signer=signer,
            sequences=sequences,
        )
        for message in findings:
            graded = config.grade(message)
            if graded is not None:
                report.messages.append(graded)
    if doc.data is not None and not doc.data:
        report.add(Severity.ERROR, "xml.malformed", "standard input was empty")
    return report


_SIGNATURE = "{http://www.w3.org/2000/09/xmldsig#}Signature"


class _SignatureCheck:
    """``--keystore``: verify a signed message, so its signer is known, not assumed."""

    def __init__(self, folder: str, at: datetime | None, config: Config) -> None:
        # Imported here: plain validation never pays for loading the signing code.
        from duis.cli.verify import load_keystore

        self.keystore = load_keystore(folder)
        self.at = at
        self.config = config

    def check(self, data: bytes | Path, name: str) -> tuple[EUI64 | None, list[Message]]:
        """The verified signer's EUI-64, or None and the finding that says why not."""
        from signing import verify as verify_message

        try:
            result = verify_message(
                data,
                self.keystore,
                at=self.at,
                require_signature=False,
                dcc_eui=self.config.dcc_eui,
                source=name,
            )
        except InputError:
            raise
        except DuisError as exc:
            return None, [Message(Severity.ERROR, exc.rule, exc.message, exc.line)]
        if result.signer is None or result.signer.eui is None:
            return None, []
        notes = [Message(Severity.INFO, "signature.valid", f"signed by {result.signer.describe()}")]
        return result.signer.eui, notes
