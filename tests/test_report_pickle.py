"""Reports travel from batch workers to the parent by pickle: they must arrive whole."""

from __future__ import annotations

import pickle
from dataclasses import dataclass

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


@dataclass
class Extended(Report):
    """A report with more to say (pickle finds it by name, so at module level)."""

    payload: str = ""


def test_a_report_subclass_keeps_its_class_and_fields() -> None:
    report = Extended("a.xml", Kind.RESPONSE, payload="decoded")
    report.emit("xsd", "bad")
    again = pickle.loads(pickle.dumps(report))
    assert type(again) is Extended
    assert again == report and again.payload == "decoded"


def test_an_attribute_set_beside_the_fields_is_kept() -> None:
    report = Report("a.xml", Kind.REQUEST)
    report.note = "set by a caller"  # type: ignore[attr-defined]
    again = pickle.loads(pickle.dumps(report))
    assert again.note == "set by a caller"


def test_a_plain_report_still_uses_the_short_form() -> None:
    # The compact tuple form is what makes batch results cheap to send back.
    from duis.report import _report

    assert Report("a.xml").__reduce__()[0] is _report
