"""Running one command's work over many files: in parallel, streamed, in input order.

Workers are forked processes (schemas compiled once in the parent are shared
copy-on-write) that take small chunks of paths and return only what is printed: a
:class:`~duis.report.Report` per file. The parent keeps a bounded window of chunks in
flight and an ordered-completion buffer, so results come out as soon as every earlier
one is out (the output is the same, byte for byte, for any ``--jobs``) and memory
stays flat in the number of files. Where ``fork`` is not available (Windows, macOS
default) or ``--jobs 1``, the work runs in this process.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import Any

__all__ = ["Progress", "default_jobs", "lost_message", "run_ordered", "worker_count"]


#: Files per task: large enough that IPC costs little per file, small enough that
#: results still stream and both workers stay busy at the end.
CHUNK = 32
#: Tasks sent to one worker and not yet answered: enough that it never waits for the
#: parent, few enough that results held back for the output order stay few.
PER_WORKER = 3
#: Fewer files than this are done in this process: a worker costs a fork and its
#: copy-on-write faults (a few ms), worth it only when there is work to share.
MIN_PARALLEL = 64


#: Workers allowed per usable core. The work is CPU-bound, so more than one a core is
#: rarely faster; past a few, each only costs a fork and its memory (``--jobs 5000``
#: once forked 877 processes for a 70-file run before the machine said no).
WORKERS_PER_CORE = 4


def default_jobs() -> int:
    """The cores this process may use (``--jobs`` default)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def worker_count(jobs: int) -> int:
    """``--jobs`` as workers: 0 is one per usable core; any number is capped at
    :data:`WORKERS_PER_CORE` a core (the one place every command resolves it)."""
    cores = default_jobs()
    return cores if jobs <= 0 else min(jobs, WORKERS_PER_CORE * cores)


def _can_fork() -> bool:
    from duis.cli._workers import can_fork

    return can_fork()


_END = object()


def lost_message(why: str, *, retried: bool = True, done: str = "checked") -> str:
    """What a file whose worker died on it is told (the one wording, every command)."""
    again = ", also when it was tried on its own" if retried else ""
    return (
        f"not {done}: {why} while working on this file{again}; nothing was written for "
        "it (if it is reproducible, run it alone with --jobs 1 to see the failure)"
    )


@dataclass(eq=False)
class _Task:
    """Items handed out together; ``results`` fills in as they are answered."""

    before: list[Any]  # passthrough items that come before this task's items
    items: list[Any]
    results: list[Any] = field(default_factory=list)
    missing: int = 0


def run_ordered(
    items: Iterable[Any],
    work: Callable[[Any], Any],
    *,
    jobs: int,
    eligible: Callable[[Any], bool],
    lost: Callable[[Any, str], Any],
) -> Generator[Any, None, None]:
    """``(item, work(item))`` in input order; items ``eligible`` says no to pass as they are.

    Non-eligible items (set-up problems, notes) keep their place in the order too, so
    a missing path is reported where it was given. A worker that dies (killed from
    outside, or a crash in a C library) is replaced; its files are tried again one by
    one, and a file that kills a worker on its own gets ``(item, lost(item, why))``:
    the run ends, and says which file was not checked, instead of hanging.
    """
    source = iter(items)
    head = list(islice(source, MIN_PARALLEL))
    if jobs <= 1 or len(head) < MIN_PARALLEL or not _can_fork():
        for item in chain(head, source):
            yield (item, work(item)) if eligible(item) else item
        return
    # The first file is done here, before the fork: what the work loads lazily (modules
    # imported inside it, rule tables, per-folder settings) is then loaded once and shared
    # copy-on-write, instead of once in every worker while the others wait.
    rest = iter(head)
    for item in rest:
        if eligible(item):
            yield item, work(item)
            break
        yield item
    from duis.cli._workers import WorkerPool, set_work

    set_work(work)
    try:
        pool = WorkerPool(jobs)
    except OSError:  # no fork now (a process limit): the rest is done here
        set_work(None)
        for item in chain(rest, source):
            yield (item, work(item)) if eligible(item) else item
        return
    yield from _parallel(pool, chain(rest, source), work, jobs, eligible, lost)


def _parallel(
    pool: Any,
    source: Iterator[Any],
    work: Callable[[Any], Any],
    jobs: int,
    eligible: Callable[[Any], bool],
    lost: Callable[[Any, str], Any],
) -> Iterator[Any]:
    from duis.cli._workers import Finished, set_work

    order: deque[_Task] = deque()  # in input order; the head is printed first
    # What each task id stands for: its task, where its items start, how many, and
    # whether it is a single item tried again after its worker died.
    sent: dict[int, tuple[_Task, int, int, bool]] = {}
    redo: deque[tuple[_Task, int, int, bool]] = deque()  # sent again, before new work
    next_id = 0
    exhausted = False
    pushed: list[Any] = []  # an item read ahead that starts the next task
    # Tasks held for the output order, done or not: bounds memory behind a slow file.
    window = 2 * jobs * PER_WORKER
    try:
        while True:
            # Hand out work while some worker has room: retries first, then new chunks.
            while True:
                if len(pool) < jobs:
                    try:
                        pool.start_worker()  # a replacement for one that died
                        continue
                    except OSError:  # cannot fork now: go on with those left, or here
                        jobs = len(pool)
                load = pool.load()
                least = min(range(len(load)), key=load.__getitem__) if load else -1
                if load and load[least] >= PER_WORKER:
                    break
                if redo:
                    unit = redo.popleft()
                    task, at, count, _ = unit
                    if least < 0:
                        for n in range(at, at + count):
                            task.results[n] = work(task.items[n])
                        task.missing -= count
                        continue
                    sent[next_id] = unit
                    pool.submit(least, next_id, task.items[at : at + count])
                    next_id += 1
                    continue
                if exhausted or len(order) >= window:
                    break
                task = _Task([], [])
                while True:
                    item = pushed.pop() if pushed else next(source, _END)
                    if item is _END:
                        exhausted = True
                        break
                    if not eligible(item):
                        if task.items:  # keep its place: after this chunk
                            pushed.append(item)
                            break
                        task.before.append(item)
                        continue
                    task.items.append(item)
                    if len(task.items) >= CHUNK:
                        break
                if not task.items and not task.before:
                    break
                order.append(task)
                if task.items and least < 0:  # no worker left: done here
                    task.results = [work(item) for item in task.items]
                elif task.items:
                    task.results = [None] * len(task.items)
                    task.missing = len(task.items)
                    sent[next_id] = (task, 0, len(task.items), False)
                    pool.submit(least, next_id, task.items)
                    next_id += 1
            # Print what is complete, in order.
            while order and order[0].missing == 0:
                task = order.popleft()
                yield from task.before
                yield from zip(task.items, task.results, strict=True)
            if not order and exhausted and not redo:
                break
            if not pool.busy():
                # Nothing in flight: all held tasks were just printed, so the window has
                # room again (or there are items to try again): hand out more first.
                continue
            for event in pool.poll():
                unit = sent.pop(event.task)
                task, at, count, single = unit
                if isinstance(event, Finished):
                    task.results[at : at + count] = event.results
                    task.missing -= count
                elif not event.started:  # it was waiting behind the one that died
                    redo.append(unit)
                elif single or count == 1:
                    task.results[at] = lost(task.items[at], event.why)
                    task.missing -= 1
                else:  # which file was it? each is tried again on its own
                    redo.extend((task, at + i, 1, True) for i in range(count))
        pool.close()
    finally:
        pool.kill()
        set_work(None)


class Progress:
    """A count on stderr, shown only on a terminal and once the run is long (1 s)."""

    def __init__(self, enabled: bool, label: str = "files") -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.label = label
        self.count = 0
        self._start = time.monotonic()
        self._last = 0.0
        self._shown = False

    def step(self) -> None:
        self.count += 1
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._start < 1.0 or now - self._last < 0.2:
            return
        self._last = now
        self._shown = True
        sys.stderr.write(f"\r  {self.count} {self.label} done ...")
        sys.stderr.flush()

    def clear(self) -> None:
        if self._shown:
            sys.stderr.write("\r" + " " * 40 + "\r")
            sys.stderr.flush()
