"""The PostgreSQL counter store against a real server the tests start (tests/pg_server.py).

The same guarantees as SQLite: strictly increasing per originator across processes,
epoch milliseconds, replay records, a killed client or server never leads to reuse,
and a store that lost its state is refused until re-initialised.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from duis.ids import EUI64, MAX_COUNTER
from signing import (
    CounterReplayError,
    CounterStore,
    CounterStoreError,
    PostgresCounterStore,
    open_counter_store,
)

sys.path.insert(0, str(Path(__file__).parent))
import pg_server

EUI = EUI64.parse("90-B3-D5-1F-30-01-00-00")
OTHER = EUI64.parse("90-B3-D5-1F-30-02-00-00")


@pytest.fixture(scope="module")
def server() -> Iterator[pg_server.PgServer]:
    started = pg_server.start()
    if isinstance(started, str):
        pytest.skip(f"no PostgreSQL server for the counter-store tests: {started}")
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def url(server: pg_server.PgServer) -> Iterator[str]:
    """A fresh database per test, so tests do not see each other's counters."""
    import psycopg

    name = f"t{os.getpid()}_{time.monotonic_ns()}"
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield server.url.replace("/postgres?", f"/{name}?")
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def test_factory_opens_postgres_from_a_url(url: str) -> None:
    store = open_counter_store(url)
    assert isinstance(store, PostgresCounterStore) and isinstance(store, CounterStore)
    assert isinstance(CounterStore(url), PostgresCounterStore)
    before = time.time_ns() // 1_000_000
    first = store.next(EUI)
    assert before <= first <= time.time_ns() // 1_000_000 + 1  # epoch milliseconds
    assert store.next(EUI) > first and store.last_issued(EUI) is not None
    block = store.reserve(EUI, 50)
    assert len(block) == 50 and block.start > first and store.last_issued(EUI) == block[-1]
    assert store.last_issued(OTHER) is None
    store.close()


def test_password_never_appears_in_messages() -> None:
    pytest.importorskip("psycopg")
    secret = "postgresql://duis:s3cret-pw@/duis?host=%2Fnonexistent-duis-socket-dir"
    with pytest.raises(CounterStoreError) as info:
        open_counter_store(secret)
    assert "s3cret-pw" not in str(info.value) and "duis:***@" in str(info.value)


def test_replay_records(url: str) -> None:
    store = open_counter_store(url)
    store.check_and_record(EUI, 10)
    store.check_and_record(EUI, MAX_COUNTER - 1)
    with pytest.raises(CounterReplayError):
        store.check_and_record(EUI, MAX_COUNTER - 1)
    with pytest.raises(CounterReplayError):
        store.check_and_record(EUI, 11)
    store.check_and_record(EUI, MAX_COUNTER)  # NUMERIC holds all of 0..2**64-1
    assert store.last_seen(EUI) == MAX_COUNTER
    assert store.next(EUI) < MAX_COUNTER  # outbound counters are separate


def test_originators_are_those_issued_or_seen(url: str) -> None:
    store = open_counter_store(url)
    assert store.originators() == []
    other = EUI64.parse("90-B3-D5-1F-30-00-00-01")
    store.next(EUI)
    store.check_and_record(other, 5)
    store.check_and_record(EUI, 9)
    assert store.originators() == [other, EUI]


def _draw(url: str, n: int, batch: int, queue: multiprocessing.Queue[list[int]]) -> None:
    store = open_counter_store(url)
    out: list[int] = []
    while len(out) < n:
        out.extend(store.reserve(EUI, batch) if batch > 1 else [store.next(EUI)])
    queue.put(out)


def test_six_processes_one_originator(url: str) -> None:
    """4 drawing one at a time (server workers) + 2 reserving batches (CLI runs)."""
    open_counter_store(url).close()
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[list[int]] = ctx.Queue()
    procs = [ctx.Process(target=_draw, args=(url, 150, 1, queue)) for _ in range(4)]
    procs += [ctx.Process(target=_draw, args=(url, 150, 10, queue)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    for values in results:
        assert len(values) == 150
        assert all(a < b for a, b in itertools.pairwise(values))
    everything = [v for values in results for v in values]
    assert len(set(everything)) == len(everything) == 900


_CHILD = """
import sys
from signing import open_counter_store
from duis.ids import EUI64
store = open_counter_store(sys.argv[1])
eui = EUI64.parse("90-B3-D5-1F-30-01-00-00")
while True:
    for value in store.reserve(eui, int(sys.argv[2])):
        print(value, flush=True)
"""


@pytest.mark.parametrize("batch", [1, 7])
def test_sigkill_mid_draw_never_reuses(url: str, batch: int) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, url, str(batch)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[1],
    )
    assert proc.stdout is not None
    handed_out: list[int] = []
    for line in proc.stdout:
        handed_out.append(int(line))
        if len(handed_out) >= 200:
            break
    os.kill(proc.pid, signal.SIGKILL)  # mid-run: it is inside a draw or about to be
    proc.wait(timeout=30)
    handed_out.extend(int(x) for x in proc.stdout.read().split())
    assert len(set(handed_out)) == len(handed_out)
    store = open_counter_store(url)
    after = [store.next(EUI) for _ in range(20)]
    assert min(after) > max(handed_out)


def test_killed_server_loses_nothing_and_the_store_reconnects(
    url: str, server: pg_server.PgServer
) -> None:
    store = open_counter_store(url)
    before = [store.next(EUI) for _ in range(5)]
    server.kill()  # as a crash would: no clean shutdown
    try:
        with pytest.raises(CounterStoreError) as info:
            store.next(EUI)
        assert info.value.rule == "counter.store"
    finally:
        server.start()
    after = store.next(EUI)  # the same store object reconnects
    assert after > max(before)
    assert open_counter_store(url).last_issued(EUI) == after


def test_lost_state_is_refused_until_reinitialised(url: str) -> None:
    import psycopg

    store = open_counter_store(url)
    last = max(store.next(EUI) for _ in range(3))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE duis_counter_issued")
    with pytest.raises(CounterStoreError, match=r"dropped|gone"):
        store.next(EUI)
    with pytest.raises(CounterStoreError, match="duis_counter_issued are gone"):
        open_counter_store(url)
    store = CounterStore.reinitialise(url, above=last + 10**9)
    assert isinstance(store, PostgresCounterStore)
    assert store.next(EUI) == last + 10**9 + 1
    # A healthy store keeps its values; only the floor can rise.
    again = CounterStore.reinitialise(url, above=5)
    assert again.last_issued(EUI) == last + 10**9 + 1


def test_bad_stored_value_is_a_counter_store_error(url: str) -> None:
    import psycopg

    store = open_counter_store(url)
    store.next(EUI)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE duis_counter_meta SET value = 'x1' WHERE key = 'floor'")
    with pytest.raises(CounterStoreError, match="bad floor"):
        store.next(EUI)
