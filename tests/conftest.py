"""Suite-wide checks: every finding any test produces names a rule of the rule table.

Hypothesis runs without its per-example deadline and too-slow health check: both
judge wall-clock time, which on a loaded 2-core CI machine says nothing about the
code (an example that took 300 ms failed ``test_header_round_trip`` once in a loop
of full-suite runs). Speed is measured in ``benchmarks/``, not here. Seeds stay
random (``--hypothesis-seed`` picks one).

Also makes the checkout's ``tools/`` (generators, not installed) importable when the
suite runs against an installed copy of the package: the checkout is appended to
``sys.path``, so an installed ``duis`` still wins over the checkout's.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from duis.report import Message
from duis.rules import get_rule

settings.register_profile("duis", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("duis")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))


@pytest.fixture(autouse=True)
def _every_finding_is_in_the_rule_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail the test if any Message it produced carries an id the rule table lacks."""
    seen: set[str] = set()
    original = Message.__init__

    def recording(self: Message, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        seen.add(self.rule)

    monkeypatch.setattr(Message, "__init__", recording)
    yield
    unknown = sorted(r for r in seen if get_rule(r) is None)
    assert not unknown, f"findings with ids missing from duis/_ruletable.py: {unknown}"
