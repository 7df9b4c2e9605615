"""The one error a GBCS decode raises for bytes it cannot read, with where it stopped.

Everything malformed, truncated or of an unsupported shape ends here, carrying the byte
offset into the whole message, so a user can find the byte in a hex dump; the decoder
never lets an ``IndexError`` or ``struct.error`` escape.
"""

from __future__ import annotations

from duis._exceptions import DuisError

__all__ = ["GBCSDecodeError", "GBCSKeyError"]


class GBCSDecodeError(DuisError):
    """The GBCS bytes are malformed, truncated or of a shape this decoder does not read."""

    rule = "gbcs.malformed"

    def __init__(self, message: str, offset: int, *, source: str | None = None) -> None:
        super().__init__(f"byte {offset}: {message}", source=source)
        #: Offset of the offending byte from the start of the GBCS message.
        self.offset = offset


class GBCSKeyError(DuisError):
    """A key needed to authenticate or decrypt a GBCS message is not in the keystore."""

    rule = "gbcs.key-missing"
