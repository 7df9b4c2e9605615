"""The per-thread, per-process SQLite connections the counter store and tracker share.

A connection must cross neither a thread nor a fork (``duis._sqlite``): each thread
gets its own, a forked child opens its own and never closes its parent's, and the
connection is in WAL mode with the durability asked for. Writers of the counter store
take turns on a lock file beside it, and go on without one where it cannot be made.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest

from duis._sqlite import ThreadConnections, WriterLock, connect_wal


def test_connect_wal_modes(tmp_path: Path) -> None:
    durable = connect_wal(tmp_path / "a.db", durable=True)
    fast = connect_wal(tmp_path / "b.db", durable=False)
    assert durable.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert durable.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    assert fast.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
    assert durable.isolation_level is None  # the stores run their own BEGIN IMMEDIATE
    durable.close()
    fast.close()


def test_each_thread_has_its_own(tmp_path: Path) -> None:
    conns = ThreadConnections()
    assert conns.current() is None
    mine = conns.keep(sqlite3.connect(tmp_path / "c.db", check_same_thread=False))
    seen: list[sqlite3.Connection | None] = []
    t = threading.Thread(target=lambda: seen.append(conns.current()))
    t.start()
    t.join()
    assert seen == [None]
    assert conns.current() is mine
    conns.close()
    assert conns.current() is None
    with pytest.raises(sqlite3.ProgrammingError):
        mine.execute("SELECT 1")  # closed


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_neither_uses_nor_closes_the_parents(tmp_path: Path) -> None:
    conns = ThreadConnections()
    mine = conns.keep(connect_wal(tmp_path / "d.db", durable=False))
    pid = os.fork()
    if pid == 0:  # the child: exit status says what it saw
        code = 0 if conns.current() is None else 3
        conns.close()
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert conns.current() is mine
    assert mine.execute("SELECT 1").fetchone() == (1,)  # the child did not close it
    conns.close()


def test_writers_take_turns_on_the_lock_file(tmp_path: Path) -> None:
    fcntl = pytest.importorskip("fcntl", reason="the writer lock file needs fcntl (POSIX)")
    lock = WriterLock(tmp_path / "c.db")
    assert lock.path == tmp_path / "c.db.lock"
    entered = threading.Event()

    def writer() -> None:
        with lock.held():
            entered.set()

    with lock.held():  # creates the file
        pass
    other = os.open(lock.path, os.O_RDWR)  # another open file: as another process
    try:
        fcntl.flock(other, fcntl.LOCK_EX)
        t = threading.Thread(target=writer)
        t.start()
        assert not entered.wait(0.3)  # waits for the other writer's turn
        fcntl.flock(other, fcntl.LOCK_UN)
        assert entered.wait(5)
        t.join(5)
    finally:
        os.close(other)


def test_without_a_lock_file_sqlite_locking_alone(tmp_path: Path) -> None:
    lock = WriterLock(tmp_path / "missing-folder" / "c.db")  # the lock file cannot be made
    with lock.held():
        pass
    assert not lock.path.exists()
