"""``duis counters show`` and ``duis counters reinit``: look after the counter store.

A store that lost its state (truncated, tables dropped) is refused rather than
silently re-created, because a new store could hand out counters already used;
``reinit --above N`` is the explicit way back, with every later counter above N.
"""

from __future__ import annotations

from pathlib import Path

import click

from duis._exceptions import DuisError
from duis.cli._common import fail_setup, parse_eui
from duis.configfile import load_settings
from duis.ids import MAX_COUNTER

__all__ = ["counters"]

_DB_HELP = (
    "Counter store: a SQLite path or a postgresql:// URL (default: the settings' "
    "counter-db, else $DUIS_COUNTER_DB, else the per-user data folder)."
)


def _location(counter_db: str | None) -> str | Path | None:
    """The store the settings object names (``--counter-db`` laid over the file)."""
    try:
        return load_settings(counter_db=counter_db).counter_db
    except DuisError as exc:
        fail_setup(exc)


@click.group()
def counters() -> None:
    """Inspect or re-initialise the originator counter store."""


@counters.command("show")
@click.argument("originators", nargs=-1, metavar="[EUI]...")
@click.option("--counter-db", "counter_db", metavar="LOC", help=_DB_HELP)
def show(originators: tuple[str, ...], counter_db: str | None) -> None:
    """Print each originator's last counter issued and last recorded as seen.

    Without EUIs, every originator the store holds. Exit status: 0 printed, 2 a bad
    EUI or the store unusable (e.g. it lost its state).
    """
    from signing import open_counter_store

    given = [parse_eui(text, "EUI") for text in originators]
    location = _location(counter_db)
    try:
        with open_counter_store(location) as store:
            click.echo(f"store: {store.location}")
            euis = given or store.originators()
            if not euis:
                click.echo("(no originator has a counter in this store yet)")
            for eui in euis:
                assert eui is not None
                issued = store.last_issued(eui)
                seen = store.last_seen(eui)
                click.echo(
                    f"{eui}: last issued {'-' if issued is None else issued}, "
                    f"last seen {'-' if seen is None else seen}"
                )
    except DuisError as exc:
        fail_setup(exc)


@counters.command("reinit")
@click.option(
    "--above",
    required=True,
    type=click.IntRange(min=0, max=MAX_COUNTER),
    help="Every later counter is above this (the highest counter any signer may have used).",
)
@click.option("--counter-db", "counter_db", metavar="LOC", help=_DB_HELP)
def reinit(above: int, counter_db: str | None) -> None:
    """Make a store usable again with every later counter above --above.

    A store that lost its state is rebuilt empty with that floor; a healthy one only
    has its floor raised. Stop every signer using the store first.
    Exit status: 0 done, 2 the store could not be re-initialised.
    """
    from signing import CounterStore

    location = _location(counter_db)
    try:
        store = CounterStore.reinitialise(location, above=above)
        try:
            click.echo(f"{store.location}: every later counter is above {above}")
        finally:
            store.close()
    except DuisError as exc:
        fail_setup(exc)
