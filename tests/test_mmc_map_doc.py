"""docs/decoding.md lists exactly the mapped use cases of the table (generated, checked)."""

from __future__ import annotations

from pathlib import Path

from mmc.payload._mmcmap import mappings
from tools import mmcmapdoc


def test_page_is_current() -> None:
    page = mmcmapdoc.DEFAULT_PATH.read_text("utf-8")
    assert page == mmcmapdoc.splice(page), "run: python -m tools.mmcmapdoc"


def test_every_mapping_is_on_the_page_once() -> None:
    text = mmcmapdoc.render()
    for m in mappings():
        if m.fields:
            assert text.count(f"| {m.srv} | {m.use_case} | {m.element} |") == 1, m
        else:
            line = next(x for x in text.splitlines() if x.startswith(f"* {m.srv} {m.element}:"))
            assert m.use_case in line.split(":", 1)[1].replace(",", " ").split(), m


def test_check_flags_a_stale_page(tmp_path: Path) -> None:
    page = mmcmapdoc.DEFAULT_PATH.read_text("utf-8")
    stale = tmp_path / "decoding.md"
    stale.write_text(page.replace("| 11.2 | ECS52 |", "| 11.2 | ECS99 |"), "utf-8")
    assert mmcmapdoc.main(["--check", "--output", str(stale)]) == 1
    good = tmp_path / "good.md"
    good.write_text(page, "utf-8")
    assert mmcmapdoc.main(["--check", "--output", str(good)]) == 0
