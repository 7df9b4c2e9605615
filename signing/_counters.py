"""Originator counters: strictly increasing per originator, across threads and processes.

The DCC rejects a request whose OriginatorCounter is not above the last one it saw
from that originator, so a counter must never be handed out twice, even by two
workers on one host or after a crash. SQLite gives exactly that with no server:
``BEGIN IMMEDIATE`` serialises writers across processes and a transaction is either
in the WAL or not, so a process killed mid-write leaves the last committed value.
Values are epoch milliseconds (as DCC's own tooling uses), bumped by one when the
clock has not moved on or went backwards.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from duis.ids import EUI64, MAX_COUNTER
from signing._exceptions import CounterReplayError, CounterStoreError

__all__ = ["CounterStore", "default_counter_path"]

#: Environment variable naming the store when ``--counter-db`` is not given.
ENV_VAR = "DUIS_COUNTER_DB"

# SQLite integers are signed 64-bit; counters go to 2**64 - 1, so they are stored
# shifted down by 2**63, which keeps their order.
_SHIFT = 2**63

_SCHEMA = """
CREATE TABLE IF NOT EXISTS issued (originator TEXT PRIMARY KEY, last INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS seen (originator TEXT PRIMARY KEY, last INTEGER NOT NULL);
"""


def default_counter_path() -> Path:
    """``$DUIS_COUNTER_DB``, else the platform's per-user data folder."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "duis" / "counters.sqlite3"


class CounterStore:
    """Counters per originator in one SQLite file; safe to share between processes."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, durable: bool = True) -> None:
        """Open (creating if needed) the store; ``durable`` fsyncs every commit.

        Without ``durable`` a process crash still never reuses a value; only a power
        loss could roll back the last few commits.
        """
        self.path = Path(path) if path is not None else default_counter_path()
        self._durable = durable
        self._local = threading.local()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CounterStoreError(
                f"cannot create the counter store's folder: {exc.strerror or exc}; "
                f"choose another with --counter-db or ${ENV_VAR}",
                source=str(self.path),
            ) from None
        self._connect()

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        # A connection must not cross a fork: the child opens its own.
        if conn is not None and self._local.pid == os.getpid():
            return conn
        try:
            conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={'FULL' if self._durable else 'NORMAL'}")
            conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise CounterStoreError(
                f"cannot open the counter store: {exc}; choose another with "
                f"--counter-db or ${ENV_VAR}",
                source=str(self.path),
            ) from None
        self._local.conn = conn
        self._local.pid = os.getpid()
        return conn

    def close(self) -> None:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            conn.close()
        self._local.conn = None

    def __enter__(self) -> CounterStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _transaction(
        self, table: str, originator: EUI64, decide: Callable[[int | None], int]
    ) -> int:
        conn = self._connect()
        key = str(originator)
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute(
                    f"SELECT last FROM {table} WHERE originator = ?", (key,)
                ).fetchone()
                last = None if row is None else int(row[0]) + _SHIFT
                value = decide(last)
                conn.execute(
                    f"INSERT INTO {table} (originator, last) VALUES (?, ?) "
                    "ON CONFLICT(originator) DO UPDATE SET last = excluded.last",
                    (key, value - _SHIFT),
                )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise CounterStoreError(f"counter store failed: {exc}", source=str(self.path)) from None
        return value

    def next(self, originator: EUI64) -> int:
        """A fresh counter for ``originator``: above every one handed out before."""

        def decide(last: int | None) -> int:
            now = time.time_ns() // 1_000_000
            value = now if last is None else max(now, last + 1)
            if value > MAX_COUNTER:
                raise CounterStoreError(
                    f"originator {originator} has used every counter up to 2**64-1",
                    source=str(self.path),
                )
            return value

        return self._transaction("issued", originator, decide)

    def last_issued(self, originator: EUI64) -> int | None:
        row = (
            self._connect()
            .execute("SELECT last FROM issued WHERE originator = ?", (str(originator),))
            .fetchone()
        )
        return None if row is None else int(row[0]) + _SHIFT

    def check_and_record(self, originator: EUI64, counter: int) -> None:
        """Record a message's counter; CounterReplayError unless it is above the last.

        Counters of one originator must rise strictly, so any value not above the
        highest recorded one is a replay (or an out-of-order duplicate).
        """
        if not 0 <= counter <= MAX_COUNTER:
            raise ValueError(f"counter out of range: {counter}")

        def decide(last: int | None) -> int:
            if last is not None and counter <= last:
                raise CounterReplayError(
                    f"OriginatorCounter {counter} of {originator} is not above the last "
                    f"one recorded ({last}): a replayed or out-of-order message"
                )
            return counter

        self._transaction("seen", originator, decide)
