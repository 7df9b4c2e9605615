"""``duis sign`` over batches: layout, clashes, settings, interruption and crashes.

The SIGKILL test is the issue's durability check kept small for the suite: a batch
of files is signed and the process killed at random points; afterwards no input has
changed, every output present is a complete signed request, and no counter was
handed out twice across all runs.
"""

from __future__ import annotations

import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from duis.cli import cli

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "examples" / "requests" / "valid" / "8.2-read-inventory.xml"
PKI = ROOT / "examples" / "pki"
COUNTER = re.compile(rb"<sr:RequestID>[^<]*:(\d+)</sr:RequestID>")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def sign_args(tmp_path: Path, *more: str) -> list[str]:
    return ["sign", "--keystore", str(PKI), "--counter-db", str(tmp_path / "c.db"), *more]


def test_same_names_in_two_folders_are_refused_before_signing(tmp_path: Path) -> None:
    # Issue 8 §2.4: both went to DIR/x.xml, one lost and its counter spent.
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        shutil.copy(GOOD, tmp_path / sub / "x.xml")
    out = tmp_path / "out"
    out.mkdir()
    code, _, err = run(
        *sign_args(tmp_path, "-o", str(out), str(tmp_path / "a/x.xml"), str(tmp_path / "b/x.xml"))
    )
    assert code == 2 and "would both be written to" in err and "nothing was signed" in err
    assert list(out.iterdir()) == []
    assert not (tmp_path / "c.db").exists() or _issued(tmp_path / "c.db") == 0


def _issued(db: Path) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        try:
            return int(conn.execute("SELECT COUNT(*) FROM issued").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def test_folder_arguments_keep_their_layout(tmp_path: Path) -> None:
    src = tmp_path / "src"
    for sub in ("a", "b"):
        (src / sub).mkdir(parents=True)
        shutil.copy(GOOD, src / sub / "x.xml")
    out = tmp_path / "out"
    out.mkdir()
    code, stdout, err = run(*sign_args(tmp_path, "-o", str(out), str(src)))
    assert code == 0, stdout + err
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.xml"))
    assert written == ["a/x.xml", "b/x.xml"]
    found = [COUNTER.search((out / w).read_bytes()) for w in written]
    counters = [int(m.group(1)) for m in found if m is not None]
    assert counters[0] < counters[1]  # rising in the order the files are given


def test_sign_honours_schema_dirs_from_option_and_settings(tmp_path: Path) -> None:
    # Issue 8 §2.1: sign validated with the embedded schema whatever the settings said.
    missing = tmp_path / "no-such-schemas"
    code, _, err = run(*sign_args(tmp_path, "--schema-dir", str(missing), str(GOOD)))
    assert code == 2 and str(missing) in err
    work = tmp_path / "w"
    work.mkdir()
    shutil.copy(GOOD, work / "r.xml")
    (work / "duis.toml").write_text(f'schema-dirs = ["{missing.as_posix()}"]\n')
    code, _, err = run(*sign_args(tmp_path, "-o", str(tmp_path / "o.xml"), str(work / "r.xml")))
    assert code == 2 and str(missing) in err


def test_a_killed_runs_old_temporaries_are_removed_by_the_next_run(tmp_path: Path) -> None:
    import os

    out = tmp_path / "out"
    out.mkdir()
    stale = out / ".r.xml.0123456789ab.tmp"
    stale.write_bytes(b"<sr:Request")  # half written when the run was killed
    os.utime(stale, (1_000_000_000, 1_000_000_000))
    young = out / ".r.xml.ffffffffffff.tmp"  # could be another run's, still writing
    young.write_bytes(b"<")
    shutil.copy(GOOD, tmp_path / "r.xml")
    code, _, err = run(*sign_args(tmp_path, "-o", str(out), str(tmp_path / "r.xml")))
    assert code == 0, err
    assert "removed 1 temporary file(s) left by an interrupted run" in err
    assert sorted(p.name for p in out.iterdir()) == [young.name, "r.xml"]


def test_an_output_folder_that_cannot_be_made_is_that_files_refusal(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "a").mkdir(parents=True)
    shutil.copy(GOOD, src / "a" / "x.xml")
    shutil.copy(GOOD, src / "y.xml")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a").write_bytes(b"a file where the folder a/ must go")
    code, stdout, err = run(*sign_args(tmp_path, "-o", str(out), str(src)))
    assert code == 2, err  # a target that cannot be written: a set-up error, said per file
    assert f"{out / 'a' / 'x.xml'}: error:" in err
    assert "[sign.signed]" in stdout and (out / "y.xml").is_file()


def test_ctrl_c_exits_130_and_lists_what_was_finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 14 §12: it exited 1 with no report.
    src = tmp_path / "src"
    src.mkdir()
    for i in range(4):
        shutil.copy(GOOD, src / f"r{i}.xml")
    out = tmp_path / "out"
    out.mkdir()
    import signing._sign  # the batch signs each prepared tree: PreparedSign.finish

    real = signing._sign.PreparedSign.finish
    calls = {"n": 0}

    def interrupting(self: signing._sign.PreparedSign, counter: int | None) -> object:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(self, counter)

    monkeypatch.setattr(signing._sign.PreparedSign, "finish", interrupting)
    code, stdout, err = run(*sign_args(tmp_path, "-o", str(out), str(src)))
    assert code == 130
    assert "interrupted: 2 file(s) signed" in err
    assert stdout.count("[sign.signed]") == 2
    assert sorted(p.name for p in out.iterdir()) == ["r0.xml", "r1.xml"]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_sigkill_leaves_inputs_intact_outputs_whole_and_counters_unique(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    original = GOOD.read_bytes()
    for i in range(200):
        shutil.copy(GOOD, src / f"r{i:03}.xml")
    rng = random.Random(12)
    seen: dict[int, str] = {}
    for attempt in range(5):
        out = tmp_path / f"out{attempt}"
        out.mkdir()
        proc = subprocess.Popen(
            [sys.executable, "-m", "duis", *sign_args(tmp_path, "-q", "-o", str(out), str(src))],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.4, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for path in sorted(out.glob("r*.xml")):
            data = path.read_bytes()
            assert data.rstrip().endswith(b"</sr:Request>"), f"half-written output: {path}"
            assert b"<ds:SignatureValue>" in data
            found = COUNTER.search(data)
            assert found is not None
            counter = int(found.group(1))
            assert counter not in seen, f"counter {counter} twice: {seen.get(counter)} {path}"
            seen[counter] = str(path)
        for p in out.iterdir():  # a killed write leaves a hidden temporary, never the target
            assert p.name.startswith("r") or (p.name.startswith(".") and p.name.endswith(".tmp"))
    assert all(p.read_bytes() == original for p in src.iterdir())
