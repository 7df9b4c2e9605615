"""The ``duis`` command line: a thin layer of click over the library.

Subcommands live one per module and are imported only when run, so ``duis validate``
never pays for loading the signing or MMC code, and ``duis --help`` / ``duis
--version`` are answered without importing click at all (:mod:`duis.cli._help`).
The click group itself is :data:`cli` (from :mod:`duis.cli._group`, loaded on first
use).
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    import click

__all__ = ["cli", "main"]


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point; exit codes: 0 clean, 1 problems, 2 usage/set-up."""
    _escape_what_cannot_be_encoded()
    args = sys.argv[1:] if argv is None else argv
    if args in (["--help"], ["-h"]):
        from duis.cli._help import fast_help

        text = fast_help("duis")
        if text is not None:
            sys.stdout.write(text)
            sys.stdout.flush()
            sys.exit(0)
    elif args == ["--version"]:
        from duis import __version__

        sys.stdout.write(f"duis, version {__version__}\n")  # click's version_option text
        sys.stdout.flush()
        sys.exit(0)
    from duis.cli._group import cli

    return cli.main(args=argv, prog_name="duis", standalone_mode=True)


def _escape_what_cannot_be_encoded() -> None:
    """Let stdout and stderr write any text, escaping what their encoding cannot hold.

    A file name with a byte that is not UTF-8 reaches Python as a lone surrogate,
    which a strict stream (``PYTHONIOENCODING=utf-8``, a UTF-8 locale, Windows) refuses
    with a traceback. Every format and diagnostic line escapes names itself
    (``duis.cli._render.printable``); this is the net for any other text printed.
    """
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def __getattr__(name: str) -> click.Group:
    if name == "cli":
        from duis.cli._group import cli

        return cli
    raise AttributeError(f"module 'duis.cli' has no attribute {name!r}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
