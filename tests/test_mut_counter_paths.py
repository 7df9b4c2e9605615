"""Counter store paths the full mutation run left unpinned (docs/testing.md).

Each test states a promise of docs/signing.md with literal values: stored values are
checked (an integral PostgreSQL NUMERIC is a counter, anything else a damaged store
named in the refusal), every way of opening a store is durable unless told
otherwise, a new store's folder is made, a failed creation leaves nothing behind, and
a refused change rolls its transaction back.
"""

from __future__ import annotations

import os
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from duis.ids import EUI64
from signing import CounterStore, CounterStoreError, _counters, open_counter_store

A = EUI64.parse("90-B3-D5-1F-30-01-00-00")
REINIT = (
    "re-initialise it above the last counter any signer used with "
    "`duis counters reinit --counter-db LOCATION --above N` (CounterStore.reinitialise)"
)


def _synchronous(store: CounterStore) -> int:
    conn = store._connect()  # type: ignore[attr-defined]
    value = conn.execute("PRAGMA synchronous").fetchone()[0]
    assert isinstance(value, int)
    return value


# -- stored values --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal(0), 0),
        (Decimal(5), 5),  # odd: integral is "% 1 == 0", not "% 2"
        (Decimal(4), 4),
        (Decimal("18446744073709551615"), 2**64 - 1),
        ("00000000000000000005", 5),  # 20 digits: SQLite's floor text
        (7, 7),
    ],
)
def test_integral_values_are_counters(value: object, expected: int) -> None:
    assert _counters._check_counter(value, what="floor", source="s") == expected


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("5.5"), "Decimal('5.5')"),
        (Decimal("NaN"), "Decimal('NaN')"),
        (Decimal("Infinity"), "Decimal('Infinity')"),
        ("000000000000000000005", "'000000000000000000005'"),  # 21 digits: refused
        ("5x", "'5x'"),
        (True, "True"),
    ],
)
def test_other_values_are_a_damaged_store(value: object, shown: str) -> None:
    with pytest.raises(CounterStoreError) as info:
        _counters._check_counter(value, what="floor", source="s")
    assert info.value.source == "s"
    assert info.value.message == (
        f"counter store holds a bad floor ({shown}, not an integer): it was edited or "
        f"damaged; {REINIT}"
    )


def _damage(path: Path, sql: str, *args: object) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(sql, args)
    conn.close()


@pytest.mark.parametrize("read", ["last_issued", "next"])
def test_a_non_integer_counter_names_the_originator_and_the_store(
    tmp_path: Path, read: str
) -> None:
    path = tmp_path / "c.sqlite3"
    CounterStore(path, durable=False).close()
    _damage(path, "INSERT INTO issued (originator, last) VALUES (?, 'abc')", str(A))
    with CounterStore(path, durable=False) as store, pytest.raises(CounterStoreError) as info:
        getattr(store, read)(A)
    assert info.value.source == str(path)
    assert info.value.message.startswith(
        "counter store holds a bad counter for 90-B3-D5-1F-30-01-00-00 (\"'abc'\", not an "
        "integer): it was edited or damaged"
    )


def test_a_float_counter_names_the_originator_and_the_store(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    CounterStore(path, durable=False).close()
    # Counters are stored shifted down by 2**63: the stored -2**63 is counter 0.
    _damage(path, "INSERT INTO seen (originator, last) VALUES (?, ?)", str(A), -(2**63))
    with CounterStore(path, durable=False) as store:
        assert store.last_seen(A) == 0  # the bottom of the range is a counter
    _damage(path, "UPDATE seen SET last = 1.5")
    with CounterStore(path, durable=False) as store, pytest.raises(CounterStoreError) as info:
        store.last_seen(A)
    assert info.value.source == str(path)
    assert "bad counter for 90-B3-D5-1F-30-01-00-00 ('1.5', not an integer)" in (info.value.message)


# -- every way of opening is durable by default --------------------------------------


def test_open_counter_store_is_durable_by_default(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    with open_counter_store(path) as store:
        assert _synchronous(store) == 2  # FULL
    with open_counter_store(path, durable=False) as store:
        assert _synchronous(store) == 1  # NORMAL


def test_the_constructors_are_durable_by_default(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    with CounterStore(path) as store:
        assert _synchronous(store) == 2
    with _counters.SQLiteCounterStore(path) as sqlite_store:
        assert _synchronous(sqlite_store) == 2


def test_reinitialise_is_durable_by_default_for_a_healthy_and_a_lost_store(
    tmp_path: Path,
) -> None:
    healthy = tmp_path / "h.sqlite3"
    CounterStore(healthy, durable=False).close()
    with CounterStore.reinitialise(healthy, above=5) as store:
        assert _synchronous(store) == 2
    with CounterStore.reinitialise(healthy, above=6, durable=False) as store:
        assert _synchronous(store) == 1
    lost = tmp_path / "l.sqlite3"
    lost.write_bytes(b"")  # lost its state: rebuilt
    with CounterStore.reinitialise(lost, above=5) as store:
        assert _synchronous(store) == 2
    lost.write_bytes(b"")
    with CounterStore.reinitialise(lost, above=5, durable=False) as store:
        assert _synchronous(store) == 1


def test_the_default_location_may_name_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    from signing._counters_pg import PostgresCounterStore

    monkeypatch.setenv("DUIS_COUNTER_DB", "postgresql://signer@db.example/counters")
    assert _counters._backend_for(None) is PostgresCounterStore
    monkeypatch.setenv("DUIS_COUNTER_DB", "/var/lib/duis/counters.sqlite3")
    assert _counters._backend_for(None) is _counters.SQLiteCounterStore


# -- creation -------------------------------------------------------------------------


def test_a_new_store_gets_its_folders_and_a_zero_floor(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "c.sqlite3"
    with CounterStore(path, durable=False) as store:
        assert store.next(A) > 0
    conn = sqlite3.connect(path)
    assert dict(conn.execute("SELECT key, value FROM meta")) == {"format": "1", "floor": "0"}
    conn.close()
    CounterStore(path, durable=False).close()  # an existing folder and store: opened


def test_a_folder_that_cannot_be_made_is_refused_with_what_to_do(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    path = blocker / "c.sqlite3"
    with pytest.raises(CounterStoreError) as info:
        CounterStore(path, durable=False)
    assert info.value.source == str(path)
    assert info.value.message == (
        "cannot create the counter store's folder: File exists; "
        "choose another with --counter-db or $DUIS_COUNTER_DB"
    )


def test_a_failed_creation_is_refused_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_link(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "link", no_link)
    path = tmp_path / "c.sqlite3"
    with pytest.raises(CounterStoreError) as info:
        CounterStore(path, durable=False)
    assert info.value.source == str(path)
    assert info.value.message == (
        "cannot create the counter store: [Errno 28] No space left on device; "
        "choose another with --counter-db or $DUIS_COUNTER_DB"
    )
    assert sorted(os.listdir(tmp_path)) == []


# -- a refused change is rolled back -------------------------------------------------


def test_a_damaged_floor_refuses_reinit_and_leaves_no_transaction_open(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    CounterStore(path, durable=False).close()
    _damage(path, "UPDATE meta SET value = 'garbage' WHERE key = 'floor'")
    store = CounterStore(path, durable=False)
    with pytest.raises(CounterStoreError) as info:
        store._raise_floor(10)
    assert info.value.message.startswith(
        "counter store holds a bad floor ('garbage', not an integer)"
    )
    conn = store._connect()  # type: ignore[attr-defined]
    assert not conn.in_transaction  # ROLLBACK ran: the next writer is not blocked
    _damage(path, "UPDATE meta SET value = '3' WHERE key = 'floor'")
    store._raise_floor(10)
    assert conn.execute("SELECT value FROM meta WHERE key = 'floor'").fetchone() == ("10",)
    store.close()


def test_a_table_dropped_while_in_use_is_lost_state(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    store = CounterStore(path, durable=False)
    store.next(A)
    _damage(path, "DROP TABLE meta")
    with pytest.raises(CounterStoreError) as info:
        store._raise_floor(10)
    assert info.value.source == str(path)
    assert info.value.message.startswith(
        "counter store exists but a table was dropped while in use (no such table: meta)"
    )
    store.close()
