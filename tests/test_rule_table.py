"""One rule table: every id the code can emit is registered once, and unknown ids are refused."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import duis
import mmc
import signing
from duis import Config, ConfigError, DuisError, Severity
from duis.configfile import apply_options, config_from_mapping
from duis.report import Message, Report
from duis.rules import RULES, all_rules, get_rule
from tools import rulesdoc

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("duis", "mmc", "signing")
#: Calls that emit a finding, and the position of their rule-id argument.
_EMITTERS = {"add": 1, "Message": 1, "_add": 1, "emit": 0, "of": 0}


def _literal_ids() -> dict[str, list[str]]:
    """Every rule id written in the source: ``rule = "..."`` class attributes, ``rule=``
    keywords and the id argument of ``Report.add/emit``, ``Message(...)``, ``Message.of``."""
    found: dict[str, list[str]] = {}

    def note(value: ast.expr, where: str) -> None:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            found.setdefault(value.value, []).append(where)

    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text("utf-8"))
            rel = str(path.relative_to(ROOT))
            for node in ast.walk(tree):
                where = f"{rel}:{getattr(node, 'lineno', 0)}"
                if isinstance(node, ast.ClassDef):
                    for item in node.body:
                        if (
                            isinstance(item, ast.Assign)
                            and len(item.targets) == 1
                            and isinstance(item.targets[0], ast.Name)
                            and item.targets[0].id == "rule"
                        ):
                            note(item.value, where)
                elif isinstance(node, ast.Call):
                    func = node.func
                    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                    for kw in node.keywords:
                        if kw.arg == "rule":
                            note(kw.value, where)
                    # add(severity, ID, text), Message(severity, ID, text),
                    # _add(report, ID, text, ...), emit(ID, text), Message.of(ID, text).
                    position = _EMITTERS.get(name)
                    if position is not None and len(node.args) > position + 1:
                        note(node.args[position], where)
    return found


def test_every_rule_id_in_the_source_is_registered() -> None:
    found = _literal_ids()
    # The scan must see the emitters it is meant to see, or it proves nothing.
    assert {"xsd", "srv.body-mismatch", "correlate.signer", "mmc.srv-missing"} <= set(found)
    assert {"signature.digest-mismatch", "sign.wrong-role", "counter.store"} <= set(found)
    missing = {rid: where for rid, where in found.items() if get_rule(rid) is None}
    assert not missing, f"ids emitted but not in duis/_ruletable.py: {missing}"


def _subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_subclasses(sub))
    return out


def test_every_exception_rule_is_registered() -> None:
    # Every module, not only the packages: their __init__ imports the rest lazily, and
    # the test must not depend on which other tests ran first.
    for package in PACKAGES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, package + "."):
            if not info.name.endswith(".__main__"):
                importlib.import_module(info.name)
    # DuisError itself is abstract (rule "error"): nothing raises it directly.
    classes = _subclasses(DuisError)
    assert len(classes) > 30  # duis's, mmc's and signing's hierarchies are all loaded
    missing = {c.__qualname__: c.rule for c in classes if get_rule(c.rule) is None}
    assert not missing, missing
    assert signing and mmc  # imported for their subclasses


def test_nothing_raises_the_bare_base_error() -> None:
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                    func = node.exc.func
                    assert getattr(func, "id", None) != "DuisError", f"{path}:{node.lineno}"


def test_each_id_is_registered_once_with_a_reason() -> None:
    rules = all_rules()
    assert len(rules) == len(RULES) == len({r.id for r in rules})
    for r in rules:
        assert r.summary and r.why, r.id
        assert r.severity in Severity
    assert get_rule("xsd.not-covered").severity is Severity.INFO  # type: ignore[union-attr]


def test_the_table_module_imports_only_severity_and_errors() -> None:
    # Explicit data: reading the table registers nothing and pulls in no checks.
    tree = ast.parse((ROOT / "duis" / "_ruletable.py").read_text("utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert {m for m in imported if m.startswith("duis")} == {"duis._exceptions", "duis._severity"}


def test_emit_stamps_the_table_severity() -> None:
    report = Report("<t>")
    report.emit("correlate.content", "text")
    report.emit("xsd", "text", line=3)
    assert [(m.severity, m.rule) for m in report.messages] == [
        (Severity.WARNING, "correlate.content"),
        (Severity.ERROR, "xsd"),
    ]
    with pytest.raises(KeyError, match="not in the rule table"):
        Message.of("correlate.sgner", "text")


@pytest.mark.parametrize("pattern", ["correlate.sgner", "xsdd", "signature.digest", "srv.", ""])
def test_unknown_ids_are_refused_everywhere(pattern: str) -> None:
    with pytest.raises(ConfigError, match="no rule"):
        Config(ignore=(pattern,))
    with pytest.raises(ConfigError, match="no rule"):
        Config(select=(pattern,))
    with pytest.raises(ConfigError, match="no rule"):
        Config(severity={pattern: "info"})
    with pytest.raises(ConfigError, match="no rule"):
        config_from_mapping({"ignore": [pattern]})


@pytest.mark.parametrize(
    "pattern", ["xsd", "signature", "request-id", "request-id.counter-replay", "ALL", "mmc"]
)
def test_ids_and_prefixes_of_any_part_are_accepted(pattern: str) -> None:
    assert Config(ignore=(pattern,)).ignore == (pattern,)
    assert apply_options(Config(), severity=[f"{pattern}=info"]).severity == {
        pattern: Severity.INFO
    }


def test_cli_unknown_id_is_exit_2() -> None:
    from duis.cli import cli

    example = str(ROOT / "examples" / "responses" / "ineligible-role.xml")
    for option in ("--ignore", "--select"):
        result = CliRunner().invoke(cli, ["validate", option, "correlate.sgner", example])
        assert result.exit_code == 2, result.output
        assert "no rule 'correlate.sgner'" in result.stderr
    result = CliRunner().invoke(cli, ["validate", "--severity", "xsdd=info", example])
    assert result.exit_code == 2 and "no rule 'xsdd'" in result.stderr


def test_docs_rules_md_is_current() -> None:
    text = (ROOT / "docs" / "rules.md").read_text("utf-8")
    assert text == rulesdoc.render(), "run: python -m tools.rulesdoc"
    for r in all_rules():
        assert f"### {r.id}\n" in text


def test_public_rule_views_come_from_the_table() -> None:
    assert set(mmc.RULES) == {r.id for r in all_rules() if r.family == "mmc"}
    assert duis.rules.RULES is RULES
