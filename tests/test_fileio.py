"""The one file writer: atomic, through links, regular files only (issue 14.8)."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from duis import InputError
from duis.fileio import OutputError, atomic_write, check_targets, write_files

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file types")


def test_writes_new_file_and_replaces_old_keeping_mode(tmp_path: Path) -> None:
    f = tmp_path / "a.xml"
    assert atomic_write(f, b"one") == f.resolve()
    f.chmod(0o640)
    atomic_write(f, b"two")
    assert f.read_bytes() == b"two"
    assert stat.S_IMODE(f.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["a.xml"]  # no temporary left


@posix_only
def test_symlink_target_is_replaced_and_link_kept(tmp_path: Path) -> None:
    real = tmp_path / "real.xml"
    real.write_bytes(b"unsigned")
    link = tmp_path / "link.xml"
    link.symlink_to(real)
    atomic_write(link, b"signed")
    assert link.is_symlink()
    assert real.read_bytes() == b"signed"


@posix_only
def test_dangling_symlink_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "link.xml"
    link.symlink_to(tmp_path / "missing.xml")
    with pytest.raises(OutputError, match="does not exist"):
        atomic_write(link, b"x")
    assert not (tmp_path / "missing.xml").exists()


@posix_only
def test_fifo_is_refused_and_kept(tmp_path: Path) -> None:
    fifo = tmp_path / "out.xml"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="FIFO"):
        atomic_write(fifo, b"x")
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@posix_only
def test_device_node_is_refused() -> None:
    with pytest.raises(OutputError, match="device node"):
        check_targets(["/dev/null"])


def test_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="folder"):
        atomic_write(tmp_path, b"x")


@posix_only
def test_read_only_file_is_refused_unless_overridden(tmp_path: Path) -> None:
    f = tmp_path / "ro.xml"
    f.write_bytes(b"old")
    f.chmod(0o444)
    with pytest.raises(OutputError, match="read-only"):
        atomic_write(f, b"new")
    assert f.read_bytes() == b"old"
    atomic_write(f, b"new", overwrite_read_only=True)
    assert f.read_bytes() == b"new"
    assert stat.S_IMODE(f.stat().st_mode) == 0o444


def test_missing_folder_is_an_output_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="folder does not exist"):
        atomic_write(tmp_path / "no" / "a.xml", b"x")


def test_output_error_is_an_input_error_for_old_callers() -> None:
    assert issubclass(OutputError, InputError)


def test_batch_writes_all(tmp_path: Path) -> None:
    written = write_files([(tmp_path / "a.xml", b"A"), (tmp_path / "b.xml", b"B")])
    assert [p.name for p in written] == ["a.xml", "b.xml"]
    assert (tmp_path / "a.xml").read_bytes() == b"A"
    assert (tmp_path / "b.xml").read_bytes() == b"B"


@posix_only
def test_batch_refuses_clashes_before_writing_anything(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    link = tmp_path / "l.xml"
    (tmp_path / "a.xml").write_bytes(b"old")
    link.symlink_to(tmp_path / "a.xml")
    for clash in (tmp_path / "sub" / ".." / "a.xml", link):
        with pytest.raises(OutputError, match="written twice"):
            write_files([(tmp_path / "b.xml", b"B"), (tmp_path / "a.xml", b"1"), (clash, b"2")])
        assert not (tmp_path / "b.xml").exists()
        assert (tmp_path / "a.xml").read_bytes() == b"old"


@posix_only
def test_batch_with_one_bad_target_writes_nothing(tmp_path: Path) -> None:
    fifo = tmp_path / "f.xml"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="FIFO"):
        write_files([(tmp_path / "a.xml", b"A"), (fifo, b"F")])
    assert not (tmp_path / "a.xml").exists()


@posix_only
def test_batch_modes(tmp_path: Path) -> None:
    write_files([(tmp_path / "k.pem", b"K"), (tmp_path / "c.pem", b"C")], modes=[0o600, None])
    assert stat.S_IMODE((tmp_path / "k.pem").stat().st_mode) == 0o600


def _fail_nth_replace(monkeypatch: pytest.MonkeyPatch, n: int) -> list[str]:
    """Make the n-th os.replace of duis.fileio fail (1-based); returns the calls' targets."""
    import duis.fileio as fileio

    real_replace = os.replace
    calls: list[str] = []

    def replace(src: str, dst: str | os.PathLike[str]) -> None:
        calls.append(str(dst))
        if len(calls) == n:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(fileio.os, "replace", replace)  # type: ignore[attr-defined]
    return calls


def test_batch_rename_failure_names_what_landed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from duis.fileio import PartialWriteError

    a, b, c = (tmp_path / n for n in ("a.xml", "b.xml", "c.xml"))
    _fail_nth_replace(monkeypatch, 2)
    with pytest.raises(PartialWriteError) as err:
        write_files([(a, b"A"), (b, b"B"), (c, b"C")])
    assert err.value.written == [a]
    assert err.value.unwritten == [b, c]
    assert "1 earlier file(s)" in str(err.value)
    assert a.read_bytes() == b"A"
    assert not b.exists() and not c.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xml"]  # temporaries removed


def test_batch_skipping_marks_only_unrenamed_outputs_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from duis.fileio import atomic_write_many

    a, b, c = (tmp_path / n for n in ("a.xml", "b.xml", "c.xml"))
    _fail_nth_replace(monkeypatch, 2)
    failed = atomic_write_many([(a, b"A"), (b, b"B"), (c, b"C")])
    assert set(failed) == {b, c}  # a landed: it must not be reported as failed
    assert "No space left" in str(failed[b])
    assert "b.xml" in str(failed[c]) and "failed first" in str(failed[c])
    assert a.read_bytes() == b"A"


@posix_only
def test_a_temporary_is_new_private_and_named_after_its_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from duis import fileio

    fd, path = fileio.temp_beside(tmp_path, "a.xml")
    os.close(fd)
    name = Path(path).name
    assert Path(path).parent == tmp_path
    assert name.startswith(".a.xml.") and name.endswith(".tmp") and len(name) == 23
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    # A name already taken (here: by a link to a file elsewhere) is never opened; the
    # next name is tried.
    outside = tmp_path / "victim"
    outside.write_bytes(b"keep")
    draws = iter([bytes.fromhex("0102030405ff"), bytes.fromhex("0102030405ee")])
    monkeypatch.setattr(fileio.os, "urandom", lambda n: next(draws))
    (tmp_path / ".b.xml.0102030405ff.tmp").symlink_to(outside)
    fd, second = fileio.temp_beside(tmp_path, "b.xml")
    os.write(fd, b"new")
    os.close(fd)
    assert Path(second).name == ".b.xml.0102030405ee.tmp"
    assert outside.read_bytes() == b"keep"
    monkeypatch.setattr(fileio.os, "urandom", lambda n: bytes.fromhex("0102030405ee"))
    with pytest.raises(FileExistsError):
        fileio.temp_beside(tmp_path, "b.xml")


@posix_only
def test_an_output_file_gets_the_usual_mode_not_the_temporarys(tmp_path: Path) -> None:
    from duis.cli._common import open_output

    target = tmp_path / "report.json"
    with open_output(target) as out:
        out.write("{}\n")
    mask = os.umask(0)
    os.umask(mask)
    assert target.read_text() == "{}\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


@posix_only
def test_only_old_temporaries_of_the_named_files_are_removed(tmp_path: Path) -> None:
    from duis.fileio import remove_stale_temporaries

    old = tmp_path / ".a.xml.0123456789ab.tmp"
    fresh = tmp_path / ".a.xml.ba9876543210.tmp"
    other = tmp_path / ".b.xml.0123456789ab.tmp"  # a file not in this batch
    odd = tmp_path / ".a.xml.notours.tmp"  # not a name temp_beside makes
    keep = tmp_path / "a.xml"
    for p in (old, fresh, other, odd, keep):
        p.write_bytes(b"x")
    link = tmp_path / ".a.xml.aaaaaaaaaaaa.tmp"
    link.symlink_to(keep)
    long_ago = 1_000_000_000
    for p in (old, other, odd, keep):
        os.utime(p, (long_ago, long_ago))
    os.utime(link, (long_ago, long_ago), follow_symlinks=False)
    assert remove_stale_temporaries(tmp_path, ["a.xml"]) == 1
    assert not old.exists()
    assert all(p.exists() for p in (fresh, other, odd, keep)) and link.is_symlink()
    assert remove_stale_temporaries(tmp_path / "missing", ["a.xml"]) == 0


def test_an_unexpected_failure_in_one_temporary_leaves_no_other_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from duis import fileio

    real = fileio._write_temp

    def flaky(target: fileio.Target, data: bytes) -> str:
        if target.real.name == "b.xml":
            raise MemoryError("simulated")
        return real(target, data)

    monkeypatch.setattr(fileio, "_write_temp", flaky)
    writer = fileio.BatchWriter()
    for name in ("a.xml", "b.xml", "c.xml"):
        writer.add(tmp_path / name, b"<x/>")
    with pytest.raises(MemoryError):
        writer.commit()
    writer.close()
    assert list(tmp_path.iterdir()) == []  # nothing renamed, no temporary left


@pytest.mark.skipif(sys.platform == "win32", reason="SIGALRM")
def test_ctrl_c_while_a_batch_waits_for_its_writes_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The interrupt reached the wait for a background write; that write then finished
    # unseen and its hidden temporary stayed beside the outputs.
    import signal
    import time

    import duis.fileio as fileio

    real = fileio._write_temp

    def slow(target: fileio.Target, data: bytes) -> str:
        time.sleep(0.3)
        return real(target, data)

    monkeypatch.setattr(fileio, "_write_temp", slow)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGALRM, interrupt)
    try:
        writer = fileio.BatchWriter()
        for i in range(3):
            writer.add(tmp_path / f"r{i}.xml", b"<a/>")
        signal.setitimer(signal.ITIMER_REAL, 0.1)  # fires while commit waits
        with pytest.raises(KeyboardInterrupt):
            try:
                writer.commit()
            finally:
                writer.close()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert list(tmp_path.iterdir()) == []  # nothing renamed, no temporary left
