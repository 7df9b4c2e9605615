"""What ``duis --help`` prints, known without importing click or any subcommand.

``duis --help`` is run to see what the tool does; loading click's whole machinery
(and, through a subcommand, lxml or cryptography) for it took longer than validating a
file. The command table, the one-line summaries (read from each command's docstring in
its source, not by importing it) and the group's text live here, used both by the
click group (:mod:`duis.cli._group`) and by :func:`fast_help`, which renders the same
text click would when no line needs wrapping (a terminal of 80 columns or more, or not
a terminal) and returns None otherwise, so click renders it. A test compares the two.
"""

from __future__ import annotations

import os
import sys

__all__ = ["COMMANDS", "SUMMARY", "available", "fast_help", "short_help"]

#: The group's help text (the first paragraph of ``duis --help``).
SUMMARY = "Build, check, sign and read DCC DUIS messages."

#: name -> "module:attribute"; each attribute is a click.Command.
COMMANDS: dict[str, str] = {
    "validate": "duis.cli.validate:validate",
    "schemas": "duis.cli.schemas_cmd:schemas",
    "srv": "duis.cli.srv:srv",
    "inspect": "duis.cli.inspect:inspect",
    "sign": "duis.cli.sign:sign",
    "verify": "duis.cli.verify:verify",
    "cert": "duis.cli.cert:cert",
    "serve": "duis.cli.serve:serve",
    "track": "duis.cli.track:track",
    "precommand": "duis.cli.precommand:precommand",
    "decode": "duis.cli.decode:decode",
    "counters": "duis.cli.counters:counters",
    "rules": "duis.cli.rules_cmd:rules",
}

_HERE = os.path.dirname(os.path.abspath(__file__))

# click's own texts for the group's two options (click prints these; the test that
# compares fast_help with click's rendering says when a click release changes them).
_OPTIONS = [
    ("--version", "Show the version and exit."),
    ("-h, --help", "Show this message and exit."),
]


def _source(name: str) -> str:
    module = COMMANDS[name].split(":")[0]
    return os.path.join(_HERE, module.rsplit(".", 1)[1] + ".py")


def available(name: str) -> bool:
    """Whether the command's module is installed (a slimmed install may drop some)."""
    return name in COMMANDS and os.path.isfile(_source(name))


def names() -> list[str]:
    """The installed commands, sorted as click lists them."""
    return sorted(n for n in COMMANDS if available(n))


def short_help(name: str) -> str:
    """The first sentence of a command's docstring, found in its source text, cut to fit."""
    attr = COMMANDS[name].split(":")[1]
    try:
        with open(_source(name), encoding="utf-8") as fh:
            source = fh.read()
    except OSError:  # pragma: no cover - broken install
        return ""
    at = source.find(f"\ndef {attr}(")
    if at < 0:
        return ""
    start = source.find('\n    """', at)
    if start < 0:
        return ""
    start += len('\n    """')
    end = min(
        (i for i in (source.find("\n\n", start), source.find('"""', start)) if i >= 0),
        default=-1,
    )
    if end < 0:
        return ""
    first = " ".join(source[start:end].split())
    first = first.split(". ", 1)[0].rstrip(".") + "."
    return first if len(first) <= 64 else first[:61].rsplit(" ", 1)[0] + "..."


def _columns() -> int:
    """The terminal width as :func:`shutil.get_terminal_size` finds it (without shutil)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
        columns = columns or 80
    return columns


def _dl(rows: list[tuple[str, str]], width: int) -> list[str] | None:
    """click's definition list (indent 2, spacing 2), or None if a line would wrap."""
    first_col = min(max(len(a) for a, _ in rows), 30) + 2
    text_width = max(width - first_col - 2, 10)
    lines = []
    for term, text in rows:
        if len(term) > first_col - 2 or len(text) > text_width:
            return None
        lines.append(f"  {term}{' ' * (first_col - len(term))}{text}" if text else f"  {term}")
    return lines


def fast_help(prog: str = "duis") -> str | None:
    """``duis --help`` as click prints it (with the final newline), or None when click
    would wrap a line on this terminal (then click renders it)."""
    width = max(min(_columns(), 80) - 2, 50)
    usage = f"Usage: {prog} [OPTIONS] COMMAND [ARGS]..."
    if len(usage) > width or len(SUMMARY) + 2 > width:
        return None
    options = _dl(_OPTIONS, width)
    rows = [(n, short_help(n)) for n in names()]
    commands = _dl(rows, width) if rows else []
    if options is None or commands is None:
        return None
    lines = [usage, "", f"  {SUMMARY}", "", "Options:", *options]
    if commands:
        lines += ["", "Commands:", *commands]
    return "\n".join(lines) + "\n"
