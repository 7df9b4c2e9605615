"""``duis validate PATH...``: the verdict on files, folders or stdin."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from duis._exceptions import DuisError
from duis.cli._inputs import Document, expand
from duis.cli._render import FORMATS, render
from duis.cli._setup import registry_from
from duis.report import Report, Severity
from duis.schemas import SchemaRegistry
from duis.validate import validate as validate_document
from duis.xml import DEFAULT_MAX_BYTES

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
    verbose: bool,
    max_bytes: int,
) -> None:
    """Validate DUIS requests, responses and MMC output.

    PATH is a file, a folder (walked for *.xml in any case) or - for stdin. Exit
    status: 0 all valid (warnings allowed), 1 something invalid, 2 usage or set-up
    error (unreadable path, schema folder that will not load).
    """
    registry = registry_from(schema_dirs)
    reports: list[Report] = []
    setup_failed = False
    for doc in expand(paths, stdin_limit=max_bytes):
        if isinstance(doc, OSError):
            click.echo(f"{doc.filename}: error: {doc.strerror}", err=True)
            setup_failed = True
            continue
        try:
            reports.append(_one(doc, registry, max_bytes))
        except DuisError as exc:
            click.echo(f"{exc}", err=True)
            setup_failed = True
    render(reports, fmt, sys.stdout, verbose=verbose)
    if setup_failed:
        sys.exit(2)
    sys.exit(0 if all(r.valid for r in reports) else 1)


def _one(doc: Document, registry: SchemaRegistry, max_bytes: int) -> Report:
    data: bytes | Path = doc.data if doc.data is not None else Path(doc.name)
    report = validate_document(data, schemas=registry, source=doc.name, max_bytes=max_bytes)
    if doc.data is not None and not doc.data:
        report.add(Severity.ERROR, "xml.malformed", "standard input was empty")
    return report
