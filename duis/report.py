"""Findings as data: a validation never raises for a problem in the message itself.

A :class:`Message` carries a stable rule id (``xsd``, ``srv.body-mismatch``, ...) so
users can select, ignore or re-grade rules and CI can grep for them; a
:class:`Report` collects them for one document together with what judged it. Code that
finds a problem names the rule; :meth:`Message.of` and :meth:`Report.emit` stamp its
default severity from the rule table (:mod:`duis.rules`), so the table is the one place
a rule's severity is written.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields

from duis._ruletable import get_rule
from duis._severity import Severity

__all__ = ["Kind", "Message", "Report", "Severity"]


class Kind(str, enum.Enum):
    """What a document is, as far as the root element tells."""

    REQUEST = "request"
    RESPONSE = "response"
    OTHER = "other"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Message:
    """One finding: ``path:line:col: severity: text [rule]``."""

    severity: Severity
    rule: str
    text: str
    line: int | None = None
    path: str | None = None
    column: int | None = None

    @classmethod
    def of(
        cls,
        rule: str,
        text: str,
        line: int | None = None,
        path: str | None = None,
        column: int | None = None,
        *,
        severity: Severity | None = None,
    ) -> Message:
        """A finding of ``rule`` at the rule table's severity (``severity`` overrides it).

        Raises KeyError for an id the table does not have: emitting one is a bug.
        """
        if severity is None:
            found = get_rule(rule)
            if found is None:
                raise KeyError(f"rule id {rule!r} is not in the rule table (duis/_ruletable.py)")
            severity = found.severity
        return cls(severity, rule, text, line, path, column)

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # Sent back by every batch worker: enums by value, read back by a dict lookup
        # (pickle's default calls Enum(value), several times the rest of the load).
        return _message, (
            self.severity.value,
            self.rule,
            self.text,
            self.line,
            self.path,
            self.column,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "severity": self.severity.value,
            "rule": self.rule,
            "message": self.text,
            "line": self.line,
            "column": self.column,
            "path": self.path,
        }


@dataclass
class Report:
    """Everything learnt about one document."""

    source: str
    kind: Kind = Kind.OTHER
    schema: str | None = None
    schema_version: str | None = None
    srv: str | None = None
    messages: list[Message] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(m.severity is Severity.ERROR for m in self.messages)

    @property
    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.severity is Severity.ERROR]

    def add(
        self,
        severity: Severity,
        rule: str,
        text: str,
        *,
        line: int | None = None,
        path: str | None = None,
        column: int | None = None,
    ) -> None:
        self.messages.append(Message(severity, rule, text, line, path, column))

    def emit(
        self,
        rule: str,
        text: str,
        *,
        line: int | None = None,
        path: str | None = None,
        column: int | None = None,
        severity: Severity | None = None,
    ) -> None:
        """Add a finding of ``rule`` at the rule table's severity (see :meth:`Message.of`)."""
        self.messages.append(
            Message.of(rule, text, line=line, path=path, column=column, severity=severity)
        )

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # Sent back by every batch worker as a plain tuple (see Message.__reduce__). A
        # subclass, or a report given attributes beside its fields, is pickled whole:
        # the short form would hand back a plain Report without them.
        if type(self) is not Report or len(self.__dict__) != _FIELDS:
            return _whole, (type(self), dict(self.__dict__))
        return _report, (
            self.source,
            self.kind.value,
            self.schema,
            self.schema_version,
            self.srv,
            self.messages,
        )

    def rules(self) -> set[str]:
        """The rule ids that fired: handy in tests and for ``--select`` checks."""
        return {m.rule for m in self.messages}

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.source,
            "valid": self.valid,
            "kind": self.kind.value,
            "schema": self.schema,
            "schema_version": self.schema_version,
            "srv": self.srv,
            "messages": [m.to_json() for m in self.messages],
        }


_SEVERITIES = {s.value: s for s in Severity}
_KINDS = {k.value: k for k in Kind}


def _message(
    severity: str, rule: str, text: str, line: int | None, path: str | None, column: int | None
) -> Message:
    return Message(_SEVERITIES[severity], rule, text, line, path, column)


def _whole(cls: type[Report], state: dict[str, object]) -> Report:
    report = cls.__new__(cls)
    report.__dict__.update(state)
    return report


#: Report's fields: an instance with more attributes than these has extra state.
_FIELDS = len(fields(Report))


def _report(
    source: str,
    kind: str,
    schema: str | None,
    schema_version: str | None,
    srv: str | None,
    messages: list[Message],
) -> Report:
    return Report(source, _KINDS[kind], schema, schema_version, srv, messages)
