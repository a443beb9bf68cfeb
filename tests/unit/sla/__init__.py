"""Shared by the SLA calendar tests: real time zones and the instants their clocks change.

The changes are found here by brute force (a 6-hourly scan refined to the minute),
independently of ``itsm.sla.calendar``, so tests can aim instants at them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

ZONES = (
    "UTC",
    "Europe/Madrid",
    "America/New_York",
    "America/Havana",  # changes at midnight
    "Asia/Beirut",  # changes at midnight, sets 24:00 back to 23:00
    "America/Santiago",
    "America/Asuncion",  # set 24:00 back to 23:00 until 2024
    "Asia/Kolkata",  # +05:30, no DST
    "Australia/Lord_Howe",  # 30-minute DST
    "Pacific/Auckland",
    "Asia/Tokyo",
)
FIRST, LAST = datetime(2020, 1, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@cache
def clock_changes(zone_name: str) -> tuple[datetime, ...]:
    """Every instant in 2020-2030 at which the zone's UTC offset changes (6-hourly scan)."""
    zone, found, t = ZoneInfo(zone_name), [], FIRST
    while t < LAST:
        nxt = t + timedelta(hours=6)
        if t.astimezone(zone).utcoffset() != nxt.astimezone(zone).utcoffset():
            lo, hi = t, nxt
            while hi - lo > MINUTE:
                mid = lo + (hi - lo) / 2
                same = mid.astimezone(zone).utcoffset() == lo.astimezone(zone).utcoffset()
                lo, hi = (mid, hi) if same else (lo, mid)
            found.append(hi.replace(second=0, microsecond=0))
        t = nxt
    return tuple(found)
