"""``duis schemas``: which schemas would judge a message, and from which files."""

from __future__ import annotations

import json
from pathlib import Path

import click

from duis._exceptions import DuisError
from duis.cli._common import fail_setup, registry_for, settings_file_for_run
from duis.versions import KNOWN_VERSIONS

__all__ = ["schemas"]


@click.command()
@click.option(
    "--schema-dir",
    "schema_dirs",
    multiple=True,
    metavar="DIR",
    help="Folder of DCC's official XSDs to register (repeatable).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file. Default: the nearest duis.toml / [tool.duis] above this folder.",
)
@click.option("--isolated", is_flag=True, help="Ignore every settings file.")
def schemas(
    schema_dirs: tuple[str, ...], fmt: str, config_file: Path | None, isolated: bool
) -> None:
    """List the registered schemas and the DUIS versions this tool knows.

    Every bundle is compiled, so this is also the quick way to check that a folder of
    DCC XSDs loads (exit 2 with the reason when it does not). The folders are
    --schema-dir, then [tool.duis] schema-dirs of the settings for this folder.
    """
    from duis.cli._settings import Resolver

    resolver = Resolver(
        overrides={"schema_dirs": schema_dirs},
        explicit=settings_file_for_run(config_file, isolated),
        isolated=isolated,
    )
    try:
        config = resolver.config_for(None)
    except DuisError as exc:
        fail_setup(exc)
    registry = registry_for(config)
    embedded = registry.embedded()
    try:
        for bundle in registry.official:
            bundle.compiled()
        embedded.compiled()
    except DuisError as exc:
        fail_setup(exc)
    rows = [
        {
            "name": b.name,
            "version": b.version,
            "entry": str(b.entry),
            "official": b.official,
            "judges": "by schemaVersion" if len(registry.official) > 1 else "every message",
        }
        for b in registry.official
    ]
    doc = {
        "embedded": {
            "name": embedded.name,
            "follows": embedded.version,
            "entry": str(embedded.entry),
            "unchecked_elements": sorted(embedded.unchecked),
            "judges": "nothing (official bundles registered)" if rows else "every message",
        },
        "official": rows,
        "known_versions": list(KNOWN_VERSIONS),
    }
    if fmt == "json":
        click.echo(json.dumps(doc, indent=2))
        return
    if rows:
        for r in rows:
            click.echo(f"{r['name']:16s} {r['entry']}  (judges {r['judges']})")
    click.echo(
        f"{'embedded':16s} {embedded.entry}  (follows DUIS {embedded.version}; content of "
        f"{len(embedded.unchecked)} elements not checked"
        + ("; not used while official bundles are registered)" if rows else ")")
    )
    click.echo("known DUIS versions: " + ", ".join(KNOWN_VERSIONS))
