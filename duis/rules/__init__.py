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
from duis.rules._response import AlertSequences, check_mmc_alert, check_response

__all__ = [
    "AREAS",
    "RULES",
    "AlertSequences",
    "Rule",
    "all_rules",
    "check_mmc_alert",
    "check_patterns",
    "check_request",
    "check_response",
    "families",
    "get_rule",
    "matches",
]
