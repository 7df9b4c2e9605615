"""Writing files so that a reader never sees half of one.

Signing ``--in-place`` rewrites a User's request; a crash or a full disk half-way must
leave the original intact. Everything the library writes goes through
:func:`atomic_write`: a temporary file in the same folder, flushed and fsynced, then
renamed over the target (atomic on POSIX and on Windows for same-volume renames).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from duis._exceptions import InputError

__all__ = ["atomic_write", "atomic_write_many"]


def atomic_write(path: str | os.PathLike[str], data: bytes, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` atomically, keeping the old file's permissions."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if mode is None:
        try:
            mode = target.stat().st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise InputError(f"cannot write here: {exc.strerror or exc}", source=str(target)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise InputError(f"cannot write: {exc.strerror or exc}", source=str(target)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _syncfs(fd: int) -> bool:
    """Flush the whole file system holding ``fd`` (Linux ``syncfs``); False if unavailable."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        syncfs = libc.syncfs
    except (OSError, AttributeError):
        return False
    return int(syncfs(fd)) == 0


def atomic_write_many(items: list[tuple[Path, bytes]]) -> dict[Path, InputError]:
    """Replace several files, each atomically, with one flush for all of them.

    A batch (``duis sign -o DIR``) would otherwise pay one fsync per file. Here every
    temporary file is written first, then their data is flushed in one step (one
    ``syncfs`` per file system where the OS has it, else an fsync each), then each is
    renamed over its target, then each folder is flushed once so the renames are
    durable too. A target is never seen half-written; after a crash each target is
    either the old file (or absent) or the complete new one. Returns the targets that
    could not be written, with why; the others are done.
    """
    failed: dict[Path, InputError] = {}
    pending: list[tuple[Path, str, int]] = []
    try:
        for target, data in items:
            folder = target.parent if str(target.parent) else Path(".")
            try:
                mode = target.stat().st_mode & 0o7777
            except FileNotFoundError:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
            except OSError as exc:
                failed[target] = InputError(
                    f"cannot write: {exc.strerror or exc}", source=str(target)
                )
                continue
            try:
                fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
            except OSError as exc:
                failed[target] = InputError(
                    f"cannot write here: {exc.strerror or exc}", source=str(target)
                )
                continue
            pending.append((target, tmp, fd))
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fchmod(fd, mode)
            except OSError as exc:
                failed[target] = InputError(
                    f"cannot write: {exc.strerror or exc}", source=str(target)
                )
        synced: set[int] = set()
        for target, _tmp, fd in pending:
            if target in failed:
                continue
            device = os.fstat(fd).st_dev
            if device in synced:
                continue
            if _syncfs(fd):
                synced.add(device)
            else:
                os.fsync(fd)
        folders: set[Path] = set()
        for target, tmp, fd in pending:
            os.close(fd)
            if target in failed:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                continue
            try:
                os.replace(tmp, target)
                folders.add(target.parent if str(target.parent) else Path("."))
            except OSError as exc:
                failed[target] = InputError(
                    f"cannot write: {exc.strerror or exc}", source=str(target)
                )
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        pending = []
        for folder in folders:
            _fsync_folder(folder)
    except BaseException:
        for _target, tmp, fd in pending:
            with contextlib.suppress(OSError):
                os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    return failed


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
