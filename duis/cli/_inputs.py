"""Expanding the PATH arguments of a command into documents to read, lazily and in order.

A CI run may name a folder of 100,000 requests, so the walk yields one path at a time
(memory flat in the number of files) in the same order a full sort of the paths would
give, so output stays deterministic. Folders are walked for ``*.xml`` (any case);
hidden entries, excluded and git-ignored paths are left out, and so is anything that
is not a regular file (a FIFO named ``x.xml`` would hang the run), with a note.
Problems with the arguments themselves (missing path, unreadable folder, a folder
with no XML files, empty standard input) are :class:`Problem` values the command
reports and counts as a set-up error (exit 2), naming the path.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple

__all__ = ["Document", "Note", "PathListError", "Problem", "expand", "paths_from"]


class Document(NamedTuple):
    """One input: a file path, or ``-`` for standard input (``data`` then holds it).

    A tuple of strings, not a dataclass of :class:`~pathlib.Path`: the parent process
    makes one per file walked and sends it to a worker, and building and pickling Path
    objects was most of that serial work.
    """

    name: str
    path: str | None
    data: bytes | None = None
    #: Path below the folder argument it was found in (None: named explicitly), so
    #: ``sign -o DIR`` can keep the layout.
    relative: str | None = None


@dataclass(frozen=True)
class Problem:
    """An argument that names nothing usable: a set-up error (exit 2)."""

    name: str
    message: str


@dataclass(frozen=True)
class Note:
    """Something left out on purpose (a FIFO named ``*.xml``): said, not counted."""

    name: str
    message: str


#: Decides whether a walked path is left out (exclude patterns, .gitignore).
Excluder = Callable[[str, bool], bool]


def _never(path: str, is_dir: bool) -> bool:
    return False


#: The longest line ``--files-from`` takes: far past any path a system allows (4 KiB
#: on Linux), so only a file that is not a list of paths (no newlines) hits it.
MAX_PATH_LINE = 64 * 1024


class PathListError(ValueError):
    """``--files-from`` is not a list of paths; the message says where and why."""


def paths_from(source: str, stdin: BinaryIO | None = None) -> Iterator[str]:
    """``--files-from FILE|-``: one path a line (blank lines and ``#`` comments skipped).

    Read a line at a time and each line bounded, so memory stays flat whatever the
    file holds. Raises OSError (the file) or PathListError (a line too long).
    """
    if source == "-":
        yield from _path_lines(stdin if stdin is not None else sys.stdin.buffer)
        return
    with open(source, "rb") as fh:
        yield from _path_lines(fh)


def _path_lines(stream: BinaryIO) -> Iterator[str]:
    number = 0
    while raw := stream.readline(MAX_PATH_LINE + 1):
        number += 1
        if len(raw) > MAX_PATH_LINE:
            raise PathListError(
                f"line {number} is longer than {MAX_PATH_LINE} bytes, which no path is; "
                "give a file with one path a line"
            )
        line = os.fsdecode(raw.rstrip(b"\r\n"))
        if line.strip() and not line.lstrip().startswith("#"):
            yield line


def expand(
    paths: Iterable[str],
    *,
    stdin_limit: int,
    excluded: Callable[[str], Excluder] | None = None,
    force_exclude: bool = False,
) -> Iterator[Document | Problem | Note]:
    """Documents for ``paths`` in order; Problems and Notes where they arise.

    ``excluded(root)`` gives the exclusion test for a walk starting at ``root``
    (patterns come from the settings nearest to it). Files named explicitly are
    judged by it only with ``force_exclude`` (pre-commit passes every staged file).
    """
    for raw in paths:
        if raw == "-":
            data = sys.stdin.buffer.read(stdin_limit + 1)
            if not data:
                yield Problem("<stdin>", "standard input is empty (no document to read)")
            else:
                yield Document("<stdin>", None, data)
            continue
        if "\0" in raw:  # os.stat refuses it with a ValueError
            yield Problem(raw, "not a path: it holds a NUL byte")
            continue
        path = Path(raw)
        try:
            st = path.stat()
        except FileNotFoundError:
            yield Problem(raw, "no such file or folder")
            continue
        except OSError as exc:
            yield Problem(raw, f"cannot read: {exc.strerror or exc}")
            continue
        test = excluded(raw) if excluded is not None else _never
        if stat.S_ISDIR(st.st_mode):
            found = False
            for item in _walk(str(path), test, ""):
                if isinstance(item, Document):
                    found = True
                yield item
            if not found:
                yield Problem(raw, "no XML files in this folder (is the path right?)")
        elif force_exclude and test(raw, False):
            yield Note(raw, "excluded by the settings; not checked")
        else:
            # Named explicitly: read as given, even a FIFO (the user asked for it).
            yield Document(raw, raw)


def _walk(folder: str, excluded: Excluder, prefix: str) -> Iterator[Document | Problem | Note]:
    """Depth-first, entries of each folder sorted so the whole walk is in path order.

    ``prefix`` is ``folder`` relative to the folder the walk started in ("" there, else
    "a/b/"): built up by string, as are the paths (``os.scandir`` gives each entry's),
    because Path objects and ``relative_to`` for each file were most of the parent's
    serial work in a parallel run.
    """
    try:
        with os.scandir(folder) as it:
            entries = [(e.name, e) for e in it if not e.name.startswith(".")]
    except OSError as exc:
        yield Problem(folder, f"cannot read folder: {exc.strerror or exc}")
        return
    # A folder sorts as "name/", which is where its files fall in a sort of full paths.
    keyed: list[tuple[str, os.DirEntry[str], bool]] = []
    for name, entry in entries:
        try:
            is_dir = entry.is_dir(follow_symlinks=True)
        except OSError:
            is_dir = False
        keyed.append((name + "/" if is_dir else name, entry, is_dir))
    keyed.sort(key=lambda k: k[0])
    # Paths as pathlib prints them ("x.xml" in ".", not "./x.xml"): output is unchanged.
    head = "" if folder == "." else folder if folder.endswith(os.sep) else folder + os.sep
    for _, entry, is_dir in keyed:
        path = head + entry.name
        if is_dir:
            if not excluded(path, True):
                yield from _walk(path, excluded, f"{prefix}{entry.name}/")
            continue
        if not entry.name.lower().endswith(".xml") or excluded(path, False):
            continue
        try:
            regular = entry.is_file(follow_symlinks=True)
        except OSError:
            regular = False
        if not regular:
            yield Note(path, _why_not_regular(path))
            continue
        yield Document(path, path, relative=prefix + entry.name)


def _why_not_regular(path: str) -> str:
    """Why a folder entry named ``*.xml`` is not read: the note that says so."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "a symbolic link whose target is missing; skipped"
    except OSError as exc:  # a link loop, a target that cannot be looked at
        return f"cannot be looked at ({exc.strerror or exc}); skipped"
    if stat.S_ISFIFO(st.st_mode):
        return "a FIFO, not a regular file; skipped (name it on its own to read it)"
    return "not a regular file (a device or socket); skipped"
