"""``duis track add FILE...`` and ``duis track status``: the tracker on the command line.

``add`` feeds requests that were sent and everything that came back, in any order
(each file one transaction; a file already recorded is reported as a duplicate and
changes nothing); ``status`` prints where every request stands, which future-dated
commands have every instruction's outcome and what throttling held back per device.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from duis._exceptions import DuisError
from duis.cli._common import diagnostic, fail_setup, parse_at
from duis.cli._inputs import Document, Note, Problem, expand
from duis.cli._render import printable
from duis.tracker import DEFAULT_TIMEOUT, ENV_VAR, RequestState, Tracker, TrackerStatus
from duis.xml import DEFAULT_MAX_BYTES

__all__ = ["track"]

_DB_HELP = (
    "The tracker's SQLite file. Default: $" + ENV_VAR + ", else tracker.sqlite3 in the "
    "per-user data folder (beside the counter store)."
)


def _open(db: Path | None, durable: bool = True) -> Tracker:
    try:
        return Tracker(db, durable=durable)
    except DuisError as exc:
        fail_setup(exc)


@click.group()
def track() -> None:
    """Track requests to their outcome: feed what was sent and what came back."""


@track.command("add")
@click.argument("paths", nargs=-1, required=True, metavar="FILE...")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), help=_DB_HELP)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Refuse documents larger than this.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only problems and the summary.")
def add(paths: tuple[str, ...], db: Path | None, max_bytes: int, quiet: bool) -> None:
    """Record requests, responses and alerts (files, folders or - for stdin).

    Exit status: 0 every file recorded (duplicates included), 1 some file could not
    be read as a DUIS message, 2 a path missing or the store unusable.
    """
    tracker = _open(db)
    added = duplicates = unreadable = 0
    missing = False
    with tracker:
        for doc in expand(paths, stdin_limit=max_bytes):
            if isinstance(doc, (Problem, Note)):
                level = "error" if isinstance(doc, Problem) else "note"
                diagnostic(doc.name, level, doc.message)
                missing = missing or isinstance(doc, Problem)
                continue
            assert isinstance(doc, Document)
            data: bytes | Path = doc.data if doc.data is not None else Path(doc.name)
            try:
                result = tracker.add(data, source=doc.name, max_bytes=max_bytes)
            except DuisError as exc:
                if exc.rule == "tracker.store":
                    fail_setup(exc)
                diagnostic(
                    exc.source or doc.name,
                    "error",
                    exc.message,
                    rule=exc.rule,
                    line=exc.line,
                    column=exc.column,
                )
                unreadable += 1
                continue
            if result.new:
                added += 1
            else:
                duplicates += 1
            if not quiet:
                what = "added" if result.new else "duplicate (already recorded)"
                rid = f" {result.request_id}" if result.request_id else ""
                click.echo(f"{printable(doc.name)}: {result.kind}{rid}: {what}")
    click.echo(f"{added} added, {duplicates} duplicates, {unreadable} unreadable")
    if missing:
        sys.exit(2)
    sys.exit(1 if unreadable else 0)


@track.command("status")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), help=_DB_HELP)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="text for people, json for programs.",
)
@click.option(
    "--timeout",
    # At most about 31 years: a time-out is hours or days, and timedelta (and the
    # datetimes it is added to) cannot hold an arbitrary number of seconds.
    type=click.IntRange(min=0, max=10**9),
    default=int(DEFAULT_TIMEOUT.total_seconds()),
    show_default=True,
    help="Seconds without an outcome (after the execution time, if future-dated) before "
    "a request counts as timed out.",
)
@click.option("--at", "at_text", metavar="DATETIME", help="Judge time-outs as of this time.")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice([s.value for s in RequestState]),
    help="List only requests in this state (repeatable); the counts stay whole.",
)
def status(
    db: Path | None, fmt: str, timeout: int, at_text: str | None, states: tuple[str, ...]
) -> None:
    """Where every request stands; future-dated commands; throttling per device.

    Exit status: 0 (whatever the requests' states), 2 the store unusable.
    """
    at = parse_at(at_text)
    tracker = _open(db)
    try:
        with tracker:
            result = tracker.status(at=at, timeout=timedelta(seconds=timeout))
    except DuisError as exc:
        fail_setup(exc)
    if fmt == "json":
        data = result.to_json()
        if states:
            data["requests"] = [r.to_json() for r in result.requests if r.state.value in states]
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    _text(result, set(states), sys.stdout)


def _text(result: TrackerStatus, states: set[str], out: Any) -> None:
    counts = result.counts()
    out.write(
        f"{len(result.requests)} requests ({', '.join(f'{n} {s}' for s, n in counts.items())}) "
        f"from {result.messages} messages, as of {result.at.isoformat(timespec='seconds')}\n"
    )
    for r in result.requests:
        if states and r.state.value not in states:
            continue
        code = f" {r.response_code}" if r.response_code else ""
        srv = f" SRV {r.srv}" if r.srv else ""
        out.write(f"  {r.state.value:<9} {r.request_id}{srv}{code}: {r.reason}\n")
    if result.future_dated:
        out.write("future-dated commands:\n")
        for f in result.future_dated:
            if f.all_instructions:
                done = f"all {f.total} instructions reported"
            else:
                done = f"missing {', '.join(str(n) for n in f.missing)} of {f.total}"
            failed = f"; failed {', '.join(str(n) for n in f.failed)}" if f.failed else ""
            out.write(f"  {f.request_id} SRV {f.srv or '?'}: {done}{failed}\n")
    if result.throttling:
        out.write("throttled alerts per device:\n")
        for t in result.throttling:
            gaps = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in t.gaps) or "none"
            out.write(
                f"  {t.device}: {t.alerts} alerts received, {t.throttled_count} held back "
                f"(ThrottledAlertCount), sequence ids {t.first_sequence_id}..{t.last_sequence_id}, "
                f"missing {gaps}\n"
            )
