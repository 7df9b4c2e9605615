"""The decoder's errors: malformed bytes (the reader's one error) and a missing key.

``GBCSDecodeError`` is :class:`mmc.gbcs.GBCSFormatError`, the error of the one GBCS
reader, so the header walker and every payload decoder fail the same way.
"""

from __future__ import annotations

from duis._exceptions import DuisError
from mmc.gbcs._errors import GBCSDecodeError

__all__ = ["GBCSDecodeError", "GBCSKeyError"]


class GBCSKeyError(DuisError):
    """A key needed to authenticate or decrypt a GBCS message is not in the keystore."""

    rule = "gbcs.key-missing"
