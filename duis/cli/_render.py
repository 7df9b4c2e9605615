"""Turning reports into what a person, a program or a CI log wants to read.

Text is one line per finding in the ``path:line:col: severity: message [rule]`` form
editors and grep understand, then one summary line. JSON is one object for the whole
run. ``github`` writes workflow commands so findings appear as annotations on a PR.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TextIO

from duis.report import Message, Report, Severity

__all__ = ["FORMATS", "render", "summary_line"]

FORMATS = ("text", "json", "github")


def _where(report: Report, message: Message) -> str:
    if message.line is None:
        return report.source
    return f"{report.source}:{message.line}:{message.column or 1}"


def text_line(report: Report, message: Message) -> str:
    return f"{_where(report, message)}: {message.severity.value}: {message.text} [{message.rule}]"


def summary_line(reports: Sequence[Report], hidden: int = 0) -> str:
    invalid = sum(1 for r in reports if not r.valid)
    counts = {s: 0 for s in Severity}
    for r in reports:
        for m in r.messages:
            counts[m.severity] += 1
    noun = "file" if len(reports) == 1 else "files"
    text = (
        f"{len(reports)} {noun} checked: {len(reports) - invalid} valid, {invalid} invalid "
        f"({counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} warnings, "
        f"{counts[Severity.INFO]} notes)"
    )
    if hidden:
        text += f"; {hidden} notes not shown (-v shows them)"
    return text


def _escape_github(value: str, *, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render(reports: Sequence[Report], fmt: str, out: TextIO, *, verbose: bool = False) -> None:
    """Write ``reports`` to ``out`` in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "json":
        doc = {"valid": all(r.valid for r in reports), "files": [r.to_json() for r in reports]}
        json.dump(doc, out, indent=2)
        out.write("\n")
        return
    hidden = 0
    for report in reports:
        for message in report.messages:
            if message.severity is Severity.INFO and not verbose:
                hidden += 1
                continue
            if fmt == "github":
                props = [f"file={_escape_github(report.source, prop=True)}"]
                if message.line is not None:
                    props.append(f"line={message.line}")
                    if message.column:
                        props.append(f"col={message.column}")
                props.append(f"title={_escape_github(message.rule, prop=True)}")
                out.write(
                    f"::{_GITHUB_LEVEL[message.severity]} {','.join(props)}::"
                    f"{_escape_github(message.text)}\n"
                )
            else:
                out.write(text_line(report, message) + "\n")
    out.write(summary_line(reports, hidden) + "\n")
