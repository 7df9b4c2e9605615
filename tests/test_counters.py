"""Originator counters: unique and rising across processes, surviving SIGKILL."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
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
