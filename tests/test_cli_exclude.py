"""The walk's exclusion test: plain-name patterns decided by set lookups, as pathspec.

The oracle is pathspec's gitignore matching (the maintained library the settings
use for every other pattern), over paths built to hit each case: a name as a file,
as a folder, above a file, as part of a longer name, outside the settings' folder.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pathspec
import pytest

from duis.cli._settings import DEFAULT_EXCLUDE, _literal_names, _names_match

BASE = Path("/repo")
PARTS = ["venv", "build", "buildx", "src", "a.xml", "venv.xml", "node_modules", "x"]


def paths() -> list[tuple[Path, bool]]:
    found = []
    for depth in (1, 2, 3):
        for combo in itertools.product(PARTS, repeat=depth):
            for is_dir in (False, True):
                found.append((BASE.joinpath(*combo), is_dir))
    found.append((Path("/elsewhere/venv"), True))
    found.append((Path("/elsewhere/venv/a.xml"), False))
    found.append((Path("/elsewhere/build"), False))
    return found


@pytest.mark.parametrize(
    "patterns",
    [DEFAULT_EXCLUDE, ("venv/", "a.xml"), ("build/", "node_modules/"), ("x",)],
)
def test_plain_names_match_as_pathspec_does(patterns: tuple[str, ...]) -> None:
    names = _literal_names(patterns)
    assert names is not None
    spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    for path, is_dir in paths():
        try:
            rel = path.relative_to(BASE).as_posix()
        except ValueError:
            rel = path.name
        expected = bool(spec.match_file(rel + "/" if is_dir else rel))
        assert _names_match(names, path, BASE, is_dir) == expected, (path, is_dir)


@pytest.mark.parametrize(
    "pattern", ["*.xml", "a/b", "!venv", "#c", "venv\\ ", "[ab]", "**/x", "/venv", " venv", ""]
)
def test_anything_but_a_plain_name_is_left_to_pathspec(pattern: str) -> None:
    assert _literal_names(("venv", pattern)) is None
