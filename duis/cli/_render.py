"""Turning reports into what a person, a program or a CI system reads, one file at a time.

Every format is a :class:`Sink` fed one report as soon as it is ready, so a run over
100,000 files holds one report at a time, not all of them. ``text`` is one line per
finding in the ``path:line:col: severity: message [rule]`` form editors and grep
understand, then one summary line. ``json`` is one object: ``files`` (streamed),
then ``errors`` (set-up errors such as a missing path), ``skipped`` and ``summary``.
``github`` writes workflow commands (annotations on a PR). ``sarif`` is SARIF 2.1.0
for code-scanning upload, rule help taken from the rule table. ``junit`` is JUnit
XML, one testcase per file. The field names and ids are covered by the stability
policy in ``docs/cli.md``.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TextIO

from duis.report import Message, Report, Severity

__all__ = ["FORMATS", "Sink", "Tally", "make_sink", "printable", "summary_line", "text_line"]

FORMATS = ("text", "json", "github", "sarif", "junit")

_SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
_COLOURS = {
    Severity.ERROR: ("red", True),
    Severity.WARNING: ("yellow", True),
    Severity.INFO: ("cyan", False),
}


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """A file name (or a message naming one) as one line of valid Unicode.

    A name read from the filesystem may hold bytes that are not UTF-8, which Python
    keeps as lone surrogates that no encoder writes: JUnit, SARIF, ``--output-file``
    and a strict stdout failed on them with a traceback. It may hold a newline, which
    split a text line in two so that a CI log parser read an invented second file. So
    every such character is written as an escape: ``\\xff`` for an undecodable byte,
    ``\\n``, ``\\t``, ``\\x1b``, ``\\u200b``; anything else is left as it is.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escaped(c) for c in text)


def _escaped(c: str) -> str:
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for the byte code - 0xDC00
        return f"\\x{code - 0xDC00:02x}"
    if c in _ESCAPES:
        return _ESCAPES[c]
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _printable_report(report: Report) -> Report:
    """A copy with its name and message texts made printable; the caller's is unchanged."""
    shown = copy.copy(report)
    shown.source = printable(report.source)
    shown.messages = [
        m if m.text.isprintable() else dataclasses.replace(m, text=printable(m.text))
        for m in report.messages
    ]
    return shown


@dataclass
class Tally:
    """The run's counts: what the summary line, JSON summary and exit code read."""

    files: int = 0
    invalid: int = 0
    skipped: int = 0
    setup_errors: int = 0
    by_severity: Counter[str] = field(default_factory=Counter)
    by_rule: Counter[str] = field(default_factory=Counter)

    @property
    def valid(self) -> int:
        return self.files - self.invalid

    def add(self, report: Report) -> None:
        self.files += 1
        if not report.valid:
            self.invalid += 1
        for m in report.messages:
            self.by_severity[m.severity.value] += 1
            self.by_rule[m.rule] += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "valid": self.valid,
            "invalid": self.invalid,
            "skipped": self.skipped,
            "setup_errors": self.setup_errors,
            "errors": self.by_severity["error"],
            "warnings": self.by_severity["warning"],
            "notes": self.by_severity["info"],
            "rules": dict(sorted(self.by_rule.items())),
        }


def _where(report: Report, message: Message) -> str:
    if message.line is None:
        return report.source
    return f"{report.source}:{message.line}:{message.column or 1}"


def text_line(report: Report, message: Message, *, color: bool = False) -> str:
    """One finding as ``path:line:col: severity: message [rule]``."""
    where = _where(report, message)
    level = message.severity.value
    if color:
        import click

        fg, bold = _COLOURS[message.severity]
        where = click.style(where, bold=True)
        level = click.style(level, fg=fg, bold=bold)
    return f"{where}: {level}: {message.text} [{message.rule}]"


def summary_line(tally: Tally, hidden: int = 0, noun: str = "checked") -> str:
    """``N files checked: V valid, I invalid (E errors, W warnings, N notes)``."""
    files = "file" if tally.files == 1 else "files"
    text = (
        f"{tally.files} {files} {noun}: {tally.valid} valid, {tally.invalid} invalid "
        f"({tally.by_severity['error']} errors, {tally.by_severity['warning']} warnings, "
        f"{tally.by_severity['info']} notes)"
    )
    if tally.skipped:
        text += f"; {tally.skipped} skipped"
    if hidden:
        text += f"; {hidden} notes not shown (-v shows them)"
    return text


class Sink:
    """Receives each result as it is ready; subclasses write one format."""

    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        *,
        command: str = "validate",
        verbose: bool = False,
        quiet: bool = False,
        color: bool = False,
        statistics: bool = False,
    ) -> None:
        self.out = out
        self.err = err
        self.command = command
        self.verbose = verbose
        self.quiet = quiet
        self.color = color
        self.statistics = statistics
        self.tally = Tally()
        self.hidden = 0

    def shown(self, report: Report) -> list[Message]:
        """The messages to print: notes only with ``-v``."""
        if self.verbose:
            return list(report.messages)
        kept = [m for m in report.messages if m.severity is not Severity.INFO]
        self.hidden += len(report.messages) - len(kept)
        return kept

    # Every name and set-up message reaches a format through these three, so each
    # format gets it as one line of valid Unicode (see printable).
    def file(self, report: Report) -> None:
        self.tally.add(report)
        if not report.source.isprintable() or not all(
            m.text.isprintable() for m in report.messages
        ):
            report = _printable_report(report)
        self.write_file(report)

    def problem(self, name: str, message: str) -> None:
        """A set-up error about one path (missing, unreadable, empty): exit 2."""
        self.tally.setup_errors += 1
        self.write_problem(printable(name), printable(message))

    def note(self, name: str, message: str, *, skipped: bool = True) -> None:
        """A path left out on purpose (not a regular file, not DUIS, excluded)."""
        if skipped:
            self.tally.skipped += 1
        self.write_note(printable(name), printable(message))

    def write_file(self, report: Report) -> None:
        raise NotImplementedError

    def write_problem(self, name: str, message: str) -> None:
        self._stderr(name, "error", message)

    def write_note(self, name: str, message: str) -> None:
        if not self.quiet:
            self._stderr(name, "note", message)

    def _stderr(self, name: str, level: str, message: str) -> None:
        self.err.write(f"{name}: {level}: {message}\n")
        self.err.flush()

    def close(self) -> None:
        """Write what comes after the last file (summary, closing brackets)."""

    def write_statistics(self) -> None:
        rows = sorted(self.tally.by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
        width = max((len(str(n)) for _, n in rows), default=1)
        for rule_id, n in rows:
            self.out.write(f"{n:>{width}}  {rule_id}  {_rule_summary(rule_id)}\n")


class TextSink(Sink):
    def write_file(self, report: Report) -> None:
        messages = self.shown(report)
        if self.statistics:
            return
        for message in messages:
            self.out.write(text_line(report, message, color=self.color) + "\n")
        if messages:
            self.out.flush()

    def close(self) -> None:
        if self.statistics:
            self.write_statistics()
        if self.quiet:
            return
        line = summary_line(self.tally, self.hidden)
        if self.color:
            import click

            line = click.style(line, fg="green" if not self.tally.invalid else "red")
        self.out.write(line + "\n")
        self.out.flush()


def escape(value: str) -> str:
    """XML character data; xml.sax.saxutils is loaded only here (it pulls in urllib.request,
    http.client and ssl: ~45 ms that every run would pay for the JUnit format)."""
    from xml.sax.saxutils import escape as sax_escape

    return sax_escape(value)


def quoteattr(value: str) -> str:
    """An XML attribute value with its quotes (see :func:`escape` for why it is lazy)."""
    from xml.sax.saxutils import quoteattr as sax_quoteattr

    return sax_quoteattr(value)


def _escape_github(value: str, *, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


class GithubSink(TextSink):
    def write_file(self, report: Report) -> None:
        for message in self.shown(report):
            props = [f"file={_escape_github(report.source, prop=True)}"]
            if message.line is not None:
                props.append(f"line={message.line}")
                if message.column:
                    props.append(f"col={message.column}")
            props.append(f"title={_escape_github(message.rule, prop=True)}")
            self.out.write(
                f"::{_GITHUB_LEVEL[message.severity]} {','.join(props)}::"
                f"{_escape_github(message.text)}\n"
            )
        self.out.flush()


class JsonSink(Sink):
    """``{"files": [...], "errors": [...], "skipped": [...], "summary": {...}, "valid": b}``."""

    def __init__(self, out: TextIO, err: TextIO, **kwargs: Any) -> None:
        super().__init__(out, err, **kwargs)
        self._count = 0
        self._errors: list[dict[str, str]] = []
        self._skipped: list[dict[str, str]] = []
        self.out.write('{\n  "files": [')

    def write_file(self, report: Report) -> None:
        text = json.dumps(report.to_json(), indent=2).replace("\n", "\n    ")
        self.out.write(("," if self._count else "") + "\n    " + text)
        self._count += 1

    def write_problem(self, name: str, message: str) -> None:
        super().write_problem(name, message)
        self._errors.append({"path": name, "message": message})

    def write_note(self, name: str, message: str) -> None:
        self._skipped.append({"path": name, "reason": message})

    def close(self) -> None:
        tail = {
            "errors": self._errors,
            "skipped": self._skipped,
            "summary": self.tally.to_json(),
            "valid": self.tally.invalid == 0 and self.tally.setup_errors == 0,
        }
        body = json.dumps(tail, indent=2)[1:-2]  # the members, without the braces
        self.out.write(("\n  " if self._count else "") + "]," + body + "\n}\n")
        self.out.flush()


def _rule_summary(rule_id: str) -> str:
    from duis._ruletable import get_rule

    rule = get_rule(rule_id)
    return rule.summary if rule is not None else ""


def _uri(name: str) -> str:
    from urllib.parse import quote  # SARIF only

    return quote(name.replace("\\", "/"), safe="/:@-._~")


class SarifSink(Sink):
    """SARIF 2.1.0: results streamed; the rules that fired described at the end."""

    def __init__(self, out: TextIO, err: TextIO, **kwargs: Any) -> None:
        super().__init__(out, err, **kwargs)
        self._count = 0
        self._notifications: list[dict[str, Any]] = []
        self.out.write(
            '{\n  "$schema": "' + _SARIF_SCHEMA + '",\n  "version": "2.1.0",\n'
            '  "runs": [\n    {\n      "results": ['
        )

    def write_file(self, report: Report) -> None:
        for message in self.shown(report):
            result: dict[str, Any] = {
                "ruleId": message.rule,
                "level": _SARIF_LEVEL[message.severity],
                "message": {"text": message.text},
                "locations": [{"physicalLocation": self._location(report.source, message)}],
            }
            self.out.write(("," if self._count else "") + "\n        " + json.dumps(result))
            self._count += 1

    @staticmethod
    def _location(source: str, message: Message) -> dict[str, Any]:
        where: dict[str, Any] = {"artifactLocation": {"uri": _uri(source)}}
        if message.line is not None:
            region: dict[str, int] = {"startLine": max(1, message.line)}
            if message.column:
                region["startColumn"] = max(1, message.column)
            where["region"] = region
        return where

    def write_problem(self, name: str, message: str) -> None:
        super().write_problem(name, message)
        self._notifications.append(
            {
                "level": "error",
                "message": {"text": f"{name}: {message}"},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(name)}}}],
            }
        )

    def close(self) -> None:
        from duis import __version__

        rules = [_descriptor(rule_id) for rule_id in sorted(self.tally.by_rule)]
        tool = {
            "driver": {
                "name": "duis",
                "version": __version__,
                "rules": rules,
            }
        }
        invocation = {
            "executionSuccessful": self.tally.setup_errors == 0,
            "toolExecutionNotifications": self._notifications,
        }
        self.out.write(
            ("\n      " if self._count else "")
            + '],\n      "tool": '
            + json.dumps(tool, indent=2).replace("\n", "\n      ")
            + ',\n      "invocations": ['
            + json.dumps(invocation)
            + "]\n    }\n  ]\n}\n"
        )
        self.out.flush()


def _descriptor(rule_id: str) -> dict[str, Any]:
    from duis._ruletable import get_rule

    rule = get_rule(rule_id)
    out: dict[str, Any] = {"id": rule_id}
    if rule is not None:
        out["shortDescription"] = {"text": rule.summary}
        out["fullDescription"] = {"text": rule.why}
        help_text = rule.why + (f"\n\nExample: {rule.example}" if rule.example else "")
        out["help"] = {"text": help_text}
        out["defaultConfiguration"] = {"level": _SARIF_LEVEL[rule.severity]}
    else:
        out["shortDescription"] = {"text": rule_id}
    return out


class JUnitSink(Sink):
    """JUnit XML: one testcase per file (failure: its errors; skipped: left out).

    The counts go on the ``testsuite`` element before the testcases, so testcases are
    spooled to a temporary file (memory stays flat) and copied after them at the end.
    """

    def __init__(self, out: TextIO, err: TextIO, **kwargs: Any) -> None:
        super().__init__(out, err, **kwargs)
        import tempfile  # JUnit only

        self._spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed in close()
            max_size=1 << 20, mode="w+", encoding="utf-8"
        )
        self._classname = f"duis.{self.command}"

    def _case(self, name: str, inner: str = "") -> None:
        head = f"  <testcase classname={quoteattr(self._classname)} name={quoteattr(name)}"
        self._spool.write(head + (f">\n{inner}  </testcase>\n" if inner else "/>\n"))

    def write_file(self, report: Report) -> None:
        shown = self.shown(report)
        lines = "".join(escape(_clean(text_line(report, m))) + "\n" for m in shown)
        inner = ""
        errors = report.errors
        if errors:
            first = errors[0]
            inner += (
                f"    <failure message={quoteattr(_clean(first.text))} "
                f"type={quoteattr(first.rule)}>{lines}</failure>\n"
            )
        elif lines:
            inner += f"    <system-out>{lines}</system-out>\n"
        self._case(report.source, inner)

    def write_problem(self, name: str, message: str) -> None:
        super().write_problem(name, message)
        self._case(name, f'    <error message={quoteattr(_clean(message))} type="setup"/>\n')

    def write_note(self, name: str, message: str) -> None:
        super().write_note(name, message)
        self._case(name, f"    <skipped message={quoteattr(_clean(message))}/>\n")

    def close(self) -> None:
        t = self.tally
        tests = t.files + t.setup_errors + t.skipped
        counts = (
            f'tests="{tests}" failures="{t.invalid}" errors="{t.setup_errors}" '
            f'skipped="{t.skipped}"'
        )
        self.out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        self.out.write(f'<testsuites name="duis" {counts}>\n')
        self.out.write(f"<testsuite name={quoteattr(self._classname)} {counts}>\n")
        self._spool.seek(0)
        while chunk := self._spool.read(1 << 16):
            self.out.write(chunk)
        self._spool.close()
        self.out.write("</testsuite>\n</testsuites>\n")
        self.out.flush()


def _clean(text: str) -> str:
    """Characters XML 1.0 cannot carry (control characters from a hostile file) as ``?``."""
    return "".join(
        c
        if c in "\t\n\r" or (" " <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd") or c > "\uffff"
        else "?"
        for c in text
    )


_SINKS: dict[str, type[Sink]] = {
    "text": TextSink,
    "json": JsonSink,
    "github": GithubSink,
    "sarif": SarifSink,
    "junit": JUnitSink,
}


def make_sink(fmt: str, out: TextIO, err: TextIO, **kwargs: Any) -> Sink:
    """The sink for ``fmt`` (one of :data:`FORMATS`)."""
    return _SINKS[fmt](out, err, **kwargs)
