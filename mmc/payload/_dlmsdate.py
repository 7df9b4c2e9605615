"""COSEM date-times are read by the GBCS reader (:mod:`mmc.gbcs._datetime`), re-exported.

The grouping header's date-time and the payloads' are one format, read in one place.
"""

from mmc.gbcs._datetime import DateTimePattern, read_date_time

__all__ = ["DateTimePattern", "read_date_time"]
