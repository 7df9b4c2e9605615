"""The grouping header is read by the one GBCS reader (:mod:`mmc.gbcs._envelope`).

Re-exported here for the decoder's modules and its public names (``mmc.payload.CRA``,
``Envelope``, ``read_envelope``).
"""

from mmc.gbcs._envelope import CRA, Envelope, read_envelope

__all__ = ["CRA", "Envelope", "read_envelope"]
