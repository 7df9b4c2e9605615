"""``duis srv``: look the SRV catalogue up from the shell.

What is 8.11, who may send it, with which CommandVariants, in which body, answered
with which MMC element: the questions asked while writing or debugging a request,
answered from the same table the rules use.
"""

from __future__ import annotations

import json
import sys

import click

from duis import catalogue
from duis.catalogue import SRV

__all__ = ["srv"]


@click.command("srv")
@click.argument("number", required=False, metavar="[SRV]")
@click.option(
    "--search",
    "search",
    metavar="TEXT",
    help="Only SRVs whose number, name, body or MMC element contains TEXT (any case).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: a list of SRV objects, one per SRV.",
)
def srv(number: str | None, search: str | None, fmt: str) -> None:
    """Show SRVs from the catalogue: one SRV (8.11), a ServiceReference (4.1), or all.

    Exit 0 when something matched, 1 when nothing did, 2 for an unknown SRV.
    """
    rows = list(catalogue.all_srvs())
    if number is not None:
        rows = _select(number.strip())
    if search:
        needle = search.casefold()
        rows = [r for r in rows if needle in _haystack(r)]
    if fmt == "json":
        click.echo(json.dumps([r.to_json() for r in rows], indent=2))
    elif number is not None and len(rows) == 1:
        click.echo(_detail(rows[0]))
    else:
        for row in rows:
            click.echo(_line(row))
    if not rows:
        if fmt == "text":
            click.echo(f"no SRV matches {search!r}", err=True)
        sys.exit(1)


def _select(number: str) -> list[SRV]:
    found = catalogue.get(number)
    if found is not None:
        return [found]
    under = [r for r in catalogue.all_srvs() if r.sr == number]
    if under:
        return under
    close = [r.srv for r in catalogue.all_srvs() if r.srv.startswith(number.rsplit(".", 1)[0])]
    hint = f"; SRVs near it: {', '.join(close[:12])}" if close else ""
    click.echo(
        f"duis: error: {number!r} is not an SRV or ServiceReference of DUIS{hint} "
        "(run 'duis srv' for the list)",
        err=True,
    )
    sys.exit(2)


def _haystack(row: SRV) -> str:
    return " ".join((row.srv, row.name, row.body, row.mmc_response or "")).casefold()


def _cvs(row: SRV) -> str:
    return ", ".join(str(cv.value) for cv in row.command_variants)


def _roles(row: SRV) -> str:
    return ", ".join(r.value for r in row.roles) or "none listed"


def _line(row: SRV) -> str:
    return f"{row.srv:<8} {row.name}  [CV {_cvs(row)}; roles {_roles(row)}; body {row.body}]"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _detail(row: SRV) -> str:
    cv_lines = "\n".join(
        f"                     {cv.value}  {cv.meaning}" for cv in row.command_variants
    )
    role_names = ", ".join(r.full_name for r in row.roles)
    signed = [str(cv.value) for cv in row.command_variants if cv.carries_signed_precommand]
    signed_note = f"  (SignedPreCommand with CommandVariant {', '.join(signed)})" if signed else ""
    lines = [
        f"{row.srv}  {row.name}",
        f"  ServiceReference   {row.sr}",
        f"  body               {row.body}{signed_note}",
        f"  CommandVariants    {_cvs(row)}",
        cv_lines,
        f"  critical           {_yes(row.critical)}",
        f"  non-device         {_yes(row.non_device)}",
        f"  on demand          {_yes(row.on_demand)}",
        f"  future dated       {row.future_dated or 'no'}",
        f"  DCC scheduled      {_yes(row.dcc_scheduled)}",
        f"  eligible roles     {_roles(row)}" + (f"  ({role_names})" if role_names else ""),
        f"  MMC response       {row.mmc_response or 'none (no device response element)'}",
    ]
    return "\n".join(lines)
