"""``duis inspect FILE...``: what a message says, at a glance.

Kind, who sent it to whom, the counter, the SRV with its name, the CommandVariant,
response and alert codes with their meanings, and the body as typed data. A file
that cannot be read is reported on stderr in the usual ``path:line:col`` form and the
run carries on with the rest.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from duis._exceptions import DuisError, InputError
from duis.cli._common import (
    EXIT_INTERRUPTED,
    diagnostic,
    exit_code,
    files_from_option,
    given_paths,
    jobs_option,
    load_keystore,
    not_the_output,
    open_output,
    output_file_option,
    parse_at,
    print_error,
    registry_from,
)
from duis.cli._inputs import Document, Note, Problem, expand
from duis.cli._render import printable
from duis.namespaces import DS, clark
from duis.xml import DEFAULT_MAX_BYTES

if TYPE_CHECKING:
    from duis.schemas import SchemaRegistry
    from signing import Keystore

__all__ = ["inspect"]

_LABELS = (
    ("kind", "kind"),
    ("schema_version", "schema version"),
    ("originator", "originator"),
    ("target", "target"),
    ("counter", "counter"),
    ("request_id", "request id"),
    ("srv", "SRV"),
    ("command_variant", "command variant"),
    ("response_code", "response code"),
    ("response_datetime", "response time"),
    ("alert_code", "alert code"),
    ("alert_description", "alert text"),
    ("alert_device", "alert device"),
    ("throttling", "throttling"),
    ("instruction", "instruction"),
    ("content", "content"),
    ("body_element", "body element"),
    ("response_element", "MMC element"),
    ("message_success", "message success"),
    ("message_code", "GBCS message code"),
    ("timestamp", "timestamp"),
    ("signature", "signature"),
)


def _value(key: str, value: Any) -> str:
    if key == "srv":
        name = value["name"] or "not a DUIS SRV"
        where = f" (from {value['from']})" if value.get("from") else ""
        return f"{value['srv']} {name}{where}"
    if key == "command_variant":
        return f"{value['value']}: {value['meaning']}"
    if key in ("response_code", "alert_code"):
        category = f" [{value['category']}]" if value["category"] else ""
        return f"{value['code']}{category}: {value['meaning']}"
    if key == "signature":
        return str(value["status"]) + (f": {value['detail']}" if value.get("detail") else "")
    if key == "throttling":
        return str(value["text"])
    if key == "instruction":
        return f"{value['number']} of {value['of']}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _text(summary: dict[str, Any], out: TextIO) -> None:
    out.write(f"{summary['path']}\n")
    for key, label in _LABELS:
        if key not in summary:
            continue
        value = summary[key]
        if value is None:
            if key in ("originator", "target", "counter"):
                out.write(f"  {label:<18} (not given)\n")
            continue
        out.write(f"  {label:<18} {_value(key, value)}\n")
    if "gbcs" in summary:
        from duis.cli.decode import gbcs_text

        for gbcs in summary["gbcs"]:
            gbcs_text(gbcs, out)
    if "body" in summary:
        how = "typed by " + summary.get("body_schema", "?") if summary["body_typed"] else "as text"
        out.write(f"  body ({how}):\n")
        for line in json.dumps(summary["body"], indent=2).splitlines():
            out.write(f"    {line}\n")


@click.command()
@click.argument("paths", nargs=-1, metavar="FILE...")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="text for people, json for programs.",
)
@click.option(
    "--schema-dir",
    "schema_dirs",
    multiple=True,
    metavar="DIR",
    help="Folder of DCC's official XSDs, used to type the body (repeatable). "
    "Default: the embedded schemas, plus $DUIS_SCHEMA_DIR.",
)
@click.option("--no-body", is_flag=True, help="Leave the body out (no schema decoding: fast).")
@click.option(
    "--keystore",
    "keystore_dir",
    metavar="DIR",
    help="Verify signatures with these certificates (without it: 'present, not checked').",
)
@click.option("--at", "at_text", metavar="TIME", help="With --keystore: check certificates then.")
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Refuse documents larger than this.",
)
@click.option(
    "--gbcs-keystore",
    metavar="DIR",
    help="GBCS keys by EUI (<eui>-ka.key, -ka.pem, -ds.pem) to authenticate and decrypt "
    "the GBCSPayload (without: decoded, not authenticated).",
)
@files_from_option
@jobs_option
@output_file_option
def inspect(
    paths: tuple[str, ...],
    fmt: str,
    schema_dirs: tuple[str, ...],
    no_body: bool,
    keystore_dir: str | None,
    at_text: str | None,
    max_bytes: int,
    gbcs_keystore: str | None,
    files_from: str | None,
    jobs: int,
    output_file: Path | None,
) -> None:
    """Show what DUIS requests, responses, alerts and MMC output say.

    FILE is a file, a folder (walked for *.xml) or - for stdin. A signature is shown
    as verified, failed (with the reason) or present but not checked (no --keystore).
    Exit status: 0 every file inspected, 1 some file could not be read as a message,
    2 usage or set-up error (missing path, schema folder that will not load).
    """
    from duis.cli._batch import run_ordered, worker_count

    if not paths and files_from is None:
        raise click.UsageError("give at least one FILE (or --files-from)")
    registry = None if no_body else registry_from(schema_dirs)
    keystore = load_keystore(keystore_dir) if keystore_dir else None
    from duis.cli.decode import load_gbcs_keystore

    load_gbcs_keystore(gbcs_keystore)  # a bad folder stops the run here (exit 2)
    work = _Inspector(registry, not no_body, max_bytes, keystore, parse_at(at_text), gbcs_keystore)
    items = not_the_output(
        expand(given_paths(paths, files_from), stdin_limit=max_bytes), output_file
    )
    unreadable = setup_failed = False
    with open_output(output_file) as out:
        if fmt == "json":
            out.write("[")
        first = True
        results = run_ordered(
            items,
            work,
            jobs=worker_count(jobs),
            eligible=lambda i: isinstance(i, Document),
            lost=_lost,
        )
        interrupted = False
        try:
            for item in results:
                if isinstance(item, Problem):
                    print_error(item.message, name=item.name)
                    setup_failed = True
                    continue
                if isinstance(item, Note):
                    diagnostic(item.name, "note", item.message)
                    continue
                doc, summary = item
                if "error" in summary:
                    error = summary["error"]
                    where = error["where"]
                    diagnostic(where, "error", error["message"], rule=error["rule"])
                    if error["rule"] == "input":
                        setup_failed = True
                    else:
                        unreadable = True
                    if fmt != "json":
                        continue
                    summary = {
                        "path": doc.name,
                        "error": {k: error[k] for k in ("rule", "message", "line")},
                    }
                if "path" in summary:  # the name as every format shows it
                    summary["path"] = printable(summary["path"])
                if fmt == "json":
                    text = json.dumps(summary, indent=2).replace("\n", "\n  ")
                    out.write(("," if not first else "") + "\n  " + text)
                    first = False
                else:
                    _text(summary, out)
        except KeyboardInterrupt:
            interrupted = True  # the JSON array is still closed below
        finally:
            results.close()  # stops and reaps the workers
        if fmt == "json":
            out.write("\n]\n" if not first else "]\n")
    if interrupted:
        click.echo(
            "duis: interrupted: the files shown above were inspected, the rest not", err=True
        )
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(exit_code(problems=unreadable, setup_failed=setup_failed))


def _lost(doc: Document, why: str) -> dict[str, Any]:
    """The summary of a file whose worker died on it: an input error (exit 2)."""
    from duis.cli._batch import lost_message

    message = lost_message(why)
    return {"error": {"where": doc.name, "message": message, "rule": "input", "line": None}}


@dataclass
class _Inspector:
    """The work for one file: its summary, or the error that stopped reading it."""

    registry: SchemaRegistry | None
    body: bool
    max_bytes: int
    keystore: Keystore | None
    at: datetime | None
    #: Folder of GBCS keys (a path, loaded in the worker: keys do not pickle).
    gbcs_keystore: str | None = None

    def __call__(self, doc: Document) -> dict[str, Any]:
        from duis.cli.decode import gbcs_keys, gbcs_summaries
        from duis.xml import parse as parse_xml
        from duis.xml import read_input
        from mmc import describe  # the CLI is the one place that sees mmc

        try:
            if doc.data is not None:
                data = doc.data
            else:
                assert doc.path is not None
                data, _ = read_input(doc.path, source=doc.name, max_bytes=self.max_bytes)
            tree = parse_xml(data, source=doc.name, max_bytes=self.max_bytes)
            summary = describe(tree, source=doc.name, registry=self.registry, body=self.body)
            summary.update(gbcs_summaries(tree, gbcs_keys(self.gbcs_keystore)))
        except InputError as exc:
            return {
                "error": {"where": doc.name, "rule": "input", "message": exc.message, "line": None}
            }
        except DuisError as exc:
            where = exc.source or doc.name
            if exc.line is not None:
                where += f":{exc.line}:{exc.column or 1}"
            return {
                "error": {
                    "where": where,
                    "rule": exc.rule,
                    "message": exc.message,
                    "line": exc.line,
                }
            }
        summary.pop("signed", None)  # "signed yes" says nothing about a bad signature
        summary["signature"] = self._signature(data, doc.name)
        return summary

    def _signature(self, data: bytes, name: str) -> dict[str, str]:
        """verified / failed / unsigned / not-checked, with who signed or why it failed."""
        from signing import SignatureStatus, check_signature

        try:
            check = check_signature(data, self.keystore, at=self.at, source=name)
        except DuisError as exc:
            return {"status": "failed", "detail": f"{exc.message} [{exc.rule}]"}
        out = {"status": check.status.value}
        if check.status is SignatureStatus.VERIFIED and check.result is not None:
            signer = check.result.signer
            out["detail"] = f"signed by {signer.describe()}" if signer else ""
        elif check.status is SignatureStatus.FAILED and check.error is not None:
            out["detail"] = f"{check.error.message} [{check.error.rule}]"
        elif check.status is SignatureStatus.NOT_CHECKED:
            out["detail"] = "give --keystore DIR to verify it"
        return out


_SIGNATURE = clark(DS, "Signature")
