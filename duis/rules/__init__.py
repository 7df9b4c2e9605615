"""The rules the XSD cannot express, and the one table of every rule id the project emits.

:func:`check_request` is what ``duis.validate`` calls for every request, after the
XSD (and even when it failed). :data:`RULES` / :func:`all_rules` is the rule table
(:mod:`duis._ruletable`): every id that ``duis``, ``mmc`` or ``signing`` can report,
with its default severity and why it exists. ``--select``/``--ignore``/``severity``
checking, the severity each finding gets and ``docs/rules.md`` all read it.
"""

from __future__ import annotations

from duis._ruletable import (
    AREAS,
    RULES,
    Rule,
    all_rules,
    check_patterns,
    families,
    get_rule,
    matches,
)
from duis.rules._request import check_request

__all__ = [
    "AREAS",
    "RULES",
    "Rule",
    "all_rules",
    "check_patterns",
    "check_request",
    "families",
    "get_rule",
    "matches",
]
