"""``duis inspect FILE...``: what a message says, at a glance.

Kind, who sent it to whom, the counter, the SRV with its name, the CommandVariant,
response and alert codes with their meanings, and the body as typed data. A file
that cannot be read is reported on stderr in the usual ``path:line:col`` form and the
run carries on with the rest.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from duis._exceptions import DuisError
from duis.cli._inputs import Inputs
from duis.cli._setup import registry_from
from duis.xml import DEFAULT_MAX_BYTES
from duis.xml import parse as parse_xml

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
    ("signed", "signed"),
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
    if key == "throttling":
        return str(value["text"])
    if key == "instruction":
        return f"{value['number']} of {value['of']}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _text(summary: dict[str, Any], out: Any) -> None:
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
    for gbcs in summary.get("gbcs", ()):
        _gbcs_text(gbcs, out)
    if "body" in summary:
        how = "typed by " + summary.get("body_schema", "?") if summary["body_typed"] else "as text"
        out.write(f"  body ({how}):\n")
        for line in json.dumps(summary["body"], indent=2).splitlines():
            out.write(f"    {line}\n")


def _gbcs_text(gbcs: dict[str, Any], out: Any) -> None:
    if "error" in gbcs:
        out.write(f"  GBCS payload       not decoded: {gbcs['error']['message']}\n")
        return
    out.write(f"  GBCS payload       {gbcs['use_case']} ({gbcs['authentication']})\n")
    if "firmware_version" in gbcs:
        out.write(f"  firmware version   {gbcs['firmware_version']}\n")
    if "alert_code" in gbcs:
        out.write(
            f"  GBCS alert         {gbcs['alert_code']['code']}: {gbcs['alert_code']['name']}\n"
        )
    out.write("  GBCS decoded:\n")
    for line in json.dumps(gbcs["payload"], indent=2).splitlines():
        out.write(f"    {line}\n")


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="FILE...")
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
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Refuse documents larger than this.",
)
@click.option(
    "--keystore",
    metavar="DIR",
    help="GBCS keys by EUI (<eui>-ka.key, -ka.pem, -ds.pem): authenticate and decrypt "
    "the GBCSPayload (without: decoded, not authenticated).",
)
def inspect(
    paths: tuple[str, ...],
    fmt: str,
    schema_dirs: tuple[str, ...],
    no_body: bool,
    max_bytes: int,
    keystore: str | None,
) -> None:
    """Show what DUIS requests, responses, alerts and MMC output say.

    FILE is a file, a folder (walked for *.xml) or - for stdin. Exit status: 0 every
    file inspected, 1 some file could not be read as a message, 2 usage or set-up
    error (missing path, schema folder that will not load).
    """
    from duis.cli.decode import gbcs_summaries, load_gbcs_keystore
    from mmc import describe  # the CLI is the one place that sees mmc

    keys = load_gbcs_keystore(keystore)
    registry = None if no_body else registry_from(schema_dirs)
    summaries: list[dict[str, Any]] = []
    unreadable = False
    inputs = Inputs(paths, stdin_limit=max_bytes)
    for doc in inputs:
        try:
            data: bytes | Path = doc.data if doc.data is not None else Path(doc.name)
            tree = parse_xml(data, source=doc.name, max_bytes=max_bytes)
            summary = describe(tree, source=doc.name, registry=registry, body=not no_body)
            summary.update(gbcs_summaries(tree, keys))
        except DuisError as exc:
            where = exc.source or doc.name
            if exc.line is not None:
                where += f":{exc.line}:{exc.column or 1}"
            click.echo(f"{where}: error: {exc.message} [{exc.rule}]", err=True)
            unreadable = True
            if fmt == "json":
                summaries.append(
                    {
                        "path": doc.name,
                        "error": {"rule": exc.rule, "message": exc.message, "line": exc.line},
                    }
                )
            continue
        summaries.append(summary)
        if fmt == "text":
            _text(summary, sys.stdout)
    if fmt == "json":
        json.dump(summaries, sys.stdout, indent=2)
        sys.stdout.write("\n")
    if inputs.missing:
        sys.exit(2)
    sys.exit(1 if unreadable else 0)
