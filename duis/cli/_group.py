"""The click group behind ``duis``: subcommands imported only when run.

Each subcommand lives in its own module; importing one loads its dependencies
(signing loads cryptography), so the group lists them from :mod:`duis.cli._help`
without importing any, and imports only the one that runs.
"""

from __future__ import annotations

import importlib

import click

from duis import __version__
from duis.cli import _help

__all__ = ["cli"]


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return _help.names()

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list, from each command's docstring read without importing it."""
        rows = [(name, _help.short_help(name)) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if not _help.available(cmd_name):
            return None
        module_name, attr = _help.COMMANDS[cmd_name].split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command


@click.group(
    cls=_LazyGroup, help=_help.SUMMARY, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(version=__version__, prog_name="duis")
def cli() -> None:
    pass
