"""Expanding the PATH arguments of a command into documents to read."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click

__all__ = ["Document", "Inputs", "expand"]


@dataclass(frozen=True)
class Document:
    """One input: a file path, or ``-`` for standard input (``data`` then holds it)."""

    name: str
    path: Path | None
    data: bytes | None = None


def expand(paths: tuple[str, ...], *, stdin_limit: int) -> Iterator[Document | OSError]:
    """Files as given, directories walked for ``*.xml`` in any case (hidden ones skipped).

    A path that does not exist is yielded as the OSError describing it, so the command
    can report it and carry on with the rest.
    """
    for raw in paths:
        if raw == "-":
            data = sys.stdin.buffer.read(stdin_limit + 1)
            yield Document("<stdin>", None, data)
            continue
        path = Path(raw)
        if path.is_dir():
            found: list[Path] = []
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(
                    Path(folder) / f
                    for f in files
                    if f.lower().endswith(".xml") and not f.startswith(".")
                )
            yield from (Document(str(p), p) for p in sorted(found))
        elif path.exists():
            yield Document(raw, path)
        else:
            yield FileNotFoundError(2, "no such file or folder", raw)


class Inputs:
    """The documents behind a command's PATH arguments, for one pass.

    A path that does not exist is reported on stderr as it is met and remembered in
    :attr:`missing`, so every command can carry on with the rest and still exit 2.
    """

    def __init__(self, paths: tuple[str, ...], *, stdin_limit: int) -> None:
        self._paths = paths
        self._stdin_limit = stdin_limit
        self.missing = False

    def __iter__(self) -> Iterator[Document]:
        for doc in expand(self._paths, stdin_limit=self._stdin_limit):
            if isinstance(doc, OSError):
                click.echo(f"{doc.filename}: error: {doc.strerror}", err=True)
                self.missing = True
                continue
            yield doc
