"""What every command does before its work: load schemas and settings, or exit 2."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

from duis._exceptions import DuisError
from duis.schemas import SchemaRegistry, default_registry

__all__ = ["fail_setup", "registry_from"]


def fail_setup(error: DuisError | str) -> NoReturn:
    """Report a set-up problem on stderr and exit 2 (never a traceback)."""
    click.echo(f"duis: error: {error}", err=True)
    sys.exit(2)


def registry_from(schema_dirs: tuple[str, ...]) -> SchemaRegistry:
    """The registry for ``--schema-dir`` folders (the default one when none is given)."""
    try:
        if not schema_dirs:
            registry = default_registry()
            registry.embedded()
            return registry
        return SchemaRegistry(schema_dirs)
    except DuisError as exc:
        fail_setup(exc)
