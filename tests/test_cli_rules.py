"""``duis rules``: the rule table from the command line.

Settings errors about an unknown id said "`duis rules` ... lists every id", and there
was no such command.
"""

from __future__ import annotations

import json

from click.testing import CliRunner

from duis._ruletable import all_rules, get_rule
from duis.cli import _help, cli


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["rules", *args])
    return result.exit_code, result.output


def test_the_command_settings_errors_point_to_exists() -> None:
    result = CliRunner().invoke(cli, ["validate", "--select", "nonsense", "x.xml"])
    assert result.exit_code == 2 and "(`duis rules` or docs/rules.md" in result.output
    assert "rules" in _help.COMMANDS and _help.available("rules")
    assert CliRunner().invoke(cli, ["rules", "xsd"]).exit_code == 0


def test_every_rule_is_listed_once_with_its_severity_and_summary() -> None:
    code, out = run()
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(all_rules())
    for line, rule in zip(lines, all_rules(), strict=True):
        assert line.split()[:2] == [rule.id, rule.severity.value] and line.endswith(rule.summary)


def test_a_family_or_ids_select_and_one_id_is_explained_whole() -> None:
    code, out = run("signature")
    ids = [line.split()[0] for line in out.splitlines()]
    assert code == 0 and ids and all(i == "signature" or i.startswith("signature.") for i in ids)
    rule = get_rule("srv.sr-mismatch")
    assert rule is not None
    code, out = run("srv.sr-mismatch")
    assert code == 0 and out.startswith("srv.sr-mismatch (error by default")
    assert rule.summary in out and " ".join(rule.why.split())[:60] in " ".join(out.split())
    code, out = run("--format", "json", "srv.sr-mismatch", "xsd")
    assert code == 0 and json.loads(out)[0] == rule.to_json()


def test_an_unknown_id_is_a_setup_error_with_the_families() -> None:
    code, out = run("srv", "nonsense")
    assert code == 2 and "no rule 'nonsense'" in out and "[config.invalid]" in out
