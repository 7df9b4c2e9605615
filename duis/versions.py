"""The DUIS schema versions that exist.

The XSD types ``schemaVersion`` as a bare ``xs:decimal``, so ``9.9`` passes it; knowing
which versions DCC actually published is this table's job. Values compare as decimals
(``5.40`` is ``5.4``). DUIS 4.0 (November 2020) has no public XSD; older majors are
listed so a historical message is recognised, not judged.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = ["KNOWN_VERSIONS", "NEWEST", "is_known", "to_decimal"]

#: schemaVersion -> short note. Bundles whose file names carry a letter (``V5.3a``) are
#: revisions of the same schemaVersion.
KNOWN_VERSIONS: dict[str, str] = {
    "1.0": "DUIS 1.0",
    "2.0": "DUIS 2.0",
    "3.0": "DUIS 3.0",
    "4.0": "DUIS 4.0 (November 2020 release)",
    "5.0": "DUIS 5.0",
    "5.1": "DUIS 5.1",
    "5.2": "DUIS 5.2",
    "5.3": "DUIS 5.3 (published as 5.3a)",
    "5.4": "DUIS 5.4",
}

#: The newest version: the embedded schema follows it.
NEWEST = "5.4"


def to_decimal(text: str) -> Decimal | None:
    """The decimal value of a schemaVersion, or None when it is not a decimal."""
    # decimal is imported here, not at import: a message with a listed version never
    # needs it (see is_known), and loading it is a measurable part of a cold start.
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


@lru_cache(maxsize=256)
def is_known(text: str) -> bool:
    if text in KNOWN_VERSIONS:  # as written in the table: its decimal is in it too
        return True
    value = to_decimal(text)
    return value is not None and value in _known()


@lru_cache(maxsize=1)
def _known() -> frozenset[Decimal]:
    from decimal import Decimal

    return frozenset(Decimal(v) for v in KNOWN_VERSIONS)
