"""The decoders' cursor is the GBCS reader's own (:mod:`mmc.gbcs._cursor`), re-exported."""

from mmc.gbcs._cursor import Reader

__all__ = ["Reader"]
