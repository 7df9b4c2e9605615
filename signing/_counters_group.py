"""Group commit: concurrent draws of one originator's counter share one transaction.

A durable commit (an fsync in SQLite, a WAL flush in PostgreSQL) costs milliseconds,
far more than signing; one commit per counter caps a signing service at a few
hundred counters a second whatever its cores. :class:`GroupCommitStore` wraps a
:class:`~signing.CounterStore` for a multi-threaded signer (``duis serve`` runs
``sign`` in a thread pool): the threads that ask for one originator's counter while
a commit for it is under way queue up; when it ends, one of them (the next leader)
reserves a counter for every queued thread in one transaction
(:meth:`CounterStore.reserve`), and only after that commit are the counters handed
to the waiting threads, in the order they asked. So the guarantees of the store stay
whole:

- every counter is recorded durably as issued before any thread gets it, so a
  process killed at any moment leaves at most unused (skipped) counters, never a
  reused one;
- a transaction starts after every earlier one of this process committed, so a
  counter is above every counter the store recorded before it was drawn, by this
  process or any other (no block is held back for later: that would let another
  process's later counters overtake it);
- within the process, counters are issued strictly rising in issue order, and each
  issue gets the next number of a per-process issue sequence
  (:meth:`GroupCommitStore.last_issue`), which a checker can sort by: responses can
  leave in a different order, since threads finish signing at different times.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field

from duis.ids import EUI64
from signing._counters import CounterStore

__all__ = ["GroupCommitStore", "Issue"]


@dataclass(frozen=True)
class Issue:
    """One counter handed out by a :class:`GroupCommitStore`."""

    #: Position in this process's issue order (1, 2, ...): rises with the counter.
    seq: int
    counter: int
    #: How many counters the transaction that recorded this one reserved.
    batch: int


@dataclass(eq=False)
class _Waiter:
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    issue: Issue | None = None
    error: BaseException | None = None


class GroupCommitStore(CounterStore):
    """A counter store whose concurrent ``next()`` calls share durable commits.

    Everything but :meth:`next` goes straight to the wrapped store. One instance per
    process, shared by its threads; ``max_batch`` bounds one transaction.
    """

    def __new__(cls, inner: CounterStore, *, max_batch: int = 1024) -> GroupCommitStore:
        return object.__new__(cls)

    def __init__(self, inner: CounterStore, *, max_batch: int = 1024) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be positive, got {max_batch!r}")
        self.inner = inner
        self.location = inner.location
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queues: dict[EUI64, list[_Waiter]] = {}
        #: Originators with a leader at work (a transaction under way or about to be).
        self._busy: set[EUI64] = set()
        self._seq = itertools.count(1)
        self._local = threading.local()

    def next(self, originator: EUI64) -> int:
        """A fresh counter, recorded durably (with those of concurrent callers) first."""
        waiter = _Waiter()
        with self._lock:
            self._queues.setdefault(originator, []).append(waiter)
            if originator not in self._busy:
                self._busy.add(originator)
                waiter.lead = True
        if not waiter.lead:
            waiter.done.wait()
        if waiter.lead:  # first in, or handed the lead by the transaction before
            self._commit(originator)
            waiter.done.wait()
        if waiter.error is not None:
            raise waiter.error
        assert waiter.issue is not None
        self._local.last = waiter.issue
        return waiter.issue.counter

    def last_issue(self) -> Issue | None:
        """What this thread's last :meth:`next` handed out (None if it handed out none)."""
        issue: Issue | None = getattr(self._local, "last", None)
        return issue

    def forget_issue(self) -> None:
        """Forget this thread's last issue (before a call that may not draw one)."""
        self._local.last = None

    def _commit(self, originator: EUI64) -> None:
        """Reserve for the queued waiters in one transaction, release them, pass the lead."""
        with self._lock:
            queue = self._queues.get(originator, [])
            batch, rest = queue[: self._max_batch], queue[self._max_batch :]
            self._queues[originator] = rest
        try:
            counters = self.inner.reserve(originator, len(batch))
        except BaseException as exc:  # every waiter of this transaction learns why
            for waiter in batch:
                waiter.error = exc
        else:
            with self._lock:  # seq order is issue order, which is counter order
                for waiter, counter in zip(batch, counters, strict=True):
                    waiter.issue = Issue(next(self._seq), counter, len(batch))
        with self._lock:
            queue = self._queues.get(originator, [])
            if queue:
                queue[0].lead = True  # it reserves for everyone who queued meanwhile
                heir: _Waiter | None = queue[0]
            else:
                self._queues.pop(originator, None)
                self._busy.discard(originator)
                heir = None
        for waiter in batch:
            waiter.done.set()
        if heir is not None:
            heir.done.set()

    # --- everything else is the wrapped store's ------------------------------------

    def reserve(self, originator: EUI64, n: int) -> range:
        return self.inner.reserve(originator, n)

    def last_issued(self, originator: EUI64) -> int | None:
        return self.inner.last_issued(originator)

    def last_seen(self, originator: EUI64) -> int | None:
        return self.inner.last_seen(originator)

    def check_and_record(self, originator: EUI64, counter: int) -> None:
        self.inner.check_and_record(originator, counter)

    def close(self) -> None:
        self.inner.close()
