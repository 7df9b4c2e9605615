"""Originator counters: unique and rising across processes, surviving SIGKILL."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from duis.ids import EUI64
from signing import CounterReplayError, CounterStore, CounterStoreError, default_counter_path

#: DUIS: the OriginatorCounter is a decimal 0..2^64-1 (a fact, not the code's constant).
MAX_COUNTER = 18_446_744_073_709_551_615

EUI = EUI64.parse("90-B3-D5-1F-30-01-00-00")


def _draw(path: str, n: int, queue: multiprocessing.Queue[list[int]]) -> None:
    store = CounterStore(path)
    queue.put([store.next(EUI) for _ in range(n)])


def test_four_processes_500_each(tmp_path: Path) -> None:
    path = str(tmp_path / "c.sqlite3")
    CounterStore(path).close()
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[list[int]] = ctx.Queue()
    procs = [ctx.Process(target=_draw, args=(path, 500, queue)) for _ in range(4)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    for values in results:
        assert len(values) == 500
        assert all(a < b for a, b in itertools.pairwise(values))
    everything = [v for values in results for v in values]
    assert len(set(everything)) == 2000


def test_threads_share_a_store(tmp_path: Path) -> None:
    store = CounterStore(tmp_path / "c.sqlite3", durable=False)
    out: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        got = [store.next(EUI) for _ in range(100)]
        with lock:
            out.extend(got)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(out)) == 400


_CHILD = """
import sys
from signing import CounterStore
from duis.ids import EUI64
store = CounterStore(sys.argv[1])
eui = EUI64.parse("90-B3-D5-1F-30-01-00-00")
while True:
    value = store.next(eui)
    print(value, flush=True)
"""


def test_sigkill_mid_run_never_reuses_a_value(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    handed_out: list[int] = []
    for line in proc.stdout:
        handed_out.append(int(line))
        if len(handed_out) >= 300:
            break
    os.kill(proc.pid, signal.SIGKILL)  # mid-run: it is still drawing counters
    proc.wait(timeout=30)
    # Drain what it printed before dying: each printed value was committed first.
    handed_out.extend(int(x) for x in proc.stdout.read().split())
    store = CounterStore(path)
    after = [store.next(EUI) for _ in range(50)]
    assert min(after) > max(handed_out)
    assert len(set(handed_out)) == len(handed_out)


def test_clock_going_backwards_still_increases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = CounterStore(tmp_path / "c.sqlite3", durable=False)
    first = store.next(EUI)
    monkeypatch.setattr(time, "time_ns", lambda: 0)
    assert store.next(EUI) == first + 1
    assert store.last_issued(EUI) == first + 1


def test_per_originator(tmp_path: Path) -> None:
    store = CounterStore(tmp_path / "c.sqlite3", durable=False)
    other = EUI64.parse("90-B3-D5-1F-30-02-00-00")
    a = store.next(EUI)
    b = store.next(other)
    assert store.last_issued(EUI) == a and store.last_issued(other) == b
    assert store.last_issued(EUI64.parse("00-00-00-00-00-00-00-01")) is None


def test_check_and_record_detects_replay(tmp_path: Path) -> None:
    store = CounterStore(tmp_path / "c.sqlite3", durable=False)
    store.check_and_record(EUI, 10)
    store.check_and_record(EUI, MAX_COUNTER - 1)
    with pytest.raises(CounterReplayError) as info:
        store.check_and_record(EUI, MAX_COUNTER - 1)
    assert info.value.rule == "request-id.counter-replay"
    with pytest.raises(CounterReplayError):
        store.check_and_record(EUI, 11)
    store.check_and_record(EUI, MAX_COUNTER)
    # next() is separate: outbound counters are not affected by inbound ones.
    assert store.next(EUI) < MAX_COUNTER


def test_default_path_honours_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUIS_COUNTER_DB", str(tmp_path / "x.sqlite3"))
    assert default_counter_path() == tmp_path / "x.sqlite3"
    monkeypatch.delenv("DUIS_COUNTER_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    if sys.platform.startswith("linux"):
        assert default_counter_path() == tmp_path / "duis" / "counters.sqlite3"


def test_unusable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(CounterStoreError, match="--counter-db"):
        CounterStore(blocker / "sub" / "c.sqlite3")


# --- a store that lost its state is refused, never re-created (issue 14.7) -------


def _issued(path: Path, n: int = 3) -> int:
    with CounterStore(path) as store:
        return max(store.next(EUI) for _ in range(n))


def test_truncated_store_is_refused_not_recreated(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    last = _issued(path)
    path.write_bytes(b"")  # truncated to 0 bytes
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with pytest.raises(CounterStoreError, match="0 bytes") as info:
        CounterStore(path)
    assert info.value.rule == "counter.store" and "reinit" in str(info.value)
    assert path.stat().st_size == 0  # nothing was written over it
    store = CounterStore.reinitialise(path, above=last + 1000)
    assert store.next(EUI) > last + 1000


@pytest.mark.parametrize("table", ["issued", "seen"])
def test_dropped_table_is_refused_on_open_and_in_use(tmp_path: Path, table: str) -> None:
    path = tmp_path / "c.sqlite3"
    last = _issued(path)
    store = CounterStore(path)
    conn = sqlite3.connect(path)
    conn.execute(f"DROP TABLE {table}")
    conn.commit()
    conn.close()
    with pytest.raises(CounterStoreError, match=r"gone|dropped"):
        store.next(EUI) if table == "issued" else store.check_and_record(EUI, 5)
    with pytest.raises(CounterStoreError, match=f"{table}.*gone"):
        CounterStore(path)
    with pytest.raises(CounterStoreError):
        CounterStore(path)  # still refused: nothing re-created it
    assert CounterStore.reinitialise(path, above=last).next(EUI) > last


def test_reinitialise_a_healthy_store_only_raises_its_floor(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    last = _issued(path)
    store = CounterStore.reinitialise(path, above=5)  # below what was issued: no effect
    assert store.last_issued(EUI) == last
    assert store.next(EUI) > last
    far = last + 10**9
    store = CounterStore.reinitialise(path, above=far)
    assert store.next(EUI) == far + 1
    other = EUI64.parse("90-B3-D5-1F-30-02-00-00")
    assert store.next(other) == far + 1  # the floor holds for every originator
    with pytest.raises(CounterStoreError):
        CounterStore.reinitialise(path, above=MAX_COUNTER + 1)


@pytest.mark.parametrize(
    "stored",
    ["'abc'", "1.5", "X'00'", str(2**63), "NULL"],
    ids=["text", "real", "blob", "big", "null"],
)
def test_bad_stored_values_are_counter_store_errors(tmp_path: Path, stored: str) -> None:
    path = tmp_path / "c.sqlite3"
    _issued(path)
    conn = sqlite3.connect(path)
    if stored == "NULL":  # NOT NULL holds in the real schema: rebuild the table without it
        conn.executescript(
            "DROP TABLE issued; CREATE TABLE issued (originator TEXT PRIMARY KEY, last INTEGER);"
            f"INSERT INTO issued VALUES ('{EUI}', NULL);"
        )
    else:
        conn.execute(f"UPDATE issued SET last = {stored}")
    conn.commit()
    conn.close()
    store = CounterStore(path)
    for call in (lambda: store.next(EUI), lambda: store.last_issued(EUI)):
        with pytest.raises(CounterStoreError, match="bad counter") as info:
            call()
        assert type(info.value) is not ValueError


def test_bad_floor_is_a_counter_store_error(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    _issued(path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '٨' WHERE key = 'floor'")
    conn.commit()
    conn.close()
    with pytest.raises(CounterStoreError, match="bad floor"):
        CounterStore(path).next(EUI)


def test_store_made_before_the_format_marker_still_opens(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE issued (originator TEXT PRIMARY KEY, last INTEGER NOT NULL);"
        "CREATE TABLE seen (originator TEXT PRIMARY KEY, last INTEGER NOT NULL);"
        f"INSERT INTO issued VALUES ('{EUI}', {5000 - 2**63});"
    )
    conn.close()
    assert CounterStore(path).last_issued(EUI) == 5000


def test_concurrent_creation_makes_one_store(tmp_path: Path) -> None:
    path = str(tmp_path / "new.sqlite3")
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[list[int]] = ctx.Queue()
    procs = [ctx.Process(target=_draw, args=(path, 20, queue)) for _ in range(3)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    assert len({v for r in results for v in r}) == 60
    assert not [f for f in os.listdir(tmp_path) if ".new-" in f]


# --- batches (issue 12 §2) ---------------------------------------------------------


def test_reserve_gives_a_rising_block_above_everything_before(tmp_path: Path) -> None:
    store = CounterStore(tmp_path / "c.sqlite3", durable=False)
    first = store.next(EUI)
    block = store.reserve(EUI, 100)
    assert len(block) == 100 and block.step == 1 and block.start > first
    assert store.last_issued(EUI) == block[-1]
    assert store.next(EUI) > block[-1]
    for bad in (0, -1, True):
        with pytest.raises(ValueError):
            store.reserve(EUI, bad)


def test_reserve_refuses_to_pass_the_counter_limit(tmp_path: Path) -> None:
    store = CounterStore.reinitialise(tmp_path / "c.sqlite3", above=MAX_COUNTER - 10)
    assert list(store.reserve(EUI, 10)) == list(range(MAX_COUNTER - 9, MAX_COUNTER + 1))
    with pytest.raises(CounterStoreError, match="last counter"):
        store.next(EUI)


def _reserve_batches(
    path: str, batches: int, size: int, queue: multiprocessing.Queue[list[int]]
) -> None:
    store = CounterStore(path)
    out: list[int] = []
    for _ in range(batches):
        out.extend(store.reserve(EUI, size))
    queue.put(out)


def test_batches_and_single_draws_across_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "c.sqlite3")
    CounterStore(path).close()
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[list[int]] = ctx.Queue()
    procs = [ctx.Process(target=_draw, args=(path, 200, queue)) for _ in range(2)]
    procs += [ctx.Process(target=_reserve_batches, args=(path, 20, 10, queue)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    for values in results:
        assert all(a < b for a, b in itertools.pairwise(values))
    everything = [v for values in results for v in values]
    assert len(everything) == 800 and len(set(everything)) == 800
