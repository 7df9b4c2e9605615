"""A bounds-checked cursor over GBCS bytes: every read either succeeds or says where.

The grouping-header walker and all the payload decoders read through this, so no
read can run past its slice and every error carries the absolute byte offset. Lengths
are checked against what is left before any allocation, which bounds work and memory
by the input size.
"""

from __future__ import annotations

from mmc.gbcs._errors import GBCSFormatError

__all__ = ["Reader"]


class Reader:
    """Reads ``data[start:end]``; offsets in errors are absolute positions in ``data``."""

    __slots__ = ("data", "end", "pos")

    def __init__(self, data: bytes, start: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = start
        self.end = len(data) if end is None else end

    @property
    def remaining(self) -> int:
        return self.end - self.pos

    def at_end(self) -> bool:
        return self.pos >= self.end

    def fail(self, message: str, offset: int | None = None) -> GBCSFormatError:
        return GBCSFormatError(message, self.pos if offset is None else offset)

    def peek(self) -> int:
        if self.pos >= self.end:
            raise self.fail("unexpected end of data")
        return self.data[self.pos]

    def byte(self, what: str = "byte") -> int:
        if self.pos >= self.end:
            raise self.fail(f"truncated: {what} missing")
        value = self.data[self.pos]
        self.pos += 1
        return value

    def take(self, n: int, what: str = "field") -> bytes:
        if n < 0 or n > self.end - self.pos:
            raise self.fail(f"truncated: {what} needs {n} bytes, {self.end - self.pos} left")
        value = self.data[self.pos : self.pos + n]
        self.pos += n
        return value

    def skip(self, n: int, what: str = "field") -> None:
        """Step over ``n`` bytes (bounds-checked) without copying them."""
        if n < 0 or n > self.end - self.pos:
            raise self.fail(f"truncated: {what} needs {n} bytes, {self.end - self.pos} left")
        self.pos += n

    def uint(self, n: int, what: str = "integer", *, little: bool = False) -> int:
        return int.from_bytes(self.take(n, what), "little" if little else "big")

    def sint(self, n: int, what: str = "integer", *, little: bool = False) -> int:
        return int.from_bytes(self.take(n, what), "little" if little else "big", signed=True)

    def length(self, what: str = "length", *, shortest: bool = False) -> int:
        """A BER/A-XDR length: one byte below 0x80, else 0x81/0x82/0x83 and that many bytes.

        With ``shortest`` a longer form than needed (``81 05``) is refused, as the
        grouping header requires: one message, one encoding.
        """
        at = self.pos
        first = self.byte(what)
        if first < 0x80:
            return first
        size = first & 0x7F
        if size == 0 or size > 3:
            raise self.fail(f"{what}: unsupported length form 0x{first:02X}", at)
        value = self.uint(size, what)
        if shortest and value < (0x80 if size == 1 else 1 << (8 * (size - 1))):
            raise self.fail(
                f"{what}: {self.data[at : self.pos].hex(' ').upper()} is not the shortest BER form",
                at,
            )
        return value

    def sub(self, n: int, what: str = "field") -> Reader:
        """A reader over the next ``n`` bytes, which this reader skips."""
        if n < 0 or n > self.end - self.pos:
            raise self.fail(f"truncated: {what} needs {n} bytes, {self.end - self.pos} left")
        child = Reader(self.data, self.pos, self.pos + n)
        self.pos += n
        return child
