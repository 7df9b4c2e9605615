"""The curated public API: everything in __all__ exists and nothing public is missing."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("package", ["duis", "signing", "mmc"])
def test_all_is_complete_and_importable(package: str) -> None:
    module = importlib.import_module(package)
    exported = set(getattr(module, "__all__", ()))
    assert exported, f"{package} has no __all__"
    for name in exported:
        assert hasattr(module, name), f"{package}.{name} in __all__ but missing"
    public = {
        n
        for n, v in vars(module).items()
        if not n.startswith("_")
        and not isinstance(v, type(importlib))
        and n not in ("annotations",)
    }
    assert public <= exported | {"__version__"}, public - exported
