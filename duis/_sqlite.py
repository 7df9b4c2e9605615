"""One SQLite connection per thread and per process, for the stores shared by processes.

The tracker and the SQLite counter store are both opened once and then used from
many threads (``duis serve`` signs in a thread pool) and, after a fork, from child
processes. A sqlite3 connection may cross neither: a thread must not use another's,
and a connection inherited over ``fork`` shares the parent's file locks and would
corrupt the WAL. :class:`ThreadConnections` keeps each thread's connection with the
pid that opened it and hands it back only to that thread in that process;
:func:`connect_wal` opens one the way both stores need it (autocommit, so they
control transactions with ``BEGIN IMMEDIATE``; WAL; a generous lock wait).

:class:`WriterLock` lets the writers of one file take turns before ``BEGIN
IMMEDIATE``: SQLite's own wait for a busy database sleeps in growing steps (up to
100 ms) and is not woken when the lock frees, so two processes that commit often
(``duis serve`` workers drawing counters) would wait far longer than the commits
take. The turn is taken on a lock file beside the database, polled every few
milliseconds at most, for at most :data:`LOCK_TIMEOUT`; after that, or where the
lock file cannot be made, SQLite's own locking still serialises the writers.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: SQLite's own locking alone
    fcntl = None  # type: ignore[assignment]

__all__ = ["ThreadConnections", "WriterLock", "connect_wal"]

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


class WriterLock:
    """Turns for the writers of one SQLite file, across threads and processes."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".lock")
        self._pid = -1
        self._fd: int | None = None
        self._threads = threading.Lock()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Hold the turn (best effort: see the module's docstring) for a transaction."""
        self._for_this_process()
        with self._threads:
            fd = self._fd
            locked = fd is not None and _take(fd)
            try:
                yield
            finally:
                if locked:
                    assert fd is not None
                    fcntl.flock(fd, fcntl.LOCK_UN)

    def _for_this_process(self) -> None:
        # An inherited lock file shares its lock with the parent: open our own.
        if self._pid == os.getpid():
            return
        self._threads = threading.Lock()  # one held by a thread that did not fork
        self._fd = None
        self._pid = os.getpid()
        if fcntl is None:
            return
        with contextlib.suppress(OSError):  # read-only folder: SQLite's locking only
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


def _take(fd: int) -> bool:
    """Lock ``fd``, polling (1 ms, then 4 ms at most) for at most LOCK_TIMEOUT seconds."""
    deadline = time.monotonic() + LOCK_TIMEOUT
    pause = 0.001
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False  # SQLite's own timeout decides from here
            time.sleep(pause)
            pause = min(pause * 2, 0.004)
        except OSError:
            return False  # a file system without flock
