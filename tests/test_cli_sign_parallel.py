"""``duis sign --jobs N``: workers check and sign, the parent draws counters and writes.

What must hold is what holds in one process: the same files signed or refused with
the same findings, counters rising in the order the files are given (one
transaction per block), every output a valid signature, and a worker that dies
costs its files (said, with the counters that were reserved for them), never a
counter handed out twice or a hang.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from duis.cli import cli
from duis.cli._workers import can_fork

pytestmark = pytest.mark.skipif(not can_fork(), reason="workers need fork (POSIX, not macOS)")

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "examples" / "requests" / "valid" / "8.2-read-inventory.xml"
BAD = ROOT / "examples" / "requests" / "invalid" / "srv-sr-mismatch.xml"
PKI = ROOT / "examples" / "pki"
COUNTER = re.compile(rb"<sr:RequestID>[^<]*:(\d+)</sr:RequestID>")
RID = re.compile(r", RequestID \S+")


def _batch(folder: Path, n: int = 150) -> None:
    folder.mkdir()
    for i in range(n):
        shutil.copy(BAD if i in (7, 91) else GOOD, folder / f"r{i:03}.xml")


def _sign(tmp_path: Path, src: Path, out: Path, jobs: int) -> tuple[int, str, str]:
    out.mkdir()
    args = ["sign", "--keystore", str(PKI), "--counter-db", str(tmp_path / "c.db")]
    result = CliRunner().invoke(cli, [*args, "--jobs", str(jobs), "-o", str(out), str(src)])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _counters(out: Path) -> list[int]:
    found = []
    for path in sorted(out.glob("*.xml")):
        match = COUNTER.search(path.read_bytes())
        assert match is not None, path
        found.append(int(match.group(1)))
    return found


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    from duis.cli import sign

    monkeypatch.setattr(sign, "BLOCK", 40)  # 150 files: four blocks, the pipeline runs


def test_jobs_2_signs_and_refuses_what_jobs_1_does(tmp_path: Path, small_blocks: None) -> None:
    src = tmp_path / "src"
    _batch(src)
    one = _sign(tmp_path, src, tmp_path / "one", 1)
    two = _sign(tmp_path, src, tmp_path / "two", 2)
    assert one[0] == two[0] == 1  # two files refused
    # The same lines, counters apart (each run draws its own).
    assert RID.sub("", one[1]).replace("/one/", "/X/") == RID.sub("", two[1]).replace(
        "/two/", "/X/"
    )
    assert two[1].count("[sign.signed]") == 148
    refused = [line for line in two[1].splitlines() if "[srv.sr-mismatch]" in line]
    assert {line.split(":")[0].rsplit("/", 1)[-1] for line in refused} == {"r007.xml", "r091.xml"}
    first, second = _counters(tmp_path / "one"), _counters(tmp_path / "two")
    assert len(second) == 148
    assert second == sorted(second) and len(set(second)) == 148  # rising in file order
    assert min(second) > max(first)  # one store: never handed out twice
    verified = CliRunner().invoke(
        cli, ["verify", "-q", "--keystore", str(PKI), str(tmp_path / "two")]
    )
    assert verified.exit_code == 0, verified.output


def test_a_worker_killed_while_signing_costs_only_its_files(
    tmp_path: Path, small_blocks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import signing._sign

    real = signing._sign.PreparedSign.finish

    def dying(self: signing._sign.PreparedSign, counter: int | None) -> Any:
        if self.source.endswith("r050.xml"):
            os.kill(os.getpid(), signal.SIGKILL)  # a crash while signing
        return real(self, counter)

    monkeypatch.setattr(signing._sign.PreparedSign, "finish", dying)
    src = tmp_path / "src"
    _batch(src)
    code, stdout, stderr = _sign(tmp_path, src, tmp_path / "out", 2)
    assert code == 2, stderr  # files not signed for a reason of the run: a set-up error
    lost = [line for line in stderr.splitlines() if "not signed" in line]
    assert lost and all("signal 9" in line and "reserved and is not used" in line for line in lost)
    assert any("r050.xml" in line for line in lost)
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert "r050.xml" not in names
    assert len(names) + len(lost) == 148  # every good file signed or said to be lost
    counters = _counters(tmp_path / "out")
    assert counters == sorted(counters) and len(set(counters)) == len(counters)
    assert stdout.count("[sign.signed]") == len(names)
    # Blocks after the death were signed by a replacement worker.
    assert "r149.xml" in names


def test_jobs_2_of_a_few_files_signs_in_one_process(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _batch(src, n=5)
    code, stdout, _ = _sign(tmp_path, src, tmp_path / "out", 2)
    assert code == 0 and stdout.count("[sign.signed]") == 5


def test_without_fork_every_file_is_checked_and_signed_here(
    tmp_path: Path, small_blocks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    src = tmp_path / "src"
    _batch(src)
    code, stdout, _ = _sign(tmp_path, src, tmp_path / "out", 2)
    assert code == 1 and stdout.count("[sign.signed]") == 148
    counters = _counters(tmp_path / "out")
    assert counters == sorted(counters) and len(set(counters)) == 148


def test_a_file_that_kills_workers_while_checked_is_lost_alone(
    tmp_path: Path, small_blocks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its chunk's other files, and every file after it, are signed; only it is lost
    # (it killed two workers), and no counter was drawn for it.
    from duis.cli import sign

    parent = os.getpid()
    real = sign._Signer.prepare

    def dying(self: sign._Signer, doc: Any) -> Any:
        if doc.name.endswith("r050.xml") and os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(self, doc)

    monkeypatch.setattr(sign._Signer, "prepare", dying)
    src = tmp_path / "src"
    _batch(src)
    code, stdout, stderr = _sign(tmp_path, src, tmp_path / "out", 2)
    assert code == 2
    lost = [line for line in stderr.splitlines() if "not signed" in line]
    assert len(lost) == 1 and "r050.xml" in lost[0] and "reserved" not in lost[0]
    assert "also when it was tried on its own" in lost[0]
    assert stdout.count("[sign.signed]") == 147
    counters = _counters(tmp_path / "out")
    assert counters == sorted(counters) and len(set(counters)) == 147
