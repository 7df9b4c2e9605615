"""DLMS date-time (12 octets) as a datetime, or as a pattern when fields are wildcards.

GBCS uses COSEM date-time for timestamps: year (2), month, day, weekday, hour, minute,
second, hundredths, deviation (2, signed minutes, 0x8000 unspecified) and clock status.
A concrete time becomes a timezone-aware :class:`datetime` (GBCS device clocks run in
UTC, so an unspecified deviation means UTC); one with wildcards (0xFF, year 0xFFFF:
"every day", schedules) becomes a :class:`DateTimePattern`, never a made-up date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from mmc.gbcs._cursor import Reader

__all__ = ["DateTimePattern", "read_date_time"]

_UNSPECIFIED_DEVIATION = -0x8000


@dataclass(frozen=True)
class DateTimePattern:
    """A COSEM date-time with wildcard fields (None = any)."""

    year: int | None
    month: int | None
    day: int | None
    hour: int | None
    minute: int | None
    second: int | None

    def __str__(self) -> str:
        def part(value: int | None, width: int) -> str:
            return "*" * width if value is None else f"{value:0{width}d}"

        return (
            f"{part(self.year, 4)}-{part(self.month, 2)}-{part(self.day, 2)}T"
            f"{part(self.hour, 2)}:{part(self.minute, 2)}:{part(self.second, 2)}"
        )


def read_date_time(reader: Reader) -> datetime | DateTimePattern:
    """Read 12 octets of COSEM date-time from ``reader``."""
    start = reader.pos
    raw = reader.take(12, "date-time")
    year = int.from_bytes(raw[0:2], "big")
    month, day, hour, minute, second, hundredths = raw[2], raw[3], raw[5], raw[6], raw[7], raw[8]
    deviation = int.from_bytes(raw[9:11], "big", signed=True)

    def field(value: int, wild: int = 0xFF) -> int | None:
        return None if value == wild else value

    fields = (
        field(year, 0xFFFF),
        field(month),
        field(day),
        field(hour),
        field(minute),
        field(second),
    )
    if None in fields or month > 12 or day > 31:
        # 0xFD/0xFE in month or day: DST and last-day markers, a schedule not a date.
        # Only in those two fields: a year such as 2024 is above 0xFD too.
        def marker(value: int | None) -> int | None:
            return None if value is not None and value >= 0xFD else value

        y, mo, d, h, mi, s = fields
        return DateTimePattern(y, marker(mo), marker(d), h, mi, s)
    tz = timezone.utc
    if deviation not in (_UNSPECIFIED_DEVIATION, 0):
        if not -840 <= deviation <= 840:
            raise reader.fail(f"date-time deviation {deviation} minutes out of range", start + 9)
        tz = timezone(timedelta(minutes=-deviation))
    micro = 0 if hundredths == 0xFF else hundredths * 10_000
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except ValueError as exc:
        raise reader.fail(f"date-time is not a real time: {exc}", start) from None
