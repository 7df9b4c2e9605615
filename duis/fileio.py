"""The one file writer: whole files or nothing, in the place the user meant.

Signing ``--in-place`` rewrites a User's request; a crash or a full disk half-way must
leave the original intact, and the output must land where the user pointed. Everything
the project writes goes through here:

- **atomic and durable**: a temporary file in the same folder, flushed and fsynced,
  renamed over the target, then the folder fsynced so the rename survives a crash;
- **through symlinks**: a link to a regular file has its *target* replaced (the
  link stays a link), so ``-o link.xml`` does not leave the real file unsigned;
- **regular files only**: a device node, FIFO, socket or folder is refused, never
  replaced (as root, a rename over ``/dev/...`` would replace the node);
- **read-only files are refused** unless ``overwrite_read_only`` says otherwise (the
  permission bits are read, so root is refused too);
- **batches** (:func:`write_files`): clashing names (two outputs that resolve to one
  file) are refused before anything is written, every temporary file is written
  before the first rename, and each folder is fsynced once.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from duis._exceptions import InputError

__all__ = [
    "BatchWriter",
    "OutputError",
    "PartialWriteError",
    "Target",
    "atomic_write",
    "atomic_write_many",
    "check_targets",
    "default_mode",
    "fsync_folder",
    "remove_stale_temporaries",
    "resolve_target",
    "temp_beside",
    "write_files",
]

_WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


class OutputError(InputError):
    """An output file could not be written, or writing it was refused."""


class PartialWriteError(OutputError):
    """A batch stopped at a rename: the files before it are in place, the rest are not.

    Raised by :func:`write_files` so a caller can tell the user exactly which outputs
    exist (``written``, already renamed and their folders fsynced) and which do not
    (``unwritten``, starting with the one whose rename failed); reporting the whole
    batch as failed would hide outputs that did land.
    """

    def __init__(
        self, message: str, *, source: str, written: list[Path], unwritten: list[Path]
    ) -> None:
        super().__init__(message, source=source)
        self.written = written
        self.unwritten = unwritten


@dataclass(frozen=True)
class Target:
    """Where one output goes: the path the user gave and the file really replaced."""

    given: Path
    real: Path
    #: Permission bits for the new file (the old file's, or the umask's default).
    mode: int


def default_mode() -> int:
    """Permission bits a new file gets here (0666 less the umask)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _resolve(path: str | os.PathLike[str], *, overwrite_read_only: bool) -> Target:
    given = Path(path)
    name = str(given)
    if given.is_symlink():
        real = Path(os.path.realpath(given))
        if not real.exists():
            raise OutputError(
                f"is a symbolic link to {str(real)!r}, which does not exist; refused",
                source=name,
            )
    else:
        real = Path(os.path.realpath(given)) if given.exists() else given.absolute()
    try:
        st = real.stat()
    except FileNotFoundError:
        if not real.parent.is_dir():
            raise OutputError("its folder does not exist", source=name) from None
        return Target(given, real, default_mode())
    except OSError as exc:
        raise OutputError(f"cannot check it: {exc.strerror or exc}", source=name) from None
    if not stat.S_ISREG(st.st_mode):
        kind = (
            "a folder"
            if stat.S_ISDIR(st.st_mode)
            else "a FIFO"
            if stat.S_ISFIFO(st.st_mode)
            else "a device node"
            if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "not a regular file"
        )
        raise OutputError(f"is {kind}; only regular files are written (refused)", source=name)
    mode = st.st_mode & 0o7777
    if not mode & _WRITE_BITS and not overwrite_read_only:
        raise OutputError(
            "is read-only; refused (make it writable if it is to be replaced; from "
            "Python, overwrite_read_only=True)",
            source=name,
        )
    return Target(given, real, mode)


def resolve_target(path: str | os.PathLike[str], *, overwrite_read_only: bool = False) -> Target:
    """Where writing ``path`` really goes, by the one writer's rules: through a link to
    its target, a regular file only, a read-only one refused unless told; OutputError
    says why not. For writers that stream (``--output-file``) instead of handing over
    bytes."""
    return _resolve(path, overwrite_read_only=overwrite_read_only)


def check_targets(
    paths: Iterable[str | os.PathLike[str]], *, overwrite_read_only: bool = False
) -> list[Target]:
    """Resolve every output and refuse bad ones and clashes, before any work is done.

    Call it before spending anything on the outputs (a signing counter, say): it
    raises :class:`OutputError` for a non-regular or read-only target, a dangling
    link, a missing folder, or two paths that would write the same file.
    """
    targets = [_resolve(path, overwrite_read_only=overwrite_read_only) for path in paths]
    _refuse_clashes(targets)
    return targets


def _refuse_clashes(targets: list[Target]) -> None:
    seen: dict[str, Path] = {}
    for target in targets:
        key = os.path.normcase(str(target.real))
        if key in seen:
            raise OutputError(
                f"would be written twice: {str(seen[key])!r} resolves to the same file "
                f"{str(target.real)!r}; refused before writing anything",
                source=str(target.given),
            )
        seen[key] = target.given


def fsync_folder(folder: str | os.PathLike[str]) -> None:
    """Make a rename in ``folder`` durable (POSIX; Windows cannot open a folder)."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(folder, flags)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


#: Random bytes in a temporary's name (hex in the name, and in the pattern that finds it).
_TEMP_RANDOM = 6
_TEMP_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_BINARY", 0)
)


def temp_beside(folder: str | os.PathLike[str], name: str) -> tuple[int, str]:
    """``(fd, path)`` of a new private file ``.NAME.XXXXXXXXXXXX.tmp`` in ``folder``.

    The one way this project makes a temporary file to rename onto ``name``: created
    exclusively (never an existing file or a link followed), mode 0600 until the
    caller sets the final one. ``tempfile.mkstemp`` cost twice this per file of a
    batch (its name generator and the file object around it). OSError on failure.
    """
    for _ in range(100):
        path = os.path.join(folder, f".{name}.{os.urandom(_TEMP_RANDOM).hex()}.tmp")
        try:
            return os.open(path, _TEMP_FLAGS, 0o600), path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary name", str(folder))


_TEMP_NAME = re.compile(rf"\.(.+)\.[0-9a-f]{{{2 * _TEMP_RANDOM}}}\.tmp")

#: A temporary this much older than now is left over from a killed run, not in use:
#: a live batch renames its temporaries within seconds of writing them.
STALE_AFTER = 600.0


def remove_stale_temporaries(
    folder: str | os.PathLike[str], names: Iterable[str], *, older_than: float = STALE_AFTER
) -> int:
    """Remove the temporaries a killed run left for the files ``names`` in ``folder``.

    Only files named as :func:`temp_beside` names them, for one of ``names``, regular
    (a link is never followed), and not modified for ``older_than`` seconds; returns
    how many were removed. Errors are ignored: this is tidying, never required.
    """
    import time

    wanted = set(names)
    limit = time.time() - older_than
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        found = _TEMP_NAME.fullmatch(entry.name)
        if found is None or found.group(1) not in wanted:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(st.st_mode) and st.st_mtime < limit:
                os.unlink(entry.path)
                removed += 1
        except OSError:
            continue
    return removed


def _write_temp(target: Target, data: bytes) -> str:
    """A temporary file beside the target holding ``data``, not yet fsynced: the
    commit fsyncs every temporary of a batch at once (:func:`_fsync_all`)."""
    try:
        fd, tmp = temp_beside(target.real.parent, target.real.name)
    except OSError as exc:
        raise OutputError(
            f"cannot write here: {exc.strerror or exc}", source=str(target.given)
        ) from None
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if hasattr(os, "fchmod"):
                os.fchmod(fd, target.mode)
        finally:
            os.close(fd)
        if not hasattr(os, "fchmod"):  # pragma: no cover - Windows
            os.chmod(tmp, target.mode)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OutputError(
                f"cannot write: {exc.strerror or exc}", source=str(target.given)
            ) from None
        raise
    return tmp


#: fsyncs in flight at once for a batch: the filesystem's journal commits concurrent
#: fsyncs together, so 16 at a time cost about what one costs (measured on ext4: 291
#: files 1.15 s one after another, 0.16-0.22 s sixteen at a time).
_SYNC_THREADS = 16


def _fsync_all(temps: list[str], targets: list[Target]) -> None:
    """fsync every temporary file, several at once; the first failure is raised."""

    def one(tmp: str) -> OSError | None:
        try:
            fd = os.open(tmp, os.O_RDONLY)
        except OSError as exc:
            return exc
        try:
            os.fsync(fd)
        except OSError as exc:
            return exc
        finally:
            os.close(fd)
        return None

    errors: list[OSError | None] = [None] * len(temps)
    if len(temps) <= 1:
        errors = [one(tmp) for tmp in temps]
    else:
        import threading

        # Plain threads over a shared iterator: concurrent.futures would import
        # logging and more for every `duis sign` (about 10 ms of its start).
        todo = iter(enumerate(temps))
        lock = threading.Lock()

        def drain() -> None:
            while True:
                with lock:
                    step = next(todo, None)
                if step is None:
                    return
                errors[step[0]] = one(step[1])

        threads = [
            threading.Thread(target=drain, name="duis-fsync")
            for _ in range(min(_SYNC_THREADS, len(temps)))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    for target, exc in zip(targets, errors, strict=True):
        if exc is not None:
            raise OutputError(f"cannot write: {exc.strerror or exc}", source=str(target.given))


def write_files(
    items: Iterable[tuple[str | os.PathLike[str], bytes]],
    *,
    overwrite_read_only: bool = False,
    modes: Iterable[int | None] | None = None,
) -> list[Path]:
    """Write several files; returns the real paths written, in order.

    ``modes`` gives each file's permission bits (None: keep the old file's), e.g.
    0o600 for private keys written beside their certificates.

    Every target is checked first (:func:`check_targets`); then every temporary file
    is written, then all are fsynced (several at once), so a full disk changes
    nothing; then each is renamed into place and each folder fsynced once.
    """
    pairs = list(items)
    targets = check_targets((p for p, _ in pairs), overwrite_read_only=overwrite_read_only)
    if modes is not None:
        wanted = list(modes)
        if len(wanted) != len(targets):
            raise ValueError("write_files: one mode per file, or no modes")
        targets = [
            t if m is None else Target(t.given, t.real, m)
            for t, m in zip(targets, wanted, strict=True)
        ]
    _write_checked(targets, [data for _, data in pairs])
    return [t.real for t in targets]


def _write_checked(targets: list[Target], datas: list[bytes]) -> None:
    """:func:`write_files` for targets :func:`check_targets` has resolved."""
    temps: list[str] = []
    try:
        for target, data in zip(targets, datas, strict=True):
            temps.append(_write_temp(target, data))
    except BaseException:
        for tmp in temps:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    _commit(targets, temps)


def _commit(targets: list[Target], temps: list[str]) -> None:
    """fsync every temporary, rename each onto its target, fsync each folder once.

    Every temporary is removed on failure; a rename that fails raises
    :class:`PartialWriteError` naming what was and was not written.
    """
    done = 0
    try:
        # Every byte is on disk before the first rename: a crash then leaves either the
        # old file or the whole new one under each name, never a renamed empty file.
        _fsync_all(temps, targets)
        for target, tmp in zip(targets, temps, strict=True):
            try:
                os.replace(tmp, target.real)
            except OSError as exc:
                raise PartialWriteError(
                    f"cannot write: {exc.strerror or exc}"
                    + (f" ({done} earlier file(s) of this batch were written)" if done else ""),
                    source=str(target.given),
                    written=[t.given for t in targets[:done]],
                    unwritten=[t.given for t in targets[done:]],
                ) from None
            done += 1
    except BaseException:
        for tmp in temps[done:]:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    finally:
        # The renames that happened are made durable even when a later one failed.
        for folder in dict.fromkeys(t.real.parent for t in targets[:done]):
            fsync_folder(folder)


class _Job:
    """One background write: a future with only what :class:`BatchWriter` asks of one
    (``concurrent.futures`` cost about 10 ms of every ``duis sign`` start to import)."""

    __slots__ = ("_args", "_done", "_error", "_fn", "_value")

    def __init__(self, fn: Any, *args: Any) -> None:
        import threading

        self._fn = fn
        self._args = args
        self._value: Any = None
        self._error: BaseException | None = None
        self._done = threading.Event()

    def run(self) -> None:
        try:
            self._value = self._fn(*self._args)
        except BaseException as exc:
            self._error = exc
        finally:
            self._done.set()

    def done(self) -> bool:
        return self._done.is_set()

    def result(self) -> Any:
        """The value, or the job's exception raised; waits (Ctrl-C can interrupt)."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value

    def exception(self) -> BaseException | None:
        self._done.wait()
        return self._error


class BatchWriter:
    """:func:`atomic_write_many` with the temporaries written while the caller works.

    ``duis sign`` makes its outputs one at a time; creating and writing each one's
    temporary file is system time that a background thread spends while the next
    message is signed. :meth:`commit` then does what ``atomic_write_many`` does after
    writing: fsync all, rename, fsync each folder once; its answer is the same (the
    refused targets, with why). Nothing is renamed before :meth:`commit`, and
    :meth:`discard` (or a failed commit) removes every temporary.
    """

    def __init__(self, *, overwrite_read_only: bool = False) -> None:
        self._overwrite = overwrite_read_only
        self._pending: list[tuple[Path, _Job]] = []
        self._jobs: Any = None  # the background thread's queue, made at the first add
        self._thread: Any = None

    def add(self, path: Path, data: bytes) -> None:
        """Queue ``data`` for ``path``; its temporary is written in the background."""
        if self._thread is None:
            import queue
            import threading

            self._jobs = queue.SimpleQueue()
            self._thread = threading.Thread(target=self._work, name="duis-write", daemon=True)
            self._thread.start()
        job = _Job(self._prepare, path, data)
        self._pending.append((path, job))
        self._jobs.put(job)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            job.run()

    def _prepare(self, path: Path, data: bytes) -> tuple[Target, str] | OutputError:
        try:
            (target,) = check_targets([path], overwrite_read_only=self._overwrite)
            return target, _write_temp(target, data)
        except OutputError as exc:
            return exc

    def _collect(self) -> list[tuple[Path, tuple[Target, str] | BaseException]]:
        """Every queued result, waited for; an unexpected failure is a value too, so
        one of them cannot leave the other temporaries behind."""
        pending, self._pending = self._pending, []
        done: list[tuple[Path, tuple[Target, str] | BaseException]] = []
        for path, future in pending:
            try:
                done.append((path, future.result()))
                continue
            except BaseException as exc:
                if future.done():  # the write's own failure
                    done.append((path, exc))
                    continue
                interrupt = exc  # Ctrl-C while waiting: the write itself goes on
            while not future.done():  # its temporary must be known, to be removed
                try:
                    future.result()
                except BaseException as again:
                    if not future.done():
                        interrupt = again
            failure = future.exception()
            done.append((path, future.result() if failure is None else failure))
            done.append((path, interrupt))  # commit and discard raise it after tidying
        return done

    @staticmethod
    def _remove(results: list[tuple[Path, tuple[Target, str] | BaseException]]) -> None:
        for _, result in results:
            if isinstance(result, tuple):
                with contextlib.suppress(OSError):
                    os.unlink(result[1])

    def discard(self) -> None:
        """Remove every temporary written so far; nothing is renamed."""
        results = self._collect()
        self._remove(results)
        for _, result in results:  # Ctrl-C while waiting for a write: raised now
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result

    def commit(self) -> dict[Path, InputError]:
        """Make every queued output durable and rename it into place; the refused ones."""
        failed: dict[Path, InputError] = {}
        good: list[tuple[Path, Target, str]] = []
        results = self._collect()
        unexpected = next(
            (
                r
                for _, r in results
                if isinstance(r, BaseException) and not isinstance(r, OutputError)
            ),
            None,
        )
        if unexpected is not None:  # a bug or an interrupt, not a refused target
            self._remove(results)
            raise unexpected
        for path, result in results:
            if isinstance(result, tuple):
                good.append((path, *result))
            else:
                assert isinstance(result, OutputError)
                failed[path] = result
        if not good:
            return failed
        targets = [target for _, target, _ in good]
        temps = [tmp for _, _, tmp in good]
        try:
            _refuse_clashes(targets)
        except OutputError as exc:
            for tmp in temps:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            for path, _, _ in good:
                failed.setdefault(path, exc)
            return failed
        try:
            _commit(targets, temps)
        except PartialWriteError as exc:
            first, *rest = exc.unwritten
            failed[first] = exc
            for path in rest:
                failed[path] = OutputError(
                    f"not written: the rename of {first} failed first", source=str(path)
                )
        except OutputError as exc:
            for path, _, _ in good:
                failed.setdefault(path, exc)
        return failed

    def close(self) -> None:
        """Discard what was not committed and stop the thread."""
        try:
            self.discard()
        finally:
            if self._thread is not None:
                self._jobs.put(None)
                self._thread.join()
                self._thread = None

    def __enter__(self) -> BatchWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def atomic_write(
    path: str | os.PathLike[str],
    data: bytes,
    *,
    mode: int | None = None,
    overwrite_read_only: bool = False,
) -> Path:
    """Replace ``path`` with ``data`` atomically and durably; returns the file written.

    Keeps the old file's permissions unless ``mode`` is given; see the module text
    for links, non-regular and read-only targets.
    """
    (written,) = write_files([(path, data)], overwrite_read_only=overwrite_read_only, modes=[mode])
    return written


def atomic_write_many(
    items: Iterable[tuple[Path, bytes]], *, overwrite_read_only: bool = False
) -> dict[Path, InputError]:
    """Write a batch, skipping (not aborting on) targets that are refused.

    For ``duis sign -o DIR``: each target is checked on its own, the refused ones are
    returned with why, and the rest go through :func:`write_files` (every temporary
    written and flushed, then renamed, then each folder flushed once).
    """
    with BatchWriter(overwrite_read_only=overwrite_read_only) as writer:
        for path, data in items:
            writer.add(path, data)
        return writer.commit()
