"""``duis rules``: the rule table, as ``--select``, ``--ignore`` and findings name it.

Every finding ends in a rule id (``[srv.sr-mismatch]``) and every settings error about
one points here; this lists the ids with their default severity and summary, or tells
one rule whole (what it checks, why, an example), like ``ruff rule``. It reads the one
rule table (:mod:`duis._ruletable`), the same one ``docs/rules.md`` is made from.
"""

from __future__ import annotations

import json
import textwrap

import click

from duis._ruletable import Rule, all_rules, matches
from duis.cli._common import fail_setup

__all__ = ["rules"]


@click.command()
@click.argument("patterns", nargs=-1, metavar="[ID|FAMILY]...")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def rules(patterns: tuple[str, ...], fmt: str) -> None:
    """List the rules (ids, default severity, summary), or explain one rule.

    With no argument, every rule; with families or ids (srv, xsd, signature.invalid),
    those. One exact id prints the whole rule: why it exists and an example. Exit
    status: 0 printed, 2 an id or family no rule has.
    """
    table = all_rules()
    chosen = [r for r in table if not patterns or any(matches(r.id, p) for p in patterns)]
    unknown = [p for p in patterns if not any(matches(r.id, p) for r in table)]
    if unknown:
        from duis._exceptions import ConfigError
        from duis._ruletable import check_patterns

        try:
            check_patterns(unknown, "duis rules", "command line")
        except ConfigError as exc:
            fail_setup(exc)
    if fmt == "json":
        click.echo(json.dumps([r.to_json() for r in chosen], indent=2))
        return
    if len(patterns) == 1 and len(chosen) == 1 and chosen[0].id == patterns[0]:
        _explain(chosen[0])
        return
    width = max((len(r.id) for r in chosen), default=0)
    for r in chosen:
        click.echo(f"{r.id:<{width}}  {r.severity.value:<7}  {r.summary}")


def _explain(rule: Rule) -> None:
    click.echo(f"{rule.id} ({rule.severity.value} by default; reported by {rule.area})")
    click.echo("")
    click.echo(rule.summary)
    for paragraph in rule.why.strip().split("\n\n"):
        click.echo("")
        click.echo(textwrap.fill(" ".join(paragraph.split()), width=88))
    if rule.example:
        click.echo("")
        click.echo("Example of a message that breaks it:")
        click.echo(textwrap.indent(rule.example.strip("\n"), "    "))
