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
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import Any

__all__ = ["Progress", "default_jobs", "run_ordered"]


# The work function of the current run, inherited by forked workers (a closure over
# registries and settings cannot be pickled, and need not be: fork copies it).
_WORK: Callable[[Any], Any] | None = None

#: Files per task: large enough that IPC costs little per file, small enough that
#: results still stream and both workers stay busy at the end.
CHUNK = 128


def default_jobs() -> int:
    """The cores this process may use (``--jobs`` default)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _run_chunk(chunk: list[Any]) -> list[Any]:
    assert _WORK is not None
    return [_WORK(item) for item in chunk]


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"


def run_ordered(
    items: Iterable[Any], work: Callable[[Any], Any], *, jobs: int, eligible: Callable[[Any], bool]
) -> Iterator[Any]:
    """``(item, work(item))`` in input order; items ``eligible`` says no to pass as they are.

    Non-eligible items (set-up problems, notes) keep their place in the order too, so
    a missing path is reported where it was given.
    """
    global _WORK
    source = iter(items)
    # A short run is done here: forking workers costs more than it saves.
    head = list(islice(source, 2 * CHUNK))
    if jobs <= 1 or len(head) < 2 * CHUNK or not _can_fork():
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
    head = list(rest)
    import multiprocessing

    _WORK = work
    ctx = multiprocessing.get_context("fork")
    window = jobs * 4
    pool = ctx.Pool(jobs)
    try:
        source = chain(head, source)
        # Each pending entry: (passthrough items before the chunk, chunk, async result).
        pending: list[tuple[list[Any], list[Any], Any]] = []
        exhausted = False
        while True:
            while not exhausted and len(pending) < window:
                before: list[Any] = []
                chunk: list[Any] = []
                for item in source:
                    if not eligible(item):
                        if chunk:  # keep its place: after this chunk
                            pending.append((before, chunk, pool.apply_async(_run_chunk, (chunk,))))
                            before, chunk = [], []
                        before.append(item)
                        continue
                    chunk.append(item)
                    if len(chunk) >= CHUNK:
                        break
                else:
                    exhausted = True
                if chunk or before:
                    result = pool.apply_async(_run_chunk, (chunk,)) if chunk else None
                    pending.append((before, chunk, result))
                if exhausted:
                    break
            if not pending:
                break
            before, chunk, result = pending.pop(0)
            yield from before
            if result is not None:
                yield from zip(chunk, result.get(), strict=True)
        pool.close()
    finally:
        pool.terminate()
        pool.join()
        _WORK = None


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
