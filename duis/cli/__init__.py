"""The ``duis`` command line: a thin layer of click over the library.

Subcommands live one per module and are imported only when run, so ``duis validate``
never pays for loading the signing or MMC code.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

import click

from duis import __version__

__all__ = ["main"]

# name -> "module:attribute"; each attribute is a click.Command.
_COMMANDS: dict[str, str] = {
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
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(n for n in _COMMANDS if self._available(n))

    @staticmethod
    def _available(name: str) -> bool:
        module = _COMMANDS[name].split(":")[0]
        return importlib.util.find_spec(module) is not None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list, from each command's docstring read without importing it.

        Importing a command loads its dependencies (signing loads cryptography), so
        ``duis --help`` reads the docstrings from the source instead.
        """
        rows = [(name, _short_help(name)) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = _COMMANDS.get(cmd_name)
        if target is None or not self._available(cmd_name):
            return None
        module_name, attr = target.split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command


def _short_help(name: str) -> str:
    """The first paragraph of a command's docstring, found in its source text."""
    import re

    module_name, attr = _COMMANDS[name].split(":")
    spec = importlib.util.find_spec(module_name)
    try:
        assert spec is not None and spec.origin is not None
        with open(spec.origin, encoding="utf-8") as fh:
            source = fh.read()
    except (AssertionError, OSError):  # pragma: no cover - broken install
        return ""
    found = re.search(
        rf"^def {re.escape(attr)}\(.*?^    \"\"\"(.*?)(?:\n\n|\"\"\")", source, re.M | re.S
    )
    if found is None:
        return ""
    first = " ".join(found.group(1).split())
    first = first.split(". ", 1)[0].rstrip(".") + "."
    return first if len(first) <= 64 else first[:61].rsplit(" ", 1)[0] + "..."


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="duis")
def cli() -> None:
    """Build, check, sign and read DCC DUIS messages."""


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point; exit codes: 0 clean, 1 problems, 2 usage/set-up."""
    return cli.main(args=argv, prog_name="duis", standalone_mode=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
