"""The one error GBCS reading raises for bytes it cannot read, with the byte offset.

Everything malformed, truncated or of an unsupported shape ends here, from the grouping
header walker and from every payload decoder alike, carrying the offset into the whole
message so a user can find the byte in a hex dump; no ``IndexError`` escapes.
``GBCSDecodeError`` (the decoder's documented name, ``mmc.payload``) is this class.
"""

from __future__ import annotations

from duis import DuisError

__all__ = ["GBCSDecodeError", "GBCSFormatError"]


class GBCSFormatError(DuisError):
    """GBCS bytes that are truncated, malformed or of a shape this library does not read.

    ``offset`` is the index (from 0, in the bytes given to the reader) of the byte
    where reading stopped, so a user can find it in a hex dump.
    """

    rule = "gbcs.malformed"

    def __init__(self, message: str, offset: int, *, source: str | None = None) -> None:
        super().__init__(f"byte {offset}: {message}", source=source)
        #: Offset of the offending byte from the start of the GBCS message.
        self.offset = offset


#: The name the decoder (``mmc.payload``) documents: the same class.
GBCSDecodeError = GBCSFormatError
