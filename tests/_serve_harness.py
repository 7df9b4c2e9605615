"""Starting ``duis serve`` in a subprocess for the serve tests, and talking to it.

Servers bind only to 127.0.0.1 on a free port, write their log to a file (a full
pipe would stall them) and are stopped with SIGTERM, then SIGKILL, by the fixture
that started them. Requests use the standard library's http.client, so the tests
need nothing beyond the serve extra.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("uvicorn", reason="duis serve needs its extra: pip install 'duis[serve]'")
pytest.importorskip("starlette", reason="duis serve needs its extra: pip install 'duis[serve]'")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def duis_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("DUIS_SERVE_TOKENS", None)
    env.update(extra or {})
    return env


class Server:
    """One ``duis serve`` process (and its workers)."""

    def __init__(self, args: Sequence[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.log_path = log
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "duis", "serve", "--port", str(self.port), *args],
            cwd=ROOT,
            env=duis_env(env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"duis serve exited {self.proc.returncode}: {self.log()}")
            with contextlib.suppress(OSError):
                status, _, _ = self.request("GET", "/healthz", timeout=1.0)
                if status == 200:
                    return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"duis serve did not start: {self.log()}")

    def connection(self, timeout: float = 10.0) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        *,
        timeout: float = 10.0,
        conn: http.client.HTTPConnection | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        own = conn is None
        c = conn if conn is not None else self.connection(timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            resp = c.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            if own:
                c.close()

    def post(
        self,
        path: str,
        doc: dict[str, Any],
        token: str | None = None,
        conn: http.client.HTTPConnection | None = None,
    ) -> tuple[int, dict[str, Any]]:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        status, _, data = self.request("POST", path, json.dumps(doc).encode(), headers, conn=conn)
        return status, json.loads(data)

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def access_lines(self) -> list[dict[str, Any]]:
        out = []
        for line in self.log().splitlines():
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    out.append(json.loads(line))
        return out

    def access_lines_until(
        self, done: Callable[[list[dict[str, Any]]], bool], timeout: float = 30.0
    ) -> list[dict[str, Any]]:
        """The access log once ``done`` holds for it: a worker writes a request's line
        after the response has gone out, so a client may read the log before it."""
        deadline = time.monotonic() + timeout
        lines = self.access_lines()
        while not done(lines) and time.monotonic() < deadline:
            time.sleep(0.05)
            lines = self.access_lines()
        return lines

    def stop(self, timeout: float = 20.0) -> int:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._log.close()
        return self.proc.returncode


@contextlib.contextmanager
def serving(args: Sequence[str], log: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    server = Server(args, log, env)
    try:
        yield server
    finally:
        server.stop()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text)
