"""Opening an existing SQLite counter store: each refusal and the format upgrade.

Found by the 2026-12-02 mutation run of ``signing/_counters.py`` (docs/testing.md):
the connection code's refusals were reached by no test that read what they say, so a
refusal naming no store, or saying nothing, passed. The oracles are the store's
promises (docs/signing.md): a store that lost its state is refused and never
re-created, the refusal names the store and says what was lost and what to do, and
``durable`` means SQLite's ``synchronous=FULL`` (2) on the store's own connection.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from duis.ids import EUI64
from signing import CounterStore, CounterStoreError

A = EUI64.parse("90-B3-D5-1F-30-01-00-00")
REINIT = "duis counters reinit --counter-db LOCATION --above N"
LOST = "it may already have handed out counters it no longer knows"


def _refusal(path: Path, **kwargs: object) -> CounterStoreError:
    with pytest.raises(CounterStoreError) as info:
        CounterStore(path, durable=False, **kwargs)  # type: ignore[arg-type]
    assert info.value.source == str(path)
    return info.value


def _in_new_thread(call: Callable[[], object]) -> BaseException | None:
    """Run ``call`` where the store has no connection yet (one per thread)."""
    caught: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # handed back to the test
            caught.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    return caught[0] if caught else None


def test_an_empty_store_file_is_lost_state(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    path.write_bytes(b"")
    err = _refusal(path)
    assert "counter store exists but its file is empty (0 bytes):" in err.message
    assert LOST in err.message and REINIT in err.message
    assert path.read_bytes() == b""  # refused, not re-created


def test_a_store_file_removed_while_in_use_is_lost_state(tmp_path: Path) -> None:
    path = tmp_path / "gone.sqlite3"
    store = CounterStore(path, durable=False)
    store.next(A)
    path.unlink()
    err = _in_new_thread(lambda: store.next(A))
    store.close()
    assert isinstance(err, CounterStoreError)
    assert "counter store exists but its file was removed while in use:" in err.message
    assert REINIT in err.message
    assert err.source == str(path)
    assert not path.exists()


def test_a_store_path_that_cannot_be_read_names_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "loop.sqlite3"
    store = CounterStore(path, durable=False)
    path.unlink()
    os.symlink(path.name, path)  # a link to itself: stat fails with ELOOP, not ENOENT
    err = _in_new_thread(lambda: store.next(A))
    store.close()
    assert isinstance(err, CounterStoreError)
    assert err.message == "cannot open the counter store: Too many levels of symbolic links"
    assert err.source == str(path)


def test_a_file_that_is_not_sqlite_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "text.sqlite3"
    path.write_bytes(b"counters: 1, 2, 3\n" * 10)
    err = _refusal(path)
    assert err.message.startswith("cannot open the counter store: file is not a database;")
    assert err.message.endswith("choose another with --counter-db or $DUIS_COUNTER_DB")
    assert path.read_bytes() == b"counters: 1, 2, 3\n" * 10


@pytest.mark.parametrize(
    ("dropped", "named"),
    [(["seen"], "seen"), (["issued"], "issued"), (["issued", "seen"], "issued, seen")],
)
def test_missing_tables_are_named(tmp_path: Path, dropped: list[str], named: str) -> None:
    path = tmp_path / "tables.sqlite3"
    CounterStore(path, durable=False).close()
    conn = sqlite3.connect(path)
    for table in dropped:
        conn.execute(f"DROP TABLE {table}")
    conn.commit()
    conn.close()
    err = _refusal(path)
    assert f"counter store exists but its table(s) {named} are gone:" in err.message


def test_a_store_from_before_the_format_marker_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    high = 2**62  # far above the clock: the next counter must come from the store
    with CounterStore.reinitialise(path, above=high, durable=False) as store:
        assert store.next(A) == high + 1
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE meta")  # as stores were before the format marker
    conn.commit()
    conn.close()
    with CounterStore(path, durable=False) as store:
        assert store.next(A) == high + 2
    conn = sqlite3.connect(path)
    meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    conn.close()
    assert meta == {"format": "1", "floor": "0"}


def test_a_store_with_the_marker_is_not_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    with CounterStore(path, durable=False) as store:
        store.next(A)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '7' WHERE key = 'floor'")
    conn.execute("INSERT INTO meta VALUES ('note', 'kept')")
    conn.commit()
    conn.close()
    with CounterStore(path, durable=False) as store:
        store.next(A)
    conn = sqlite3.connect(path)
    meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    conn.close()
    assert meta == {"format": "1", "floor": "7", "note": "kept"}


@pytest.mark.parametrize(("durable", "synchronous"), [(True, 2), (False, 1)])
def test_durable_is_synchronous_full_on_the_stores_connection(
    tmp_path: Path, durable: bool, synchronous: int
) -> None:
    path = tmp_path / "sync.sqlite3"
    CounterStore(path, durable=False).close()  # the store exists: __init__ only connects
    with CounterStore(path, durable=durable) as store:
        conn = store._connect()
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == synchronous
