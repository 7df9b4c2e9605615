"""Reference checks: read DCC's real material from ../shared/reference, never copy it.

The folder is found at ``$DUIS_REFERENCE_DIR`` or ``../shared/reference`` beside the
checkout; where it is absent every test here is skipped with the reason, so the suite
still runs on a user's machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[2]


def _find_reference() -> Path | None:
    env = os.environ.get("DUIS_REFERENCE_DIR")
    candidates = [Path(env)] if env else []
    candidates.append(_ROOT.parent / "shared" / "reference")
    for c in candidates:
        if (c / "dcc-schemas").is_dir():
            return c
    return None


REFERENCE = _find_reference()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if REFERENCE is not None:
        return
    skip = pytest.mark.skip(
        reason="DCC reference data not found: set DUIS_REFERENCE_DIR or place it at "
        "../shared/reference beside the checkout"
    )
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def ref() -> Path:
    """The reference folder (tests here are skipped when it is absent)."""
    assert REFERENCE is not None
    return REFERENCE


@pytest.fixture(scope="session")
def official_54(ref: Path) -> Path:
    return ref / "dcc-schemas" / "5.4"


def at_least(paths: list[Path], minimum: int, what: str) -> list[Path]:
    """``paths``, failing when fewer than ``minimum``: a test over an emptied folder must fail.

    Only a wholly absent reference folder skips (above); a folder that lost its files
    would otherwise make every loop over it pass vacuously.
    """
    assert len(paths) >= minimum, f"expected at least {minimum} {what}, found {len(paths)}"
    return paths


@pytest.fixture(scope="session")
def reference_requests(ref: Path) -> list[Path]:
    found = sorted(p for p in (ref / "requests").rglob("*") if p.suffix.lower() == ".xml")
    return at_least(found, 306, "reference requests")
