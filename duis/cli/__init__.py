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
    "track": "duis.cli.track:track",
    "decode": "duis.cli.decode:decode",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(n for n in _COMMANDS if self._available(n))

    @staticmethod
    def _available(name: str) -> bool:
        module = _COMMANDS[name].split(":")[0]
        return importlib.util.find_spec(module) is not None

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = _COMMANDS.get(cmd_name)
        if target is None or not self._available(cmd_name):
            return None
        module_name, attr = target.split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="duis", prog_name="duis")
def cli() -> None:
    """Build, check, sign and read DCC DUIS messages."""


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point; exit codes: 0 clean, 1 problems, 2 usage/set-up."""
    return cli.main(args=argv, prog_name="duis", standalone_mode=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
