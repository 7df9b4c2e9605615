"""``duis.Tracker``: what became of the requests a User sent, from everything that came back.

A User system sends requests and then receives, in no promised order and sometimes
twice, acknowledgements (I99), device responses, errors, the per-instruction outcomes
of future-dated commands (8F66 / 8F67, each "instruction n of m") and alerts whose
throttling metadata says how many were held back. The tracker is fed all of it and
answers: which requests are complete, pending, failed (and why, in words) or timed
out; which future-dated commands have every instruction's outcome; and which alerts
each device lost to throttling.

It is kept in one SQLite file (beside the counter store by default) with the counter
store's guarantees: WAL journal, one ``BEGIN IMMEDIATE`` transaction per message (a
process killed mid-feed leaves every earlier message recorded and none half), and
idempotence: a message already recorded (the same canonical XML) is skipped, and
every fact is stored under its natural key, so a re-delivery cannot count twice.
Because the status is computed from those sets when asked, the order of feeding
never changes the answer.
"""

from __future__ import annotations

import copy
import enum
import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from lxml import etree

from duis import catalogue
from duis._exceptions import DuisError, ModelError
from duis._paths import user_data_dir
from duis._sqlite import ThreadConnections, connect_wal
from duis.alerts import alert_device
from duis.codes import response_code
from duis.ids import RequestID
from duis.model import from_tree
from duis.model._common import SR
from duis.model.request import Request
from duis.model.response import (
    DCCAlert,
    DeviceAlert,
    Response,
    ResponseMessage,
    SMETS1Response,
    parse_datetime,
)
from duis.namespaces import DS, clark
from duis.rules._response import DEVICE_DATED_PATTERNS
from duis.xml import DEFAULT_MAX_BYTES, XInput, element_value, parse

__all__ = [
    "DEFAULT_TIMEOUT",
    "ENV_VAR",
    "Added",
    "DeviceThrottling",
    "FutureDatedCommand",
    "RequestState",
    "RequestStatus",
    "Tracker",
    "TrackerError",
    "TrackerStatus",
    "default_tracker_path",
]

#: Environment variable naming the tracker's file when none is given.
ENV_VAR = "DUIS_TRACKER_DB"
#: How long a request may stay unanswered (after its execution time, when
#: future-dated) before the tracker calls it timed out. This project's default, not a
#: DUIS figure: pass ``timeout=`` for your own service levels.
DEFAULT_TIMEOUT = timedelta(hours=1)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (digest TEXT PRIMARY KEY, kind TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS requests (
    request_id TEXT PRIMARY KEY, srv TEXT, command_variant INTEGER,
    sent_at TEXT, execution_at TEXT);
CREATE TABLE IF NOT EXISTS responses (
    request_id TEXT NOT NULL, digest TEXT NOT NULL, srv TEXT, code TEXT NOT NULL,
    at TEXT, what TEXT NOT NULL, PRIMARY KEY (request_id, digest));
CREATE TABLE IF NOT EXISTS instructions (
    request_id TEXT NOT NULL, number INTEGER NOT NULL, total INTEGER NOT NULL,
    code TEXT NOT NULL, srv TEXT, PRIMARY KEY (request_id, number));
CREATE TABLE IF NOT EXISTS alerts (
    digest TEXT PRIMARY KEY, device TEXT NOT NULL, kind TEXT NOT NULL, code TEXT NOT NULL,
    sequence_id INTEGER, throttled_count INTEGER, at TEXT);
CREATE INDEX IF NOT EXISTS alerts_by_device ON alerts (device, sequence_id);
"""

_DS_SIGNATURE = clark(DS, "Signature")
_FAILURE_CODES = frozenset({"8F67"})
# Epoch milliseconds between 2000 and 2100: a counter DCC-style tooling derived from
# the clock, so it says when the request was made.
_EPOCH_MS = (946_684_800_000, 4_102_444_800_000)


class TrackerError(DuisError):
    """The tracker's store cannot be opened or written."""

    rule = "tracker.store"


def default_tracker_path() -> Path:
    """``$DUIS_TRACKER_DB``, else ``tracker.sqlite3`` in the per-user data folder (the
    folder the counter store uses by default)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return user_data_dir() / "tracker.sqlite3"


class RequestState(str, enum.Enum):
    """Where a request stands; the value is what ``--format json`` prints."""

    COMPLETE = "complete"
    PENDING = "pending"
    FAILED = "failed"
    TIMED_OUT = "timed-out"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Added:
    """What feeding one message did."""

    source: str
    #: ``request``, ``response``, ``alert`` or ``future-dated-outcome``.
    kind: str
    #: False when the message was already recorded (nothing changed).
    new: bool
    request_id: str | None = None


@dataclass(frozen=True)
class RequestStatus:
    """One request (sent, or known only from what answered it)."""

    request_id: str
    srv: str | None
    state: RequestState
    #: The response code that decided the state (the first error, else the success).
    response_code: str | None
    #: The code's meaning in words, or why the request is in its state.
    reason: str
    #: Whether the request itself was fed (else only its responses were).
    request_seen: bool
    acknowledged: bool

    def to_json(self) -> dict[str, object]:
        return {
            "request_id": self.request_id,
            "srv": self.srv,
            "state": self.state.value,
            "response_code": self.response_code,
            "reason": self.reason,
            "request_seen": self.request_seen,
            "acknowledged": self.acknowledged,
        }


@dataclass(frozen=True)
class FutureDatedCommand:
    """A device-dated command and the instruction outcomes that arrived for it."""

    request_id: str
    srv: str | None
    total: int
    succeeded: tuple[int, ...]
    failed: tuple[int, ...]

    @property
    def missing(self) -> tuple[int, ...]:
        seen = set(self.succeeded) | set(self.failed)
        return tuple(n for n in range(1, self.total + 1) if n not in seen)

    @property
    def all_instructions(self) -> bool:
        """Every instruction 1..total reported (successfully or not)."""
        return not self.missing

    def to_json(self) -> dict[str, object]:
        return {
            "request_id": self.request_id,
            "srv": self.srv,
            "total_instructions": self.total,
            "succeeded": list(self.succeeded),
            "failed": list(self.failed),
            "missing": list(self.missing),
            "all_instructions": self.all_instructions,
        }


@dataclass(frozen=True)
class DeviceThrottling:
    """What alert-storm protection held back from one device's alerts."""

    device: str
    alerts: int
    first_sequence_id: int | None
    last_sequence_id: int | None
    #: Runs of ThrottledAlertSequenceId never received, as inclusive (first, last).
    gaps: tuple[tuple[int, int], ...]
    #: The ThrottledAlertCount of every distinct alert, summed.
    throttled_count: int

    @property
    def missing_sequence_ids(self) -> int:
        return sum(last - first + 1 for first, last in self.gaps)

    def to_json(self) -> dict[str, object]:
        return {
            "device": self.device,
            "alerts": self.alerts,
            "first_sequence_id": self.first_sequence_id,
            "last_sequence_id": self.last_sequence_id,
            "gaps": [list(g) for g in self.gaps],
            "missing_sequence_ids": self.missing_sequence_ids,
            "throttled_count": self.throttled_count,
        }


@dataclass(frozen=True)
class TrackerStatus:
    """Everything the tracker knows, as of ``at``."""

    at: datetime
    requests: tuple[RequestStatus, ...]
    future_dated: tuple[FutureDatedCommand, ...]
    throttling: tuple[DeviceThrottling, ...]
    messages: int

    def by_state(self, state: RequestState) -> tuple[RequestStatus, ...]:
        return tuple(r for r in self.requests if r.state is state)

    def counts(self) -> dict[str, int]:
        return {s.value: len(self.by_state(s)) for s in RequestState}

    def to_json(self) -> dict[str, object]:
        return {
            "at": self.at.isoformat(),
            "messages": self.messages,
            "counts": self.counts(),
            "requests": [r.to_json() for r in self.requests],
            "future_dated": [f.to_json() for f in self.future_dated],
            "throttling": [t.to_json() for t in self.throttling],
        }


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


def _from_iso(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _digest(root: etree._Element) -> str:
    """The message's identity: SHA-256 of its canonical XML (whitespace as written)."""
    return hashlib.sha256(etree.tostring(root, method="c14n")).hexdigest()


def _sent_at(request_id: RequestID) -> datetime | None:
    low, high = _EPOCH_MS
    if low <= request_id.counter <= high:
        return datetime.fromtimestamp(request_id.counter / 1000, tz=timezone.utc)
    return None


def _counter_time(request_id: str) -> datetime | None:
    """When a request known only from its responses was made, from its counter."""
    try:
        return _sent_at(RequestID.parse(request_id))
    except ValueError:
        return None


def _execution_at(request: Request) -> datetime | None:
    found = request.body.find(f"{{{SR}}}ExecutionDateTime")
    text = "" if found is None else element_value(found)
    if not text:
        return None
    return parse_datetime(text)


class Tracker:
    """Requests and what came back, in one SQLite file; safe to share between processes."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, durable: bool = True) -> None:
        """Open (creating if needed) the store; ``durable`` fsyncs every commit.

        Without ``durable`` a killed process still loses nothing it committed; only a
        power loss could roll back the last few messages (feed them again: duplicates
        are skipped).
        """
        self.path = Path(path) if path is not None else default_tracker_path()
        self._durable = durable
        self._conns = ThreadConnections()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TrackerError(
                f"cannot create the tracker's folder: {exc.strerror or exc}; choose another "
                f"with --db or ${ENV_VAR}",
                source=str(self.path),
            ) from None
        self._connect()

    # -- storage -----------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = self._conns.current()  # a connection crosses no thread and no fork
        if conn is not None:
            return conn
        try:
            conn = connect_wal(self.path, durable=self._durable)
            conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise TrackerError(
                f"cannot open the tracker store: {exc}; choose another with --db or ${ENV_VAR}",
                source=str(self.path),
            ) from None
        return self._conns.keep(conn)

    def close(self) -> None:
        self._conns.close()

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- feeding -----------------------------------------------------------------

    def add(
        self,
        data: XInput,
        *,
        source: str | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        sent_at: datetime | None = None,
    ) -> Added:
        """Record one request or response (bytes, text, a path or a binary file).

        Raises :class:`~duis.XMLError` / :class:`~duis.ModelError` for input that is
        not a readable DUIS message, :class:`TrackerError` when the store fails.
        ``sent_at`` is when a request was sent; without it a clock-derived counter
        (epoch milliseconds, as DCC's tooling uses) gives the time.
        """
        tree = parse(data, source=source, max_bytes=max_bytes)
        name = source or (str(data) if isinstance(data, (str, Path)) else "<message>")
        return self.add_tree(tree.getroot(), source=name, sent_at=sent_at)

    def add_tree(
        self, root: etree._Element, *, source: str = "<message>", sent_at: datetime | None = None
    ) -> Added:
        """:meth:`add` for a tree already parsed by :func:`duis.xml.parse`."""
        message = from_tree(root, source)
        digest = _digest(root)
        rows = (
            self._request_rows(message, sent_at)
            if isinstance(message, Request)
            else self._response_rows(message, root, digest)
        )
        kind, request_id, statements = rows
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                cur = conn.execute(
                    "INSERT OR IGNORE INTO messages (digest, kind) VALUES (?, ?)", (digest, kind)
                )
                new = cur.rowcount == 1
                if new:
                    for sql, params in statements:
                        conn.execute(sql, params)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise TrackerError(f"tracker store failed: {exc}", source=str(self.path)) from None
        return Added(source, kind, new, request_id)

    def add_all(self, paths: Iterable[str | os.PathLike[str]]) -> Iterator[Added]:
        """Feed files one by one (one transaction each), yielding what each did."""
        for path in paths:
            yield self.add(Path(path), source=str(path))

    _Rows = tuple[str, str | None, list[tuple[str, tuple[object, ...]]]]

    def _request_rows(self, request: Request, sent_at: datetime | None) -> _Rows:
        rid = request.request_id
        when = sent_at if sent_at is not None else _sent_at(rid)
        # The same RequestID fed again (a re-send, or a conflicting replay) merges by
        # taking the least of each known value: the same row whatever the order.
        least = "{0} = COALESCE(MIN(requests.{0}, excluded.{0}), requests.{0}, excluded.{0})"
        sql = (
            "INSERT INTO requests (request_id, srv, command_variant, sent_at, execution_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(request_id) DO UPDATE SET "
            + ", ".join(
                least.format(c) for c in ("srv", "command_variant", "sent_at", "execution_at")
            )
        )
        params = (
            str(rid),
            request.srv,
            request.command_variant.value,
            _iso(when),
            _iso(_execution_at(request)),
        )
        return "request", str(rid), [(sql, params)]

    def _response_rows(self, response: Response, root: etree._Element, digest: str) -> _Rows:
        content = response.content
        _check_ranges(response, content)
        rid = None if response.request_id is None else str(response.request_id)
        at = _iso(response.response_time)
        out: list[tuple[str, tuple[object, ...]]] = []
        kind = "response"
        if isinstance(content, ResponseMessage) and content.future_dated_alert is not None:
            alert = content.future_dated_alert
            kind = "future-dated-outcome"
            if rid is not None:
                # A conflicting re-delivery of one instruction: failure wins and the
                # largest total is kept, so any order gives the same row.
                out.append(
                    (
                        "INSERT INTO instructions (request_id, number, total, code, srv) "
                        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(request_id, number) DO UPDATE SET "
                        "total = MAX(instructions.total, excluded.total), "
                        "code = MAX(instructions.code, excluded.code)",
                        (
                            rid,
                            alert.instruction_number,
                            alert.total_instructions,
                            alert.alert_code,
                            content.srv,
                        ),
                    )
                )
        elif isinstance(content, (ResponseMessage, SMETS1Response)) and rid is not None:
            what = (
                content.content_kind.value
                if isinstance(content, ResponseMessage) and content.content_kind is not None
                else "none"
            )
            out.append(
                self._response_row(rid, digest, content.srv, response.response_code, at, what)
            )
        if isinstance(content, (DeviceAlert, DCCAlert, SMETS1Response)):
            if not isinstance(content, SMETS1Response):
                kind = "alert"
            device = alert_device(root) or "unknown"
            code = content.alert_code if not isinstance(content, SMETS1Response) else "SMETS1"
            if not isinstance(content, SMETS1Response) or content.throttled_sequence_id is not None:
                out.append(
                    (
                        "INSERT OR IGNORE INTO alerts (digest, device, kind, code, sequence_id, "
                        "throttled_count, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (
                            _alert_key(root, digest),
                            device,
                            response.body_kind,
                            code,
                            content.throttled_sequence_id,
                            content.throttled_count,
                            at,
                        ),
                    )
                )
        if isinstance(content, DCCAlert):
            out.extend(self._dcc_alert_outcome(content, digest, at))
        return kind, rid, out

    @staticmethod
    def _response_row(
        rid: str, digest: str, srv: str | None, code: str, at: str | None, what: str
    ) -> tuple[str, tuple[object, ...]]:
        return (
            "INSERT OR IGNORE INTO responses (request_id, digest, srv, code, at, what) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (rid, digest, srv, code, at, what),
        )

    def _dcc_alert_outcome(
        self, alert: DCCAlert, digest: str, at: str | None
    ) -> list[tuple[str, tuple[object, ...]]]:
        """A DCC alert that reports on one request (by its RequestID) is an outcome."""
        names = {
            "CommandFailure": ("CommandRequestID", "failed"),
            "UpdateHANDeviceLogResult": ("UpdateHANDeviceLogServiceRequestID", "outcome"),
        }
        found = names.get(alert.event_kind)
        if found is None:
            return []
        el = alert.event.find(f"{{{SR}}}{found[0]}")
        if el is None:
            return []
        try:
            rid = str(RequestID.parse(element_value(el)))
        except ValueError:
            return []
        return [
            self._response_row(
                rid, digest, None, alert.alert_code, at, f"dcc-alert:{found[1]}:{alert.event_kind}"
            )
        ]

    # -- answering ---------------------------------------------------------------

    def status(
        self, *, at: datetime | None = None, timeout: timedelta = DEFAULT_TIMEOUT
    ) -> TrackerStatus:
        """Where every request stands as of ``at`` (default: now), computed from the
        recorded sets, so it never depends on the order messages were fed."""
        now = at if at is not None else datetime.now(timezone.utc)
        if now.tzinfo is None:
            now = now.replace(tzinfo=timezone.utc)
        conn = self._connect()
        try:
            conn.execute("BEGIN")
            try:
                return self._status(conn, now, timeout)
            finally:
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise TrackerError(f"tracker store failed: {exc}", source=str(self.path)) from None

    def _status(self, conn: sqlite3.Connection, now: datetime, timeout: timedelta) -> TrackerStatus:
        requests = {
            r[0]: r
            for r in conn.execute(
                "SELECT request_id, srv, command_variant, sent_at, execution_at FROM requests"
            )
        }
        responses: dict[str, list[tuple[str | None, str, str | None, str]]] = {}
        for rid, srv, code, when, what in conn.execute(
            "SELECT request_id, srv, code, at, what FROM responses"
        ):
            responses.setdefault(rid, []).append((srv, code, when, what))
        instructions: dict[str, list[tuple[int, int, str, str | None]]] = {}
        for rid, number, total, code, srv in conn.execute(
            "SELECT request_id, number, total, code, srv FROM instructions"
        ):
            instructions.setdefault(rid, []).append((number, total, code, srv))
        future = tuple(_future(rid, rows) for rid, rows in sorted(instructions.items()))
        future_by_id = {f.request_id: f for f in future}
        statuses = []
        for rid in sorted(set(requests) | set(responses) | set(instructions)):
            statuses.append(
                _request_status(
                    rid,
                    requests.get(rid),
                    responses.get(rid, []),
                    future_by_id.get(rid),
                    now,
                    timeout,
                )
            )
        (messages,) = conn.execute("SELECT COUNT(*) FROM messages").fetchone()
        return TrackerStatus(now, tuple(statuses), future, self._throttling(conn), int(messages))

    @staticmethod
    def _throttling(conn: sqlite3.Connection) -> tuple[DeviceThrottling, ...]:
        out = []
        devices = conn.execute(
            "SELECT device, COUNT(*), COALESCE(SUM(throttled_count), 0), MIN(sequence_id), "
            "MAX(sequence_id) FROM alerts GROUP BY device ORDER BY device"
        ).fetchall()
        for device, alerts, throttled, first, last in devices:
            gaps: list[tuple[int, int]] = []
            previous: int | None = None
            # Distinct ids in order, streamed: memory stays flat however many alerts.
            for (seq,) in conn.execute(
                "SELECT DISTINCT sequence_id FROM alerts WHERE device = ? AND sequence_id "
                "IS NOT NULL ORDER BY sequence_id",
                (device,),
            ):
                if previous is not None and seq > previous + 1:
                    gaps.append((previous + 1, seq - 1))
                previous = seq
            if first is None and throttled == 0:
                continue
            out.append(DeviceThrottling(device, alerts, first, last, tuple(gaps), int(throttled)))
        return tuple(out)


#: The XSD types of the numbers the tracker stores: out of range is not DUIS (and
#: would not fit SQLite's 64-bit integers).
_UNSIGNED_SHORT = 65_535
_UNSIGNED_INT = 4_294_967_295


def _check_ranges(response: Response, content: object) -> None:
    checks: list[tuple[str, int | None, int]] = []
    if isinstance(content, ResponseMessage) and content.future_dated_alert is not None:
        alert = content.future_dated_alert
        checks += [
            ("InstructionNumber", alert.instruction_number, _UNSIGNED_SHORT),
            ("TotalCommandInstructions", alert.total_instructions, _UNSIGNED_SHORT),
        ]
    if isinstance(content, (DeviceAlert, DCCAlert, SMETS1Response)):
        checks += [
            ("ThrottledAlertSequenceId", content.throttled_sequence_id, _UNSIGNED_INT),
            ("ThrottledAlertCount", content.throttled_count, _UNSIGNED_INT),
        ]
    for name, value, limit in checks:
        if value is not None and value > limit:
            raise ModelError(
                f"<{name}> is {value}, above its XSD maximum {limit}; not recorded",
                source=response.source,
            )


def _alert_key(root: etree._Element, digest: str) -> str:
    """An alert's identity whatever its signature: the body and the header, unsigned.

    The DCC may deliver an alert again (retries for 300 s, then from the failed
    queue), re-signed; the same header and body are the same alert.
    """
    signature = root.find(_DS_SIGNATURE)
    if signature is None:
        return digest
    unsigned = copy.deepcopy(root)
    found = unsigned.find(_DS_SIGNATURE)
    if found is not None:
        unsigned.remove(found)
    return _digest(unsigned)


def _future(rid: str, rows: list[tuple[int, int, str, str | None]]) -> FutureDatedCommand:
    total = max(r[1] for r in rows)
    srv = next((r[3] for r in rows if r[3]), None)
    ok = tuple(sorted(r[0] for r in rows if r[2] not in _FAILURE_CODES))
    bad = tuple(sorted(r[0] for r in rows if r[2] in _FAILURE_CODES))
    return FutureDatedCommand(rid, srv, total, ok, bad)


def _meaning(code: str) -> str:
    found = response_code(code)
    return found.meaning if found is not None else "not a DUIS response code"


def _request_status(
    rid: str,
    request: tuple[str, str | None, int | None, str | None, str | None] | None,
    responses: list[tuple[str | None, str, str | None, str]],
    future: FutureDatedCommand | None,
    now: datetime,
    timeout: timedelta,
) -> RequestStatus:
    srv = request[1] if request is not None else None
    if srv is None:
        srv = next((r[0] for r in responses if r[0]), None)
    if srv is None and future is not None:
        srv = future.srv
    acknowledged = any(r[1] == "I99" for r in responses)

    def status(state: RequestState, code: str | None, reason: str) -> RequestStatus:
        return RequestStatus(rid, srv, state, code, reason, request is not None, acknowledged)

    # Errors first: the earliest (then the smallest code) decides, whatever the order.
    errors = sorted(
        (r for r in responses if r[1].startswith("E")), key=lambda r: (r[2] or "", r[1])
    )
    if errors:
        code = errors[0][1]
        return status(RequestState.FAILED, code, _meaning(code))
    failures = sorted(r for r in responses if r[3].startswith("dcc-alert:failed"))
    if failures:
        code = failures[0][1]
        return status(RequestState.FAILED, code, f"DCC alert {code} reports the command failed")
    device_dated = future is not None or (
        request is not None
        and request[4] is not None
        and (row := catalogue.get(srv or "")) is not None
        and row.future_dated in DEVICE_DATED_PATTERNS
    )
    if device_dated:
        if future is not None and future.failed:
            numbers = ", ".join(str(n) for n in future.failed)
            return status(
                RequestState.FAILED,
                "8F67",
                f"instruction {numbers} of {future.total} not executed (alert 8F67)",
            )
        if future is not None and future.all_instructions:
            return status(
                RequestState.COMPLETE,
                "8F66",
                f"all {future.total} instructions executed (alert 8F66)",
            )
        waiting = (
            f"{len(future.missing)} of {future.total} instruction outcomes outstanding"
            if future is not None
            else "waiting for the device's 8F66/8F67 outcome of the future-dated command"
        )
        start = _from_iso(request[4]) if request is not None and request[4] else None
        if start is None:
            start = _from_iso(request[3]) if request is not None else _counter_time(rid)
        return _pending(status, start, now, timeout, waiting)
    done = sorted((r for r in responses if r[1] != "I99"), key=lambda r: (r[2] or "", r[1]))
    if done:
        code = done[0][1]
        return status(RequestState.COMPLETE, code, _meaning(code))
    sent = _from_iso(request[3]) if request is not None and request[3] else _counter_time(rid)
    execution = _from_iso(request[4]) if request is not None else None
    if execution is not None and (sent is None or execution > sent):
        sent = execution
    reason = "acknowledged (I99), waiting for the outcome" if acknowledged else "no response yet"
    return _pending(status, sent, now, timeout, reason)


_Make = Callable[[RequestState, "str | None", str], RequestStatus]


def _pending(
    status: _Make, since: datetime | None, now: datetime, timeout: timedelta, reason: str
) -> RequestStatus:
    if since is not None and now - since > timeout:
        return status(
            RequestState.TIMED_OUT,
            None,
            f"{reason}; nothing for {_ago(now - since)} (timeout {_ago(timeout)})",
        )
    return status(RequestState.PENDING, None, reason)


def _ago(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds >= 86400:
        return f"{seconds // 86400} d {seconds % 86400 // 3600} h"
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 60} min {seconds % 60} s"
