"""Group commit: the coroutines of one event loop drawing a counter share transactions.

What must hold (docs/serve.md, "Counter guarantee"): every counter is distinct and
recorded before the caller gets it; in a process, counters rise strictly in issue
order (the ``seq`` of :class:`Issue`); a transaction serves every caller that queued
while the one before it was under way (that is the point); a failed commit fails
every caller of that transaction and no later one; a caller that went away before
its transaction draws no counter.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from duis.ids import EUI64
from signing import CounterStore, CounterStoreError
from signing._counters_group import Issue, LoopGroupCommit

EUI = EUI64.parse("90-B3-D5-1F-30-01-00-00")
OTHER = EUI64.parse("90-B3-D5-1F-30-01-00-01")
T = TypeVar("T")


class _Recording(CounterStore):
    """A store in memory that notes each reserve and can be held open or made to fail.

    Its own ``reserve`` is simple and obviously right, so the tests judge the
    group-commit layer only.
    """

    def __new__(cls) -> _Recording:
        return object.__new__(cls)

    def __init__(self) -> None:
        self.location = "<memory>"
        self.calls: list[tuple[EUI64, int]] = []
        self.last: dict[EUI64, int] = {}
        self.fail_next = False
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()
        self.threads: set[str] = set()
        self.closed_in: str | None = None

    def reserve(self, originator: EUI64, n: int) -> range:
        self.threads.add(threading.current_thread().name)
        self.entered.set()
        assert self.gate.wait(10)
        self.calls.append((originator, n))
        if self.fail_next:
            self.fail_next = False
            raise CounterStoreError("disk full", source=self.location)
        start = self.last.get(originator, 1000) + 1
        self.last[originator] = start + n - 1
        return range(start, start + n)

    def close(self) -> None:
        self.closed_in = threading.current_thread().name


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run on a fresh loop, failing (not hanging) if a future is never resolved."""
    return asyncio.run(asyncio.wait_for(coro, 20))


async def _until(condition: object, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():  # type: ignore[operator]
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.005)


def test_concurrent_draws_share_commits_and_stay_in_issue_order(tmp_path: Path) -> None:
    store = LoopGroupCommit(CounterStore(tmp_path / "c.sqlite3"))

    async def client(n: int) -> list[Issue]:
        out = []
        for _ in range(n):
            out.append(await store.next(EUI))
            await asyncio.sleep(0)  # let the others in, as HTTP requests would
        return out

    async def main() -> list[Issue]:
        results = await asyncio.gather(*(client(25) for _ in range(16)))
        return [issue for result in results for issue in result]

    issues = _run(main())
    assert len(issues) == 400
    counters = [i.counter for i in issues]
    assert len(set(counters)) == 400
    by_seq = sorted(issues, key=lambda i: i.seq)
    assert [i.seq for i in by_seq] == list(range(1, 401))
    assert all(a.counter < b.counter for a, b in itertools.pairwise(by_seq))
    assert max(i.batch for i in issues) > 1  # 16 concurrent callers: shared
    assert store.store.last_issued(EUI) == max(counters)  # recorded, every one of them
    store.close()


def test_callers_of_one_pass_share_one_transaction_in_their_order() -> None:
    inner = _Recording()
    store = LoopGroupCommit(inner)

    async def main() -> list[Issue]:
        futures = [store.next(EUI) for _ in range(5)]
        assert store.pending() == 5 and not inner.calls  # nothing drawn before the flush
        return list(await asyncio.gather(*futures))

    issues = _run(main())
    assert inner.calls == [(EUI, 5)]
    assert issues == [Issue(seq=i + 1, counter=1001 + i, batch=5) for i in range(5)]
    assert inner.threads == {"duis-counters_0"}  # off the loop, in the one thread
    store.close()
    assert inner.closed_in == "duis-counters_0"  # the thread that holds the connection


def test_callers_arriving_during_a_commit_share_the_next_one() -> None:
    inner = _Recording()
    store = LoopGroupCommit(inner)

    async def main() -> list[Issue]:
        inner.gate.clear()
        first = store.next(EUI)
        await _until(inner.entered.is_set)  # the first transaction is under way, held open
        later = [store.next(EUI) for _ in range(4)]
        await asyncio.sleep(0.01)
        assert store.pending() == 4  # queued, not started: one transaction at a time
        inner.gate.set()
        return [await first, *await asyncio.gather(*later)]

    issues = _run(main())
    assert inner.calls == [(EUI, 1), (EUI, 4)]
    assert [i.counter for i in issues] == [1001, 1002, 1003, 1004, 1005]
    assert [i.batch for i in issues] == [1, 4, 4, 4, 4]
    store.close()


def test_a_failed_commit_fails_its_callers_only() -> None:
    inner = _Recording()
    store = LoopGroupCommit(inner)

    async def main() -> None:
        inner.fail_next = True
        failed = [store.next(EUI) for _ in range(3)]
        for future in failed:
            with pytest.raises(CounterStoreError, match="disk full"):
                await future
        assert (await store.next(EUI)) == Issue(seq=1, counter=1001, batch=1)

    _run(main())  # the failed transaction recorded nothing and used no seq
    store.close()


def test_originators_do_not_share_a_transaction() -> None:
    inner = _Recording()
    store = LoopGroupCommit(inner)

    async def main() -> list[Issue]:
        return list(await asyncio.gather(store.next(EUI), store.next(OTHER), store.next(EUI)))

    a, b, c = _run(main())
    assert sorted(inner.calls) == sorted([(EUI, 2), (OTHER, 1)])
    assert (a.counter, c.counter, b.counter) == (1001, 1002, 1001)
    assert a.seq < c.seq  # issue order is counter order within an originator
    store.close()


def test_a_caller_gone_before_its_transaction_draws_no_counter() -> None:
    inner = _Recording()
    store = LoopGroupCommit(inner)

    async def main() -> Issue:
        gone = store.next(EUI)
        kept = store.next(EUI)
        gone.cancel()  # the client went away before the flush
        return await kept

    assert _run(main()) == Issue(seq=1, counter=1001, batch=1)
    assert inner.calls == [(EUI, 1)]
    store.close()


def test_max_batch_bounds_one_transaction() -> None:
    inner = _Recording()
    store = LoopGroupCommit(inner, max_batch=3)

    async def main() -> list[Issue]:
        return list(await asyncio.gather(*(store.next(EUI) for _ in range(7))))

    issues = _run(main())
    assert inner.calls == [(EUI, 3), (EUI, 3), (EUI, 1)]
    assert [i.counter for i in issues] == list(range(1001, 1008))
    with pytest.raises(ValueError):
        LoopGroupCommit(inner, max_batch=0)
    store.close()
