"""Group commit: threads drawing one originator's counter at once share transactions.

What must hold (docs/serve.md, "Counter guarantee"): every counter is distinct and
recorded before the caller gets it; in a process, counters rise strictly in issue
order (the ``seq`` of :class:`Issue`); a transaction serves many callers (that is the
point); a failed commit fails every caller of that transaction and no later one.
"""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import pytest

from duis.ids import EUI64
from signing import CounterStore, CounterStoreError
from signing._counters_group import GroupCommitStore, Issue

EUI = EUI64.parse("90-B3-D5-1F-30-01-00-00")
OTHER = EUI64.parse("90-B3-D5-1F-30-01-00-01")


class _Recording(CounterStore):
    """A store in memory that notes each reserve and can be made slow or failing.

    Its own ``reserve`` is simple and obviously right, so the tests judge the
    group-commit layer only.
    """

    def __new__(cls) -> _Recording:
        return object.__new__(cls)

    def __init__(self) -> None:
        self.location = "<memory>"
        self.calls: list[int] = []
        self.last: dict[EUI64, int] = {}
        self.fail_next = False
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()
        self._lock = threading.Lock()

    def reserve(self, originator: EUI64, n: int) -> range:
        self.entered.set()
        self.gate.wait(10)
        with self._lock:
            self.calls.append(n)
            if self.fail_next:
                self.fail_next = False
                raise CounterStoreError("disk full", source=self.location)
            start = self.last.get(originator, 1000) + 1
            self.last[originator] = start + n - 1
            return range(start, start + n)

    def close(self) -> None:
        pass


def _draw_all(store: GroupCommitStore, eui: EUI64, threads: int, each: int) -> list[Issue]:
    issues: list[Issue] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(each):
                counter = store.next(eui)
                issue = store.last_issue()
                assert issue is not None and issue.counter == counter
                with lock:
                    issues.append(issue)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(60)
    assert not errors
    return issues


def test_concurrent_draws_share_commits_and_stay_in_issue_order(tmp_path: Path) -> None:
    store = GroupCommitStore(CounterStore(tmp_path / "c.sqlite3"))
    issues = _draw_all(store, EUI, threads=16, each=25)
    assert len(issues) == 400
    counters = [i.counter for i in issues]
    assert len(set(counters)) == 400
    by_seq = sorted(issues, key=lambda i: i.seq)
    assert [i.seq for i in by_seq] == list(range(1, 401))
    assert all(a.counter < b.counter for a, b in itertools.pairwise(by_seq))
    assert max(i.batch for i in issues) > 1  # 16 threads on a durable store: shared
    assert store.last_issued(EUI) == max(counters)  # recorded, every one of them


def test_a_waiting_caller_joins_the_next_transaction() -> None:
    inner = _Recording()
    store = GroupCommitStore(inner)
    inner.gate.clear()
    first = threading.Thread(target=store.next, args=(EUI,))
    first.start()
    assert inner.entered.wait(10)  # the first transaction is under way (held open)
    later = [threading.Thread(target=store.next, args=(EUI,)) for _ in range(5)]
    for t in later:
        t.start()
    deadline = threading.Event()
    while True:  # all five queued behind the open transaction
        with store._lock:
            if len(store._queues.get(EUI, [])) == 5:
                break
        deadline.wait(0.01)
    inner.gate.set()
    first.join(10)
    for t in later:
        t.join(10)
    assert inner.calls == [1, 5]
    assert inner.last[EUI] == 1006


def test_a_failed_commit_fails_its_callers_only() -> None:
    inner = _Recording()
    store = GroupCommitStore(inner)
    inner.fail_next = True
    with pytest.raises(CounterStoreError, match="disk full"):
        store.next(EUI)
    assert store.last_issue() is None
    assert store.next(EUI) == 1001  # the failed transaction recorded nothing
    assert store.last_issue() == Issue(seq=1, counter=1001, batch=1)


def test_originators_do_not_share_a_transaction() -> None:
    inner = _Recording()
    store = GroupCommitStore(inner)
    assert store.next(EUI) == 1001
    assert store.next(OTHER) == 1001
    assert store.next(EUI) == 1002
    assert [store.last_issue()] == [Issue(seq=3, counter=1002, batch=1)]
    store.forget_issue()
    assert store.last_issue() is None


def test_max_batch_bounds_one_transaction() -> None:
    inner = _Recording()
    store = GroupCommitStore(inner, max_batch=3)
    inner.gate.clear()
    threads = [threading.Thread(target=store.next, args=(EUI,)) for _ in range(8)]
    threads[0].start()
    assert inner.entered.wait(10)
    for t in threads[1:]:
        t.start()
    while True:
        with store._lock:
            if len(store._queues.get(EUI, [])) == 7:
                break
        threading.Event().wait(0.01)
    inner.gate.set()
    for t in threads:
        t.join(10)
    assert inner.calls == [1, 3, 3, 1]
    with pytest.raises(ValueError):
        GroupCommitStore(inner, max_batch=0)
