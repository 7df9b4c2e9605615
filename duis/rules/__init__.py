"""The rules the XSD cannot express, each with a stable id users can filter on.

:func:`check_request` is what ``duis.validate`` calls for every request, after the
XSD (and even when it failed); :func:`all_rules` is the table ``docs/rules.md`` and
``--select``/``--ignore`` checking are built from.
"""

from __future__ import annotations

from duis.rules._registry import Rule, all_rules, families, get_rule
from duis.rules._request import check_request
from duis.rules._response import AlertSequences, check_mmc_alert, check_response

__all__ = [
    "AlertSequences",
    "Rule",
    "all_rules",
    "check_mmc_alert",
    "check_request",
    "check_response",
    "families",
    "get_rule",
]
