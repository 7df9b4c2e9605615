"""Forked worker processes for batches: cheap to start, and a dead worker is noticed.

``multiprocessing.Pool`` cost about 60 ms before the first file (27 ms to import, 33
ms to start its handler threads and workers): more than a whole 300-file run gains
from a second core. Worse, a worker killed from outside (the OOM killer, a crash in a
C library on a hostile file) makes ``Pool`` wait for its lost task forever, so a CI
gate hangs instead of failing. Here each worker is a plain ``os.fork`` with a pipe
each way, and the parent drives every pipe from one ``selectors`` loop:

- **framing**: each message is an 8-byte length and a pickle; a worker reads a chunk
  of items, runs the work on each and sends back the list of results (or the
  exception the work raised, which the parent raises again, as a run in one process
  would);
- **no deadlock**: the parent writes tasks without blocking and reads results whenever
  they arrive, so neither side can wait on a full pipe the other is not draining;
- **death**: end-of-file on a worker's result pipe with tasks outstanding means the
  worker died; :meth:`WorkerPool.poll` says which tasks it lost and how it died
  (``killed by signal 9``), and the caller may start a replacement;
- **exit**: a worker sees end-of-file on its task pipe and exits; a parent that stops
  early (an exception, Ctrl-C) kills its workers and reaps them.

The work itself is not sent: it is inherited through fork (``set_work``), so closures
over compiled schemas and settings need not pickle. Linux and other POSIX systems
with ``fork``; elsewhere the caller runs the work in its own process.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import selectors
import signal
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

__all__ = ["Finished", "Lost", "WorkerPool", "can_fork", "set_work"]

_HEADER = struct.Struct("<Q")
#: Bytes read from a result pipe per call.
_READ = 1 << 18

_work: Callable[[Any], Any] | None = None


def set_work(work: Callable[[Any], Any] | None) -> None:
    """The function forked workers run on each item (inherited, never pickled)."""
    global _work
    _work = work


def can_fork() -> bool:
    """Whether this platform can fork workers (not Windows; not macOS, where forking a
    process that has loaded system frameworks is unsafe)."""
    return hasattr(os, "fork") and sys.platform != "darwin"


@dataclass(frozen=True)
class Finished:
    """A task's results, in the order of its items."""

    task: int
    results: list[Any]


@dataclass(frozen=True)
class Lost:
    """A task whose worker died before answering, and how it died.

    A worker takes its tasks in order, so only the oldest one it had was under way
    (``started``); the others were waiting in its pipe and are not suspects.
    """

    task: int
    why: str
    started: bool


@dataclass(eq=False)  # compared by identity
class _Worker:
    pid: int
    task_fd: int  # the parent writes tasks here
    result_fd: int  # and reads results here
    outbox: bytearray = field(default_factory=bytearray)
    inbox: bytearray = field(default_factory=bytearray)
    #: Task ids sent and not yet answered, oldest first.
    tasks: list[int] = field(default_factory=list)


class WorkerPool:
    """``jobs`` forked workers; :meth:`submit` tasks, :meth:`poll` for what is done."""

    def __init__(self, jobs: int) -> None:
        if _work is None:
            raise RuntimeError("set_work() before starting workers")
        self._selector = selectors.DefaultSelector()
        self._workers: list[_Worker] = []
        self._closed = False
        try:
            for _ in range(jobs):
                self.start_worker()
        except BaseException:
            self.kill()
            raise

    def __len__(self) -> int:
        return len(self._workers)

    def start_worker(self) -> None:
        """Fork one more worker (also the replacement for one that died)."""
        task_r, task_w = os.pipe()
        try:
            result_r, result_w = os.pipe()
        except OSError:
            os.close(task_r)
            os.close(task_w)
            raise
        # Flushed now, or the child's copy of a buffered line could be written twice.
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError:  # a process limit: the caller goes on without this worker
            for fd in (task_r, task_w, result_r, result_w):
                os.close(fd)
            raise
        if pid == 0:  # pragma: no cover - runs in the child, reported through the pipe
            try:
                os.close(task_w)
                os.close(result_r)
                for other in self._workers:  # else a sibling would keep its pipes open
                    os.close(other.task_fd)
                    os.close(other.result_fd)
                _child(task_r, result_w)
            finally:
                os._exit(1)  # never back into the parent's code
        os.close(task_r)
        os.close(result_w)
        os.set_blocking(task_w, False)
        os.set_blocking(result_r, False)
        worker = _Worker(pid, task_w, result_r)
        self._workers.append(worker)
        self._selector.register(result_r, selectors.EVENT_READ, worker)

    def pids(self) -> list[int]:
        """The live workers' process ids, in worker-number order."""
        return [w.pid for w in self._workers]

    def has(self, pid: int) -> bool:
        """Whether the worker with this process id is still alive (as far as known)."""
        return any(w.pid == pid for w in self._workers)

    def index_of(self, pid: int) -> int:
        """The worker number of a live worker (numbers shift when one dies)."""
        return next(i for i, w in enumerate(self._workers) if w.pid == pid)

    def load(self) -> list[int]:
        """Tasks outstanding per worker (the caller picks the least loaded)."""
        return [len(w.tasks) for w in self._workers]

    def submit(self, worker: int, task: int, items: list[Any]) -> None:
        """Queue ``items`` as task ``task`` for worker number ``worker``."""
        target = self._workers[worker]
        data = pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)
        target.outbox += _HEADER.pack(len(data))
        target.outbox += data
        target.tasks.append(task)
        self._flush(target)
        self._watch(target)

    def busy(self) -> bool:
        """Whether any task is outstanding."""
        return any(w.tasks for w in self._workers)

    def poll(self) -> list[Finished | Lost]:
        """Wait until something is done (a task answered, a worker gone); return it."""
        if not self.busy():  # nothing could ever answer: a caller's bug, not a hang
            raise RuntimeError("poll() with no task outstanding")
        while True:
            done: list[Finished | Lost] = []
            for key, _events in self._selector.select():
                worker: _Worker = key.data
                if worker not in self._workers:
                    continue  # died earlier in this pass
                if key.fd == worker.task_fd:
                    self._flush(worker)
                    self._watch(worker)
                else:
                    done.extend(self._receive(worker))
            if done:
                return done

    def close(self) -> None:
        """End the workers' input, wait for them to exit (all tasks must be answered)."""
        for worker in self._workers:
            worker.outbox.clear()
            self._watch(worker)
            self._selector.unregister(worker.result_fd)
            os.close(worker.task_fd)
        for worker in self._workers:
            os.close(worker.result_fd)
            _reap(worker.pid)
        self._workers.clear()
        self._selector.close()
        self._closed = True

    def kill(self) -> None:
        """Stop every worker now (the parent is giving up on the run); idempotent."""
        if self._closed:
            return
        self._closed = True
        for worker in self._workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGKILL)
            for fd in (worker.task_fd, worker.result_fd):
                with contextlib.suppress(OSError):
                    os.close(fd)
            _reap(worker.pid)
        self._workers.clear()
        self._selector.close()

    def _watch(self, worker: _Worker) -> None:
        """Watch the task pipe for room exactly while there is a task left to write."""
        watched = worker.task_fd in self._selector.get_map()
        if worker.outbox and not watched:
            self._selector.register(worker.task_fd, selectors.EVENT_WRITE, worker)
        elif not worker.outbox and watched:
            self._selector.unregister(worker.task_fd)

    def _flush(self, worker: _Worker) -> None:
        while worker.outbox:
            try:
                sent = os.write(worker.task_fd, worker.outbox)
            except BlockingIOError:
                return
            except BrokenPipeError:
                worker.outbox.clear()  # dead: its result pipe will say so
                return
            del worker.outbox[:sent]

    def _receive(self, worker: _Worker) -> list[Finished | Lost]:
        done: list[Finished | Lost] = []
        ended = False
        while True:
            try:
                data = os.read(worker.result_fd, _READ)
            except BlockingIOError:
                break
            if not data:
                ended = True
                break
            worker.inbox += data
        while len(worker.inbox) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(worker.inbox)
            end = _HEADER.size + size
            if len(worker.inbox) < end:
                break
            ok, payload = pickle.loads(memoryview(worker.inbox)[_HEADER.size : end])
            del worker.inbox[:end]
            task = worker.tasks.pop(0)
            if not ok:
                raise payload
            done.append(Finished(task, payload))
        if ended:
            # After the answers it sent before dying: only then is the oldest task left
            # the one it died on (blaming an answered one named an innocent file).
            done.extend(self._died(worker))
        return done

    def _died(self, worker: _Worker) -> list[Lost]:
        worker.outbox.clear()
        self._watch(worker)
        self._selector.unregister(worker.result_fd)
        os.close(worker.task_fd)
        os.close(worker.result_fd)
        self._workers.remove(worker)
        why = _describe(_reap(worker.pid))
        return [Lost(task, why, started=i == 0) for i, task in enumerate(worker.tasks)]


def _reap(pid: int) -> int:
    """The worker's wait status, once it has exited."""
    while True:
        try:
            return os.waitpid(pid, 0)[1]
        except ChildProcessError:
            return 0
        except InterruptedError:  # pragma: no cover - PEP 475 retries; kept for safety
            continue


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = str(number)
        return f"the worker process was killed by signal {number} ({name})"
    if os.WIFEXITED(status):
        return f"the worker process exited with status {os.WEXITSTATUS(status)}"
    return "the worker process ended"


def _read_exact(fd: int, size: int) -> bytes | None:
    parts = bytearray()
    while len(parts) < size:
        data = os.read(fd, size - len(parts))
        if not data:
            return None
        parts += data
    return bytes(parts)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _child(task_fd: int, result_fd: int) -> NoReturn:  # pragma: no cover - in the child
    """A worker's life: answer each task until the parent closes the pipe."""
    # Ctrl-C reaches the whole process group: the parent decides, and kills workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    code = 0
    try:
        assert _work is not None
        work = _work
        while True:
            header = _read_exact(task_fd, _HEADER.size)
            if header is None:
                break
            body = _read_exact(task_fd, _HEADER.unpack(header)[0])
            if body is None:
                break
            items = pickle.loads(body)
            try:
                answer: tuple[bool, Any] = (True, [work(item) for item in items])
                data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # raised again in the parent, as in one process
                try:
                    data = pickle.dumps((False, exc), protocol=pickle.HIGHEST_PROTOCOL)
                except Exception:
                    error = RuntimeError(f"{type(exc).__name__}: {exc}")
                    data = pickle.dumps((False, error), protocol=pickle.HIGHEST_PROTOCOL)
            _write_all(result_fd, _HEADER.pack(len(data)) + data)
    except BaseException:
        code = 1
    os._exit(code)
