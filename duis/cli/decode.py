"""``duis decode FILE...``: what a device said, from a DUIS response or raw GBCS bytes.

FILE is a DUIS response (every ``GBCSPayload`` in it is decoded), RTDS-style hex text
(``.HEX``) or binary GBCS. With ``--keystore`` the MAC or signature is checked and the
encrypted parts opened; without it the output says "not authenticated". Exit status:
0 every message decoded (and authenticated when a keystore was given), 1 a message was
malformed or failed authentication, 2 usage or set-up error.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

import click

from duis._exceptions import DuisError, InputError
from duis.cli._common import diagnostic, print_error
from duis.cli._inputs import Document, Note, Problem, expand
from duis.cli._render import printable
from duis.model._common import SR
from duis.xml import DEFAULT_MAX_BYTES
from mmc.gbcs._input import gbcs_input, payload_bytes
from mmc.payload import GBCSKeystore, message_to_json, to_mmc
from mmc.payload import decode as decode_gbcs

__all__ = [
    "decode",
    "gbcs_keys",
    "gbcs_payloads",
    "gbcs_summaries",
    "gbcs_text",
    "load_gbcs_keystore",
    "summarise",
]


def load_gbcs_keystore(folder: str | None) -> GBCSKeystore | None:
    """The ``--keystore`` folder's GBCS keys (``<EUI>-ka.key``...), or exit 2."""
    if folder is None:
        return None
    try:
        return GBCSKeystore.from_dir(folder)
    except DuisError as exc:
        diagnostic(folder, "error", exc.message, rule=exc.rule)
        sys.exit(2)


def gbcs_payloads(data: bytes, source: str, max_bytes: int) -> list[bytes]:
    """The GBCS messages in an input: a DUIS document's GBCSPayloads, hex text or binary."""
    return _payloads(data, source, max_bytes)[0]


def _payloads(data: bytes, source: str, max_bytes: int) -> tuple[list[bytes], str | None]:
    """:func:`gbcs_payloads` and, for a DUIS document, the SRV its header names."""
    found = gbcs_input(data, source=source, max_bytes=max_bytes)
    return list(found.payloads), found.srv


def _read(doc: Document, max_bytes: int) -> bytes:
    if doc.data is not None:
        data = doc.data
    else:
        with Path(doc.path or doc.name).open("rb") as handle:
            data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(f"larger than --max-bytes {max_bytes}", source=doc.name)
    return data


def gbcs_summaries(tree: Any, keys: GBCSKeystore | None) -> dict[str, Any]:
    """``{"gbcs": [...]}`` for a parsed DUIS document with GBCSPayloads (``duis inspect``).

    A payload that does not decode or authenticate is shown with its error, not hidden.
    """
    out: list[dict[str, Any]] = []
    for el in tree.iter(f"{{{SR}}}GBCSPayload"):
        try:
            out.append(summarise(payload_bytes(el), keys))
        except DuisError as exc:
            out.append({"error": {"rule": exc.rule, "message": exc.message}})
    return {"gbcs": out} if out else {}


@functools.cache
def gbcs_keys(folder: str | None) -> GBCSKeystore | None:
    """The GBCS keystore in ``folder``, loaded once per process (inspect's workers)."""
    return None if folder is None else GBCSKeystore.from_dir(folder)


def gbcs_text(gbcs: dict[str, Any], out: Any) -> None:
    """``duis inspect``'s lines for one decoded GBCSPayload."""
    if "error" in gbcs:
        error = gbcs["error"]
        out.write(f"  GBCS payload       not decoded: {error['message']} [{error['rule']}]\n")
        return
    out.write(f"  GBCS payload       {gbcs['use_case']} ({gbcs['authentication']})\n")
    if "firmware_version" in gbcs:
        out.write(f"  firmware version   {gbcs['firmware_version']}\n")
    if "alert_code" in gbcs:
        code = gbcs["alert_code"]
        out.write(f"  GBCS alert         {code['code']}: {code['name']}\n")
    out.write("  GBCS decoded:\n")
    for line in json.dumps(gbcs["payload"], indent=2).splitlines():
        out.write(f"    {line}\n")


def summarise(payload: bytes, keystore: GBCSKeystore | None) -> dict[str, Any]:
    """One GBCS message as JSON-friendly data (raises the library's errors)."""
    return message_to_json(decode_gbcs(payload, keystore))


def _text(path: str, summary: dict[str, Any], out: Any) -> None:
    out.write(f"{path}\n")
    for key in ("use_case", "frame", "cra", "originator", "recipient", "counter", "date_time"):
        if summary.get(key) is not None:
            out.write(f"  {key.replace('_', ' '):<18} {summary[key]}\n")
    out.write(f"  {'authentication':<18} {summary['authentication']}\n")
    if "alert_code" in summary:
        code = summary["alert_code"]
        out.write(f"  {'alert code':<18} {code['code']}: {code['name'] or 'not named by GBCS'}\n")
    out.write("  payload:\n")
    for line in json.dumps(summary["payload"], indent=2).splitlines():
        out.write(f"    {line}\n")


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="FILE...")
@click.option(
    "--keystore",
    metavar="DIR",
    help="Folder of GBCS keys named by EUI (<eui>-ka.key, <eui>-ka.pem, <eui>-ds.pem) "
    "to check MACs and signatures and decrypt; without it: not authenticated.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "json", "mmc")),
    default="text",
    show_default=True,
    help="text for people, json for programs, mmc for the MMC ra:GBCSResponse XML.",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Refuse inputs larger than this.",
)
def decode(paths: tuple[str, ...], keystore: str | None, fmt: str, max_bytes: int) -> None:
    """Decode GBCS device responses and alerts into typed values."""
    keys = load_gbcs_keystore(keystore)
    problems = missing = False
    results: list[dict[str, Any]] = []
    for doc in expand(paths, stdin_limit=max_bytes):
        if isinstance(doc, Problem):
            print_error(doc.message, name=doc.name)
            missing = True
            continue
        if isinstance(doc, Note):
            diagnostic(doc.name, "note", doc.message)
            continue
        try:
            data = _read(doc, max_bytes)
            payloads, srv = _payloads(data, doc.name, max_bytes)
        except (DuisError, OSError) as exc:
            message = exc.message if isinstance(exc, DuisError) else str(exc)
            rule = exc.rule if isinstance(exc, DuisError) else "input.unreadable"
            diagnostic(doc.name, "error", message, rule=rule)
            problems = True
            continue
        if not payloads:
            diagnostic(doc.name, "error", "no GBCSPayload to decode", rule="gbcs.malformed")
            problems = True
        for n, payload in enumerate(payloads):
            name = printable(doc.name)
            where = name if len(payloads) == 1 else f"{name}#{n + 1}"
            try:
                decoded = decode_gbcs(payload, keys)
                summary = message_to_json(decoded)
            except DuisError as exc:
                diagnostic(where, "error", exc.message, rule=exc.rule)
                problems = True
                results.append({"path": where, "error": {"rule": exc.rule, "message": exc.message}})
                continue
            if keys is None:
                diagnostic(
                    where,
                    "warning",
                    "decoded without a keystore: not authenticated",
                    rule="gbcs.not-authenticated",
                )
            results.append({"path": where, **summary})
            if fmt == "mmc":
                sys.stdout.write(to_mmc(decoded, srv=srv).decode("utf-8"))
            elif fmt == "text":
                _text(where, summary, sys.stdout)
    if fmt == "json":
        json.dump(results, sys.stdout, indent=2)
        sys.stdout.write("\n")
    if missing:
        sys.exit(2)
    sys.exit(1 if problems else 0)
