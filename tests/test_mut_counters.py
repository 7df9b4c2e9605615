"""The counter store's public promises, pinned at their boundaries (issue 15 mutation run).

Only behaviour a caller relies on is tested (the store's internals are being reworked):
counters strictly increase and are never reused, ``reserve`` hands out a rising block
above everything before it, replay records refuse any counter not above the last,
``reinitialise`` raises the floor, and a store that lost its state is refused. The
limits are DUIS facts written as literals: an OriginatorCounter is an unsigned 64-bit
integer (0 .. 2**64 - 1), and values are epoch milliseconds.
"""

from __future__ import annotations

import itertools
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from duis.ids import EUI64
from signing import (
    CounterReplayError,
    CounterStore,
    CounterStoreError,
    default_counter_location,
    default_counter_path,
    open_counter_store,
)
from signing._counters import SQLiteCounterStore

A = EUI64.parse("90-B3-D5-1F-30-01-00-00")
B = EUI64.parse("90-B3-D5-1F-30-01-00-01")
LAST = 2**64 - 1  # the largest OriginatorCounter (unsigned 64-bit)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CounterStore]:
    s = CounterStore(tmp_path / "c.sqlite3", durable=False)
    yield s
    s.close()


def test_counters_are_epoch_milliseconds_and_strictly_increase(store: CounterStore) -> None:
    before = time.time_ns() // 1_000_000
    values = [store.next(A) for _ in range(50)]
    after = time.time_ns() // 1_000_000
    assert values[0] >= before
    assert all(b > a for a, b in itertools.pairwise(values))
    # Bumped by one when the clock has not moved: never far ahead of the clock.
    assert values[-1] <= after + 50
    assert store.last_issued(A) == values[-1]
    assert store.last_issued(B) is None
    assert store.last_seen(A) is None  # issuing is not recording


def test_reserve_is_a_rising_block_recorded_before_it_is_returned(store: CounterStore) -> None:
    first = store.next(A)
    block = store.reserve(A, 5)
    assert len(block) == 5 and block.step == 1
    assert block.start > first
    assert store.last_issued(A) == block[-1]
    assert store.next(A) > block[-1]
    one = store.reserve(A, 1)
    assert len(one) == 1 and one.start == store.last_issued(A)


@pytest.mark.parametrize("n", [0, -1, True, 2.0, "3"])
def test_reserve_refuses_a_non_positive_or_non_integer_count(
    store: CounterStore, n: object
) -> None:
    with pytest.raises(ValueError, match="reserve needs a positive number of counters"):
        store.reserve(A, n)  # type: ignore[arg-type]
    assert store.last_issued(A) is None


def test_reserve_stops_exactly_at_the_last_counter(tmp_path: Path) -> None:
    path = tmp_path / "top.sqlite3"
    with CounterStore.reinitialise(path, above=LAST - 3, durable=False) as store:
        with pytest.raises(CounterStoreError, match=str(LAST)) as info:
            store.reserve(A, 4)  # LAST - 2 .. LAST + 1
        assert info.value.source == str(path)
        assert store.last_issued(A) is None  # nothing was handed out
        assert list(store.reserve(A, 3)) == [LAST - 2, LAST - 1, LAST]
        assert store.last_issued(A) == LAST
        with pytest.raises(CounterStoreError):
            store.next(A)
        assert store.next(B) == LAST - 2  # per originator


def test_reinitialise_raises_the_floor_of_every_originator(store: CounterStore) -> None:
    now_ms = time.time_ns() // 1_000_000
    above = now_ms + 10**9
    store.next(A)
    with CounterStore.reinitialise(store.location, above=above, durable=False) as again:
        assert again.next(A) == above + 1
        assert again.next(B) == above + 1
        # A lower floor later never lowers it.
        with CounterStore.reinitialise(store.location, above=5, durable=False) as low:
            assert low.next(B) == above + 2


@pytest.mark.parametrize("above", [-1, LAST + 1, True, "-5", 1.5])
def test_reinitialise_refuses_a_bad_floor(tmp_path: Path, above: object) -> None:
    path = tmp_path / "bad.sqlite3"
    with pytest.raises(CounterStoreError) as info:
        CounterStore.reinitialise(path, above=above, durable=False)  # type: ignore[arg-type]
    assert type(info.value) is CounterStoreError
    assert "floor" in info.value.message
    assert not path.exists()


def test_reinitialise_accepts_the_extreme_floors(tmp_path: Path) -> None:
    before = time.time_ns() // 1_000_000
    with CounterStore.reinitialise(tmp_path / "zero.sqlite3", above=0, durable=False) as s:
        assert s.next(A) >= before
    top = CounterStore.reinitialise(tmp_path / "top.sqlite3", above=LAST, durable=False)
    with top, pytest.raises(CounterStoreError):
        top.next(A)


def test_lost_state_is_refused_and_reinitialise_rebuilds_above_the_floor(tmp_path: Path) -> None:
    path = tmp_path / "lost.sqlite3"
    with CounterStore(path, durable=False) as s:
        used = s.next(A)
    path.write_bytes(b"")
    with pytest.raises(CounterStoreError, match="reinit") as info:
        CounterStore(path, durable=False)
    assert info.value.source == str(path)
    assert path.stat().st_size == 0  # refused, not re-created
    with CounterStore.reinitialise(path, above=used + 10**6, durable=False) as s:
        assert s.next(A) == used + 10**6 + 1
        assert s.last_seen(A) is None


def test_replay_records_refuse_anything_not_above_the_last(store: CounterStore) -> None:
    store.check_and_record(A, 0)  # the smallest counter is a counter
    assert store.last_seen(A) == 0
    with pytest.raises(CounterReplayError) as info:
        store.check_and_record(A, 0)
    assert "OriginatorCounter 0 of 90-B3-D5-1F-30-01-00-00" in info.value.message
    assert "(0)" in info.value.message
    # Across 2**63, where a signed 64-bit column would wrap.
    store.check_and_record(A, 2**63)
    with pytest.raises(CounterReplayError):
        store.check_and_record(A, 2**63 - 1)
    with pytest.raises(CounterReplayError):
        store.check_and_record(A, 2**63)
    store.check_and_record(A, LAST)
    assert store.last_seen(A) == LAST
    store.check_and_record(B, 7)  # per originator
    assert store.last_seen(B) == 7
    assert store.last_issued(A) is None  # recording is not issuing


@pytest.mark.parametrize("counter", [-1, LAST + 1])
def test_replay_record_out_of_range_is_a_value_error(store: CounterStore, counter: int) -> None:
    with pytest.raises(ValueError, match=f"counter out of range: {counter}"):
        store.check_and_record(A, counter)
    assert store.last_seen(A) is None


def test_issued_values_above_two_to_the_63_keep_their_order(tmp_path: Path) -> None:
    path = tmp_path / "high.sqlite3"
    with CounterStore.reinitialise(path, above=2**63 - 2, durable=False) as s:
        values = [s.next(A) for _ in range(3)]
    assert values == [2**63 - 1, 2**63, 2**63 + 1]
    with CounterStore(path, durable=False) as s:
        assert s.last_issued(A) == 2**63 + 1
        assert s.next(A) == 2**63 + 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG_DATA_HOME is Linux's")
def test_default_location_is_the_env_path_or_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    fallback = tmp_path / "data" / "duis" / "counters.sqlite3"
    url = "postgresql://signer@db.example/counters"
    monkeypatch.setenv("DUIS_COUNTER_DB", url)
    assert default_counter_location() == url  # a URL is the location as given
    assert default_counter_path() == fallback  # but never a file path
    monkeypatch.setenv("DUIS_COUNTER_DB", str(tmp_path / "env.sqlite3"))
    assert default_counter_location() == tmp_path / "env.sqlite3"
    monkeypatch.delenv("DUIS_COUNTER_DB")
    assert default_counter_location() == fallback


def test_open_counter_store_opens_the_path_given_or_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "opened.sqlite3"
    with open_counter_store(path, durable=False) as s:
        assert isinstance(s, SQLiteCounterStore)
        assert s.location == str(path)
        first = s.next(A)
    assert path.stat().st_size > 0
    monkeypatch.setenv("DUIS_COUNTER_DB", str(path))
    with open_counter_store() as s:
        assert s.location == str(path)
        assert s.last_issued(A) == first


def test_a_table_dropped_while_in_use_is_lost_state(tmp_path: Path) -> None:
    path = tmp_path / "dropped.sqlite3"
    store = CounterStore(path, durable=False)
    used = store.next(A)
    other = sqlite3.connect(path)
    other.execute("DROP TABLE issued")
    other.commit()
    other.close()
    calls: list[Callable[[], object]] = [lambda: store.next(A), lambda: store.last_issued(A)]
    for call in calls:
        with pytest.raises(CounterStoreError) as info:
            call()
        assert "a table was dropped while in use" in info.value.message
        assert "reinit" in info.value.message
        assert info.value.source == str(path)
    store.close()
    with CounterStore.reinitialise(path, above=used + 10**6, durable=False) as again:
        assert again.next(A) == used + 10**6 + 1


def test_a_damaged_stored_value_names_the_originator(tmp_path: Path) -> None:
    path = tmp_path / "damaged.sqlite3"
    with CounterStore(path, durable=False) as s:
        s.next(A)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE issued SET last = 'x'")
    conn.commit()
    conn.close()
    with CounterStore(path, durable=False) as s, pytest.raises(CounterStoreError) as info:
        s.last_issued(A)
    assert f"bad counter for {A} (" in info.value.message


def test_reinitialise_errors_name_the_location(tmp_path: Path) -> None:
    path = tmp_path / "floor.sqlite3"
    with pytest.raises(CounterStoreError) as info:
        CounterStore.reinitialise(path, above=-1, durable=False)
    assert info.value.source == str(path)
    assert "bad floor (" in info.value.message
    # A location that cannot hold a store is its own error, not a lost state to rebuild.
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(CounterStoreError) as info:
        CounterStore.reinitialise(blocker / "c.sqlite3", above=5, durable=False)
    assert type(info.value) is CounterStoreError
    assert "cannot create the counter store's folder" in info.value.message


def test_reinitialise_rebuilds_the_path_given_whatever_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUIS_COUNTER_DB", "postgresql://nobody@127.0.0.1:1/none")
    path = tmp_path / "lost.sqlite3"
    path.write_bytes(b"")
    with CounterStore.reinitialise(path, above=10**15, durable=False) as s:
        assert s.next(A) == 10**15 + 1


def test_close_releases_the_store_and_it_can_be_used_again(tmp_path: Path) -> None:
    path = tmp_path / "closed.sqlite3"
    store = CounterStore(path, durable=False)
    first = store.next(A)
    wal = Path(f"{path}-wal")
    assert wal.exists()  # a WAL store has its log while a connection is open
    store.close()
    assert not wal.exists()  # SQLite removes it when the last connection closes
    store.close()  # closing twice is harmless
    assert store.next(A) > first
    store.close()


def test_another_sqlite_failure_is_named_with_sqlites_reason(tmp_path: Path) -> None:
    # Not a dropped table: a column renamed under the store (SQLite: "no such column").
    path = tmp_path / "renamed.sqlite3"
    store = CounterStore(path, durable=False)
    store.next(A)
    other = sqlite3.connect(path)
    other.execute("ALTER TABLE issued RENAME COLUMN last TO other")
    other.commit()
    other.close()
    with pytest.raises(CounterStoreError) as info:
        store.next(A)
    assert info.value.message == "counter store failed: no such column: last"
    assert info.value.source == str(path)
    store.close()


def test_creating_a_store_where_one_exists_keeps_the_existing_one(tmp_path: Path) -> None:
    # Two processes may both find no store and create one; the second must not
    # replace the first's (its counters would be lost).
    path = tmp_path / "kept.sqlite3"
    with CounterStore(path, durable=False) as store:
        issued = store.next(A)
    SQLiteCounterStore._create(path, floor=0)
    with CounterStore(path, durable=False) as store:
        assert store.last_issued(A) == issued


def test_a_damaged_floor_names_the_store(tmp_path: Path) -> None:
    path = tmp_path / "floor.sqlite3"
    store = CounterStore(path, durable=False)
    store.next(A)
    other = sqlite3.connect(path)
    other.execute("UPDATE meta SET value = 'junk' WHERE key = 'floor'")
    other.commit()
    other.close()
    with pytest.raises(CounterStoreError) as info:
        store.next(A)
    assert info.value.source == str(path)
    assert "floor" in info.value.message
    store.close()
