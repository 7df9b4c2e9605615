"""The batch workers: forked, framed over pipes, and a dead worker never hangs the run.

``multiprocessing.Pool`` waited forever for a task whose worker was killed (the OOM
killer, a crash in C on a hostile file): a CI gate hung. These tests kill workers on
purpose and check that every item is still answered, in order, and that the one
item that kills a worker on its own is named.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from duis.cli import _batch
from duis.cli._workers import Finished, Lost, WorkerPool, can_fork, set_work

pytestmark = pytest.mark.skipif(not can_fork(), reason="workers need fork (POSIX, not macOS)")

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "examples" / "requests" / "valid" / "8.2-read-inventory.xml"


@pytest.fixture(autouse=True)
def _deadline() -> Iterator[None]:
    """A hang is the fault under test: fail after 60 s instead of waiting for CI's limit."""

    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError("the batch hung")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(60)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _no_children_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_tasks_larger_than_a_pipe_buffer_go_both_ways() -> None:
    # 1 MiB per item each way: a parent that blocked writing a task while its worker
    # blocked writing a result would deadlock here.
    set_work(lambda item: item * 2)
    pool = WorkerPool(2)
    try:
        big = ["x" * (1 << 20), "y" * (1 << 20)]
        for task in range(6):
            pool.submit(task % 2, task, big)
        answers: dict[int, list[Any]] = {}
        while pool.busy():
            for event in pool.poll():
                assert isinstance(event, Finished)
                answers[event.task] = event.results
        pool.close()
    finally:
        pool.kill()
        set_work(None)
    assert sorted(answers) == list(range(6))
    assert all(results == [s * 2 for s in big] for results in answers.values())
    assert _no_children_left()


def test_an_exception_in_the_work_is_raised_in_the_parent() -> None:
    def work(item: int) -> int:
        if item == 3:
            raise ValueError(f"bad item {item}")
        return item

    with pytest.raises(ValueError, match="bad item 3"):
        list(
            _batch.run_ordered(
                range(200), work, jobs=2, eligible=lambda i: True, lost=lambda i, w: None
            )
        )
    assert _no_children_left()


def test_a_killed_worker_is_reported_with_its_signal() -> None:
    set_work(lambda item: os.kill(os.getpid(), signal.SIGKILL))
    pool = WorkerPool(1)
    try:
        pool.submit(0, 7, [1])
        events = pool.poll()
    finally:
        pool.kill()
        set_work(None)
    assert events == [Lost(7, "the worker process was killed by signal 9 (SIGKILL)", started=True)]
    assert _no_children_left()


def test_the_item_that_kills_its_worker_is_named_and_the_rest_answered() -> None:
    def work(item: int) -> int:
        if item == 150:
            os.kill(os.getpid(), signal.SIGKILL)
        return item * 10

    out = list(
        _batch.run_ordered(
            range(400), work, jobs=2, eligible=lambda i: True, lost=lambda i, why: ("lost", i, why)
        )
    )
    assert [item for item, _ in out] == list(range(400))  # every item, in order
    for item, result in out:
        if item == 150:
            assert result == ("lost", 150, "the worker process was killed by signal 9 (SIGKILL)")
        else:
            assert result == item * 10
    assert _no_children_left()


def test_a_worker_killed_from_outside_loses_nothing(tmp_path: Path) -> None:
    # Each worker's first task kills it once (a marker file per pid-independent slot):
    # the items are tried again and all answered, none reported lost.
    marker = tmp_path / "killed"

    def work(item: int) -> int:
        if item == 100 and not marker.exists():
            marker.write_text("once")
            os.kill(os.getpid(), signal.SIGKILL)
        return -item

    out = list(
        _batch.run_ordered(
            range(300), work, jobs=2, eligible=lambda i: True, lost=lambda i, why: "lost"
        )
    )
    assert marker.exists()
    assert out == [(i, -i) for i in range(300)]


def test_passthrough_items_keep_their_place() -> None:
    items: list[Any] = [f"note-{i}" if i % 37 == 0 else i for i in range(500)]
    out = list(
        _batch.run_ordered(
            items,
            lambda i: i + 1,
            jobs=2,
            eligible=lambda i: isinstance(i, int),
            lost=lambda i, why: "lost",
        )
    )
    expected = [i if isinstance(i, str) else (i, i + 1) for i in items]
    assert out == expected


def test_stopping_early_reaps_every_worker() -> None:
    results = _batch.run_ordered(
        range(10_000), lambda i: i, jobs=2, eligible=lambda i: True, lost=lambda i, w: None
    )
    assert isinstance(results, Generator)
    for _ in range(100):
        next(results)
    results.close()  # the consumer stops (an exception, Ctrl-C in the caller)
    assert _no_children_left()


def _copies(tmp_path: Path, n: int) -> Path:
    """A folder of ``n`` copies of a valid request, r000.xml upwards."""
    folder = tmp_path / "batch"
    folder.mkdir()
    for i in range(n):
        shutil.copy(GOOD, folder / f"r{i:03}.xml")
    return folder


def _crash_on(monkeypatch: pytest.MonkeyPatch, cls: Any, name: str) -> None:
    """Make ``cls.__call__`` kill its process on the file ``name`` (a segfault in C)."""
    real = cls.__call__

    def crashing(self: Any, doc: Any) -> Any:
        if doc.name.endswith(name):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(self, doc)

    monkeypatch.setattr(cls, "__call__", crashing)


def test_validate_names_the_file_that_kills_its_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from duis.cli import cli
    from duis.cli.validate import _Validator

    folder = _copies(tmp_path, 100)
    _crash_on(monkeypatch, _Validator, "r042.xml")
    result = CliRunner().invoke(cli, ["validate", "--jobs", "2", str(folder)])
    assert result.exit_code == 2, result.output  # a set-up error: a file went unchecked
    lines = result.stderr.splitlines()
    lost = [line for line in lines if "not checked" in line]
    assert len(lost) == 1 and "r042.xml" in lost[0] and "signal 9" in lost[0]
    # The file not checked is a set-up error, not a file checked: 99 of 100 were.
    assert result.stdout.splitlines()[-1].startswith("99 files checked: 99 valid")
    assert _no_children_left()


def test_inspect_names_the_file_that_kills_its_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from duis.cli import cli
    from duis.cli.inspect import _Inspector

    folder = _copies(tmp_path, 80)
    _crash_on(monkeypatch, _Inspector, "r070.xml")
    result = CliRunner().invoke(cli, ["inspect", "--format", "json", "--jobs", "2", str(folder)])
    assert result.exit_code == 2, result.output
    summaries = json.loads(result.stdout)
    assert [s["path"].rsplit("/", 1)[-1] for s in summaries] == [f"r{i:03}.xml" for i in range(80)]
    lost = [s for s in summaries if "error" in s]
    assert len(lost) == 1 and lost[0]["path"].endswith("r070.xml")
    assert "signal 9" in lost[0]["error"]["message"]
    assert "r070.xml" in result.stderr and "not checked" in result.stderr


def test_a_slow_first_file_fills_the_window_and_the_run_goes_on() -> None:
    # The window of held tasks fills with finished ones behind a slow head; once the
    # head is done all of them are printed and nothing is in flight. A loop that then
    # waited for a worker instead of handing out more work hung here.
    import time

    def work(item: int) -> int:
        if item == 1:  # the first file a worker gets (item 0 is done in the parent)
            time.sleep(0.5)
        return item

    out = list(
        _batch.run_ordered(range(2_000), work, jobs=2, eligible=lambda i: True, lost=lambda i, w: 0)
    )
    assert out == [(i, i) for i in range(2_000)]


def test_ctrl_c_ends_a_parallel_run_with_its_summary_and_no_workers_left(
    tmp_path: Path,
) -> None:
    # The paths come from a pipe that stays open, so the run is certainly in progress
    # (workers forked, the parent waiting for more paths) when Ctrl-C arrives.
    import subprocess
    import sys
    import time

    folder = _copies(tmp_path, 200)
    paths = [f"{path}\n" for path in sorted(folder.iterdir())]
    command = [sys.executable, "-m", "duis", "validate", "--isolated", "--jobs", "2"]
    proc = subprocess.Popen(
        [*command, "--format", "json", "--files-from", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        start_new_session=True,
    )
    assert proc.stdin is not None
    proc.stdin.write("".join(paths).encode())
    proc.stdin.flush()
    children: list[str] = []
    deadline = time.monotonic() + 30
    while len(children) < 2 and time.monotonic() < deadline:
        found = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True)
        children = found.stdout.split()
        time.sleep(0.05)
    assert len(children) == 2, "the workers did not start"
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C on a terminal sends
    out, err = proc.communicate(timeout=30)
    proc.stdin.close()
    assert proc.returncode == 130, err
    assert b"Traceback" not in err
    assert b"duis: interrupted:" in err
    import json

    document = json.loads(out)  # the JSON is closed, with its summary
    assert document["summary"]["files"] < 200
    time.sleep(0.2)
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]


def test_ctrl_c_in_one_process_keeps_what_was_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from duis.cli import cli
    from duis.cli.validate import _Validator

    folder = _copies(tmp_path, 20)
    real = _Validator.__call__

    def interrupted(self: _Validator, doc: Any) -> Any:
        if doc.name.endswith("r010.xml"):
            raise KeyboardInterrupt
        return real(self, doc)

    monkeypatch.setattr(_Validator, "__call__", interrupted)
    result = CliRunner().invoke(cli, ["validate", "--jobs", "1", str(folder)])
    assert result.exit_code == 130
    assert result.stdout.splitlines()[-1].startswith("10 files checked: 10 valid")
    assert "duis: interrupted: 10 file(s) reported above" in result.stderr


def test_no_fork_at_all_does_the_work_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    out = list(
        _batch.run_ordered(range(300), lambda i: -i, jobs=2, eligible=lambda i: True, lost=None)  # type: ignore[arg-type]
    )
    assert out == [(i, -i) for i in range(300)]


def test_when_dead_workers_cannot_be_replaced_the_rest_is_done_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Two workers start, then fork fails. Item 100 kills the worker it is on, then
    # (tried on its own) the other one: it is lost, and with no worker left and none
    # to be had, everything after it is done in this process.
    parent = os.getpid()
    real_fork = os.fork
    forks = {"n": 0}

    def two_forks() -> int:
        forks["n"] += 1
        if forks["n"] > 2:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return real_fork()

    def work(item: int) -> int:
        if item == 100 and os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return item * 3

    monkeypatch.setattr(os, "fork", two_forks)
    out = list(
        _batch.run_ordered(
            range(2_000), work, jobs=2, eligible=lambda i: True, lost=lambda i, w: "lost"
        )
    )
    assert out == [(i, "lost" if i == 100 else i * 3) for i in range(2_000)]
    assert forks["n"] > 2  # a replacement was tried
    assert _no_children_left()


def test_an_answer_sent_just_before_dying_is_kept() -> None:
    # The worker answers task 1, then dies on task 2 before the parent reads: both
    # arrive at once (the answer, then end-of-file). Task 1 is finished, and only task
    # 2 is the one under way; blaming task 1 named an innocent file as the killer.
    import time

    def work(item: str) -> str:
        if item == "die":
            os.kill(os.getpid(), signal.SIGKILL)
        return item.upper()

    set_work(work)
    pool = WorkerPool(1)
    try:
        pool.submit(0, 1, ["ok"])
        pool.submit(0, 2, ["die"])
        time.sleep(0.5)  # both done (and the worker dead) before the first read
        events: list[Finished | Lost] = []
        while len(events) < 2:
            events.extend(pool.poll())
    finally:
        pool.kill()
        set_work(None)
    assert events == [
        Finished(1, ["OK"]),
        Lost(2, "the worker process was killed by signal 9 (SIGKILL)", started=True),
    ]


def test_polling_with_nothing_outstanding_is_an_error_not_a_hang() -> None:
    set_work(lambda item: item)
    pool = WorkerPool(1)
    try:
        with pytest.raises(RuntimeError, match="no task outstanding"):
            pool.poll()
    finally:
        pool.kill()
        set_work(None)


def test_jobs_is_capped_at_four_workers_a_core(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # --jobs 5000 forked 877 processes for a 70-file run before the machine refused.
    from duis.cli import _workers, cli

    monkeypatch.setattr(_batch, "default_jobs", lambda: 2)
    assert [_batch.worker_count(n) for n in (0, 1, 3, 8, 9, 5000)] == [2, 1, 3, 8, 8, 8]
    started: list[int] = []
    real = _workers.WorkerPool.start_worker

    def counted(self: WorkerPool) -> None:
        started.append(1)
        real(self)

    monkeypatch.setattr(_workers.WorkerPool, "start_worker", counted)
    folder = _copies(tmp_path, 100)
    for command in (["validate"], ["inspect"]):
        started.clear()
        result = CliRunner().invoke(cli, [*command, "--jobs", "5000", str(folder)])
        assert result.exit_code == 0, result.output
        assert 1 <= len(started) <= 8, (command, len(started))
    assert _no_children_left()
