"""A throwaway PostgreSQL server for tests: initdb + pg_ctl in a temporary folder.

Listens on a unix socket in that folder only (no TCP port to collide with). As root
the server runs as the ``postgres`` user (PostgreSQL refuses to run as root).
:func:`start` returns None with the reason when no server can be started, so tests
skip saying why; CI installs Debian's ``postgresql`` package so they run there.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

__all__ = ["PgServer", "start"]


@dataclass
class PgServer:
    """A running server; ``url`` is what ``--counter-db`` takes."""

    folder: Path
    url: str
    _bin: Path
    _user: str | None

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self._bin / args[0]), *args[1:]]
        if self._user:
            cmd = ["runuser", "-u", self._user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)

    def start(self) -> None:
        r = self._run(
            "pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "log"), "-w",
            "-o", f"-k {self.folder} -c listen_addresses='' -c fsync=off", "start",
        )  # fmt: skip
        if r.returncode != 0:
            log = (self.folder / "log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"pg_ctl start failed: {r.stderr.strip()} {log}")

    def kill(self) -> None:
        """Stop as a crash would (immediate: no checkpoint, no clean shutdown)."""
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def _find_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True):
        return Path(candidate).parent
    return None


def start() -> PgServer | str:
    """A started server, or the reason none could be started."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'duis[postgres]')"
    bindir = _find_bin()
    if bindir is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) not found; apt-get install postgresql"
    user: str | None = None
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root and runuser is missing, so postgres cannot be started"
        try:
            import pwd

            pw = pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run the server as"
        user = "postgres"
    folder = Path(tempfile.mkdtemp(prefix="duis-pg-"))
    if user:
        os.chown(folder, pw.pw_uid, pw.pw_gid)
    url = f"postgresql://postgres@/postgres?host={quote(str(folder), safe='')}"
    server = PgServer(folder, url, bindir, user)
    r = server._run(
        "initdb", "-D", str(folder / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8",
        "--no-sync", "--no-instructions",
    )  # fmt: skip
    if r.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        return f"initdb failed: {(r.stderr or r.stdout).strip()[-500:]}"
    try:
        server.start()
    except RuntimeError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return str(exc)
    return server
