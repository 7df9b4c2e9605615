"""Counters stay unique and rising when server workers and CLI processes share a store.

Four ``duis serve`` workers and two ``duis sign`` processes sign for one originator
against one store (SQLite, and PostgreSQL where a server can be started) at the same
time: every counter handed out is distinct, and each process's counters rise
strictly in the order that process issued them. For a worker that order is the
``seq`` of its access log lines (its responses leave in completion order, which
concurrent signs sharing a commit do not keep); for ``duis sign`` it is the order of
its input files. A worker killed with SIGKILL mid-request, while requests share
commits, leaves no counter that is handed out again, and every counter a client
received is one the store had recorded.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from _serve_harness import ROOT, Server, b64, duis_env, serving, unb64

from duis.ids import EUI64, RequestID
from duis.xml import parse
from signing import CounterStore, RemotePartyRole, make_test_pki

USER = EUI64.parse("90-B3-D5-1F-30-01-00-00")
REQUEST = (ROOT / "examples/requests/valid/8.2-read-inventory.xml").read_bytes()


def _counter(signed: bytes) -> int:
    text = parse(signed).getroot().findtext(".//{*}RequestID") or ""
    return RequestID.parse(text).counter


def _wait_for_workers(server: Server, n: int, timeout: float = 90.0) -> None:
    """Until ``n`` workers each answered: /healthz answers once the FIRST is up, and on a
    loaded machine the others can still be importing, leaving the load on one worker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        server.request("GET", "/healthz", timeout=30.0)
        seen = {line["worker"] for line in server.access_lines() if line.get("path") == "/healthz"}
        if len(seen) >= n:
            return
        time.sleep(0.05)
    raise AssertionError(f"only {len(seen)} of {n} workers started within {timeout} s")


def _client(server: Server, n: int, out: list[int], errors: list[str]) -> None:
    # Generous: on a loaded machine with CLI processes holding the store's lock a
    # request can take seconds; a timeout here would be a lost request, not a bug.
    conn = server.connection(timeout=60.0)
    body = json.dumps({"message": b64(REQUEST)}).encode()
    for _ in range(n):
        try:
            conn.request("POST", "/sign", body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            errors.append(type(exc).__name__)
            conn.close()
            conn = server.connection(timeout=60.0)
            continue
        if resp.status == 200:
            out.append(_counter(unb64(json.loads(data)["message"])))
        else:
            errors.append(str(resp.status))
    conn.close()


def _strictly_rising(values: list[int]) -> bool:
    return all(a < b for a, b in itertools.pairwise(values))


def _signed_lines(server: Server) -> list[dict[str, Any]]:
    return [
        line
        for line in server.access_lines()
        if line.get("path") == "/sign" and line.get("status") == 200
    ]


def _per_worker(server: Server) -> dict[int, list[int]]:
    """Each worker's counters in the order it issued them (its ``seq``), checked to be
    the counters its responses carried, with no issue number used twice."""
    by_worker: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for line in _signed_lines(server):
        counter = RequestID.parse(line["request_id"]).counter
        assert line["counter"] == counter
        by_worker[line["worker"]].append((line["seq"], counter))
    out = {}
    for worker, pairs in by_worker.items():
        pairs.sort()
        seqs = [seq for seq, _ in pairs]
        assert len(set(seqs)) == len(seqs), f"worker {worker} logged an issue number twice"
        out[worker] = [counter for _, counter in pairs]
    return out


@pytest.fixture()
def pki(tmp_path: Path) -> Path:
    make_test_pki([(USER, RemotePartyRole.XML_SIGN)], tmp_path / "pki")
    return tmp_path / "pki"


def _four_workers_and_two_cli_processes(tmp_path: Path, pki: Path, db: str) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    names = [f"r{i:03d}.xml" for i in range(40)]
    for name in names:
        (inputs / name).write_bytes(REQUEST)
    args = ["--keystore", str(pki), "--counter-db", db, "--workers", "4"]
    with serving(args, tmp_path / "log") as server:
        _wait_for_workers(server, 4)
        outs = [tmp_path / "out0", tmp_path / "out1"]
        for o in outs:
            o.mkdir()
        clis = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "duis",
                    "sign",
                    "--keystore",
                    str(pki),
                    "--counter-db",
                    db,
                    "-o",
                    str(o),
                    *[str(inputs / n) for n in names],
                ],
                cwd=ROOT,
                env=duis_env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for o in outs
        ]
        got: list[list[int]] = [[] for _ in range(8)]
        errors: list[str] = []
        threads = [
            threading.Thread(target=_client, args=(server, 30, got[i], errors)) for i in range(8)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        for p in clis:
            _, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
        server.access_lines_until(lambda lines: len(_signed_lines(server)) >= 240)
        by_worker = _per_worker(server)
    assert not errors
    served = [c for g in got for c in g]
    assert len(served) == 240
    assert len(by_worker) >= 2  # the load really was spread over workers
    for counters in by_worker.values():
        assert _strictly_rising(counters)
    assert sorted(c for v in by_worker.values() for c in v) == sorted(served)
    cli_counters = []
    for o in outs:
        seq = [_counter((o / n).read_bytes()) for n in names]  # signed in this order
        assert _strictly_rising(seq)
        cli_counters += seq
    every = served + cli_counters
    assert len(set(every)) == len(every) == 320
    with CounterStore(db) as store:
        assert store.last_issued(USER) == max(every)


def test_four_workers_and_two_cli_processes_share_one_sqlite_store(
    tmp_path: Path, pki: Path
) -> None:
    _four_workers_and_two_cli_processes(tmp_path, pki, str(tmp_path / "counters.db"))


def test_four_workers_and_two_cli_processes_share_one_postgresql_store(
    tmp_path: Path, pki: Path
) -> None:
    import pg_server

    pg = pg_server.start()
    if isinstance(pg, str):
        pytest.skip(pg)
    try:
        _four_workers_and_two_cli_processes(tmp_path, pki, pg.url)
    finally:
        pg.stop()


def test_worker_killed_mid_request_leaves_no_reused_counter(tmp_path: Path, pki: Path) -> None:
    db = tmp_path / "counters.db"
    args = ["--keystore", str(pki), "--counter-db", str(db), "--workers", "2"]
    with serving(args, tmp_path / "log") as server:
        got: list[list[int]] = [[] for _ in range(6)]
        errors: list[str] = []
        threads = [
            threading.Thread(target=_client, args=(server, 100, got[i], errors)) for i in range(6)
        ]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while sum(len(g) for g in got) < 60 and time.monotonic() < deadline:
            time.sleep(0.02)
        before = _signed_lines(server)
        victim = max(_per_worker(server).items(), key=lambda kv: len(kv[1]))[0]
        os.kill(victim, signal.SIGKILL)
        for t in threads:
            t.join(120)
        # The supervisor replaces the dead worker; the service goes on.
        status, body = server.post("/sign", {"message": b64(REQUEST)})
        assert status == 200
        after = _counter(unb64(body["message"]))
        by_worker = _per_worker(server)
    served = [c for g in got for c in g]
    assert errors, "the kill should have cut off at least one request in flight"
    # Requests were sharing commits when the worker died: group commit was under test.
    assert max(line["batch"] for line in before) > 1
    assert len(served) + len(errors) == 600
    every = [*served, after]
    assert len(set(every)) == len(every)
    assert after > max(served)
    for counters in by_worker.values():
        assert _strictly_rising(counters)
    with CounterStore(db) as store:
        recorded = store.last_issued(USER)
    assert recorded is not None and recorded >= max(every)


def test_a_store_locked_by_another_process_holds_only_the_fresh_counter_signs(
    tmp_path: Path, pki: Path
) -> None:
    """The commits run beside the event loop: while another process holds the store's
    write lock, /healthz, /verify and preserveCounter signs still answer at once, and
    the fresh-counter sign waiting for its counter completes once the lock is freed."""
    import sqlite3

    db = tmp_path / "counters.db"
    args = ["--keystore", str(pki), "--counter-db", str(db), "--workers", "1"]
    with serving(args, tmp_path / "log") as server:
        status, body = server.post("/sign", {"message": b64(REQUEST)})
        assert status == 200  # the store exists and the worker is up
        signed = body["message"]
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process's long write transaction
        result: dict[str, Any] = {}

        def fresh() -> None:
            result["sign"] = server.post("/sign", {"message": b64(REQUEST)})

        waiting = threading.Thread(target=fresh)
        waiting.start()
        try:
            time.sleep(0.5)
            assert "sign" not in result  # it waits for its counter
            t0 = time.monotonic()
            assert server.request("GET", "/healthz")[0] == 200
            assert server.post("/verify", {"message": signed})[0] == 200
            kept = {"message": b64(REQUEST), "preserveCounter": True}
            assert server.post("/sign", kept)[0] == 200
            assert time.monotonic() - t0 < 5.0  # not held behind the locked store
            assert "sign" not in result
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        waiting.join(60)
        status, body = result["sign"]
        assert status == 200
        assert _counter(unb64(body["message"])) > _counter(unb64(signed))
