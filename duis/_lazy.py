"""Package names loaded on first use (PEP 562): one mechanism for ``duis`` and ``signing``.

``import duis`` and ``import signing`` must stay cheap (``duis --help`` and the CLI's
start-up import them), so their public names are fetched from the defining module when
first read, then cached in the package's namespace.
"""

from __future__ import annotations

# Not typing: importing it costs more than ``duis --help`` may.
_TYPE_CHECKING = False
if _TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any


def lazy_exports(
    package: str, table: Mapping[str, str], namespace: dict[str, Any], names: list[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: ``table`` maps a name to its module."""

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(names)

    return __getattr__, __dir__
