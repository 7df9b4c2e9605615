"""Reports travel from batch workers to the parent by pickle: they must arrive whole."""

from __future__ import annotations

import pickle

from hypothesis import given
from hypothesis import strategies as st

from duis._ruletable import RULES
from duis.report import Kind, Message, Report, Severity

_text = st.text(max_size=20)
_maybe_int = st.none() | st.integers(min_value=0, max_value=10**6)
_messages = st.builds(
    Message,
    st.sampled_from(list(Severity)),
    st.sampled_from(sorted(RULES)),
    _text,
    _maybe_int,
    st.none() | _text,
    _maybe_int,
)
_reports = st.builds(
    Report,
    _text,
    st.sampled_from(list(Kind)),
    st.none() | _text,
    st.none() | _text,
    st.none() | _text,
    st.lists(_messages, max_size=4),
)


@given(_reports)
def test_a_report_survives_the_trip_to_the_parent(report: Report) -> None:
    again = pickle.loads(pickle.dumps(report))
    assert again == report
    assert again.kind is report.kind  # the enum member itself, so `is` checks hold
    pairs = zip(again.messages, report.messages, strict=True)
    assert all(a.severity is b.severity for a, b in pairs)
    assert again.valid == report.valid
