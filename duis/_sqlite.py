"""One SQLite connection per thread and per process, for the stores shared by processes.

The tracker and the SQLite counter store are both opened once and then used from
many threads (``duis serve`` signs in a thread pool) and, after a fork, from child
processes. A sqlite3 connection may cross neither: a thread must not use another's,
and a connection inherited over ``fork`` shares the parent's file locks and would
corrupt the WAL. :class:`ThreadConnections` keeps each thread's connection with the
pid that opened it and hands it back only to that thread in that process;
:func:`connect_wal` opens one the way both stores need it (autocommit, so they
control transactions with ``BEGIN IMMEDIATE``; WAL; a generous lock wait).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

__all__ = ["ThreadConnections", "connect_wal"]

#: Seconds a writer waits for another's lock before failing ("database is locked").
LOCK_TIMEOUT = 60.0


def connect_wal(path: Path, *, durable: bool) -> sqlite3.Connection:
    """A new autocommit connection in WAL mode; ``durable`` fsyncs every commit.

    Raises sqlite3.Error for the caller to turn into its own error (naming its option).
    """
    conn = sqlite3.connect(path, timeout=LOCK_TIMEOUT, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
    except sqlite3.Error:
        conn.close()
        raise
    return conn


class ThreadConnections:
    """Each thread's connection, kept only for the process that opened it."""

    def __init__(self) -> None:
        self._local = threading.local()

    def current(self) -> sqlite3.Connection | None:
        """This thread's connection, if it opened one in this process."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            return conn
        return None

    def keep(self, conn: sqlite3.Connection) -> sqlite3.Connection:
        """Make ``conn`` this thread's connection (in this process); returns it."""
        self._local.conn = conn
        self._local.pid = os.getpid()
        return conn

    def close(self) -> None:
        """Close this thread's connection; one inherited from a parent is only dropped."""
        conn = self.current()
        if conn is not None:
            conn.close()
        self._local.conn = None
