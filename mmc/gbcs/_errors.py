"""The one error the GBCS reader raises, carrying the byte offset of the fault."""

from __future__ import annotations

from duis import DuisError

__all__ = ["GBCSFormatError"]


class GBCSFormatError(DuisError):
    """GBCS bytes that are truncated or do not follow the grouping-header layout.

    ``offset`` is the index (from 0, in the bytes given to the reader) of the byte
    where reading stopped, so a user can find it in a hex dump.
    """

    rule = "gbcs.malformed"

    def __init__(self, message: str, *, offset: int, source: str | None = None) -> None:
        super().__init__(f"byte {offset}: {message}", source=source)
        self.offset = offset
