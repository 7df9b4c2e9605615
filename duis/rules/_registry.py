"""The rule table: every rule's stable id, default severity and documentation.

Users select, ignore and re-grade rules by id (``--ignore install-code``), CI greps
for them and ``docs/rules.md`` is generated from this table, so an id, once
published, never changes meaning. Each rule's docstring says why it exists; the
checks themselves live beside the facts they read (:mod:`duis.rules._request`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from duis.report import Severity

__all__ = ["Rule", "all_rules", "families", "get_rule", "rule"]


@dataclass(frozen=True)
class Rule:
    """One rule as users see it (the check function is not part of the contract)."""

    id: str
    severity: Severity
    summary: str
    why: str
    example: str

    @property
    def family(self) -> str:
        return self.id.split(".", 1)[0]


_RULES: dict[str, Rule] = {}

F = TypeVar("F", bound=Callable[..., object])


def rule(id: str, severity: Severity, summary: str, *, example: str) -> Callable[[F], F]:
    """Register the decorated check under ``id``; its docstring becomes the "why"."""

    def register(fn: F) -> F:
        if id in _RULES:
            raise RuntimeError(f"rule id registered twice: {id}")
        why = inspect.cleandoc(fn.__doc__ or "")
        if not why:
            raise RuntimeError(f"rule {id} has no docstring saying why it exists")
        _RULES[id] = Rule(id, severity, summary, why, example)
        return fn

    return register


def _all() -> dict[str, Rule]:
    # Importing the checks registers them; done lazily so the registry has no cycle.
    from duis.rules import _request, _response  # noqa: F401

    return _RULES


def all_rules() -> tuple[Rule, ...]:
    """Every rule, in documentation order."""
    return tuple(_all().values())


def get_rule(rule_id: str) -> Rule | None:
    return _all().get(rule_id)


def families() -> frozenset[str]:
    """Rule-id families owned by this package (``srv``, ``cv``, ...)."""
    return frozenset(r.family for r in _all().values())
