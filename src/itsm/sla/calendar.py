"""Business-time arithmetic for SLA clocks: pure, exact to the microsecond, DST-proof.

Business time is a set of half-open UTC intervals: each working, non-holiday local
day contributes ``[B(d+start), B(d+end))`` per span of wall-clock hours, where
``B(w)`` is the first instant the zone's clock reads ``w`` or later. Every answer
follows from that one definition (docs/sla.md, "Business time").
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import MAXYEAR, UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from itsm.sla.calendar_config import CalendarSettings

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
_ZERO = timedelta(0)
_TICK = timedelta(microseconds=1)
_SECOND = timedelta(seconds=1)
_MIDNIGHT = time()

Interval = tuple[datetime, datetime]


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, not naive {moment}")
    instant = moment.astimezone(UTC)
    if not 1 < instant.year < MAXYEAR:  # keep day arithmetic around it inside datetime's range
        raise ValueError(f"{name} {moment} is outside the supported years 2-{MAXYEAR - 1}")
    return instant


def _offset(zone: ZoneInfo, instant: datetime) -> timedelta:
    return instant.astimezone(zone).utcoffset() or _ZERO


def first_instant(zone: ZoneInfo, wall: datetime) -> datetime:
    """``B(wall)``: the first UTC instant at which ``zone``'s clock reads the naive ``wall``
    or later (its first occurrence if ambiguous, the transition if it does not exist)."""
    local = wall.replace(tzinfo=zone)
    before = local.utcoffset() or _ZERO  # fold=0: the offset in force before a change
    after = local.replace(fold=1).utcoffset() or _ZERO
    if before >= after:  # unambiguous, or ambiguous: the earlier reading of the clock
        return (wall - before).replace(tzinfo=UTC)
    # In a gap: the clock jumps past ``wall`` at the change, which lies in (lo, hi].
    lo, hi = (wall - after).replace(tzinfo=UTC), (wall - before).replace(tzinfo=UTC)
    while hi - lo > _SECOND:  # tzdb changes fall on whole seconds
        mid = lo + (hi - lo) // _SECOND // 2 * _SECOND
        if _offset(zone, mid) == before:
            lo = mid
        else:
            hi = mid
    return hi


@lru_cache(maxsize=2048)
def _change_samples(zone: ZoneInfo, year: int) -> tuple[datetime, ...]:
    """The UTC midnights ``t`` of ``year`` such that the offset changes within ``(t, t+1d]``.

    Sampling once a day misses only two changes under a day apart that cancel out:
    tzdb has none since 1990 (the closest pair, Brazil 2000, is 6.9 days apart).
    """
    found: list[datetime] = []
    t = datetime(year, 1, 1, tzinfo=UTC)
    offset = _offset(zone, t)
    while t.year == year:
        following = _offset(zone, t + DAY)
        if following != offset:
            found.append(t)
        t, offset = t + DAY, following
    return tuple(found)


def _next_change_sample(zone: ZoneInfo, since: datetime, until: datetime) -> datetime | None:
    """The first change sample in ``[since, until]``, if any."""
    for year in range(since.year, until.year + 1):
        samples = _change_samples(zone, year)
        i = bisect_left(samples, since)
        if i < len(samples):
            return samples[i] if samples[i] <= until else None
    return None


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Business-time arithmetic over a validated :class:`CalendarSettings`.

    Every method takes timezone-aware datetimes (naive ones raise ``ValueError``)
    and returns UTC. Intervals are half-open: the calendar is open at an opening
    instant and closed at a closing instant.
    """

    settings: CalendarSettings
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _days: frozenset[int] = field(init=False, repr=False, compare=False)
    _spans: tuple[tuple[timedelta, timedelta], ...] = field(init=False, repr=False, compare=False)
    _holidays: tuple[date, ...] = field(init=False, repr=False, compare=False)
    _holiday_set: frozenset[date] = field(init=False, repr=False, compare=False)
    _week: timedelta = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        s = self.settings
        days = frozenset(s.working_days)
        spans = tuple((timedelta(minutes=a), timedelta(minutes=b)) for a, b in s.intervals)
        week = len(days) * sum((b - a for a, b in spans), _ZERO)
        if not s.always and week <= _ZERO:
            raise ValueError("the calendar has no working time: no working day or no hours")
        holidays = tuple(h for h in sorted(set(s.holidays)) if h.weekday() in days)
        for name, value in (
            ("_zone", s.zone),
            ("_days", days),
            ("_spans", spans),
            ("_holidays", holidays),
            ("_holiday_set", frozenset(holidays)),
            ("_week", week),
        ):
            object.__setattr__(self, name, value)

    @property
    def always(self) -> bool:
        return self.settings.always

    # -- public API ------------------------------------------------------------

    def is_open(self, moment: datetime) -> bool:
        """Whether business time is running at ``moment``."""
        instant = _utc(moment, "moment")
        if self.always:
            return True
        return any(a <= instant < b for a, b in self._intervals(self._day_of(instant)))

    def next_open(self, moment: datetime) -> datetime:
        """The first business instant at or after ``moment``: ``moment`` itself when open."""
        return self.add(moment, _ZERO)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` of business time has elapsed since ``start``.

        The clock starts at ``start`` if open, else at the next opening, so
        ``add(start, 0) == next_open(start)``. A duration that runs out exactly
        at a closing time yields that closing instant, not the next opening.
        """
        instant = _utc(start, "start")
        if duration < _ZERO:
            raise ValueError(f"duration must not be negative, got {duration}")
        if self.always:
            return instant + duration
        remaining, day = duration, self._day_of(instant)
        while True:
            if remaining > self._week:
                opening = self._midnight(day)
                if opening >= instant:
                    weeks = self._clean_weeks(day, opening, (remaining - _TICK) // self._week)
                    if weeks:
                        remaining -= weeks * self._week
                        day += weeks * WEEK
                        continue
            for a, b in self._intervals(day):
                if b <= instant:
                    continue
                a = max(a, instant)
                if remaining <= b - a:
                    return a + remaining
                remaining -= b - a
            day += DAY

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Business time elapsed from ``start`` to ``end``; zero when ``end <= start``."""
        lo, hi = _utc(start, "start"), _utc(end, "end")
        if hi <= lo:
            return _ZERO
        if self.always:
            return hi - lo
        total, day = _ZERO, self._day_of(lo)
        opening = self._midnight(day)
        while opening < hi:
            if opening >= lo:
                weeks = self._clean_weeks(day, opening, (hi - opening) // WEEK)
                if weeks:
                    total += weeks * self._week
                    day += weeks * WEEK
                    opening = self._midnight(day)
                    continue
            for a, b in self._intervals(day):
                a, b = max(a, lo), min(b, hi)
                if b > a:
                    total += b - a
            day += DAY
            opening = self._midnight(day)
        return total

    # -- internals -------------------------------------------------------------

    def _midnight(self, day: date) -> datetime:
        """The instant local ``day`` begins: ``B(day 00:00)``."""
        return first_instant(self._zone, datetime.combine(day, _MIDNIGHT))

    def _day_of(self, instant: datetime) -> date:
        """The local date whose span ``[B(d 00:00), B(d+1 00:00))`` holds ``instant``."""
        day = instant.astimezone(self._zone).date()  # its wall date d has B(d 00:00) <= instant
        # After a clock set back across midnight (St John's, 00:01 -> 23:01 until 2011) the
        # clock reads the old date again although the new day has already begun.
        while instant >= self._midnight(day + DAY):
            day += DAY
        return day

    def _intervals(self, day: date) -> list[Interval]:
        """The business intervals of local ``day`` in UTC, sorted; empty ones dropped."""
        if day.weekday() not in self._days or day in self._holiday_set:
            return []
        base = datetime.combine(day, _MIDNIGHT)
        found: list[Interval] = []
        for start, end in self._spans:
            a, b = first_instant(self._zone, base + start), first_instant(self._zone, base + end)
            if a < b:
                found.append((a, b))
        return found

    def _clean_weeks(self, day: date, opening: datetime, limit: int) -> int:
        """How many whole weeks (at most ``limit``) from local ``day``, which begins at
        ``opening``, hold exactly the nominal week: no holiday and no offset change."""
        weeks = limit
        i = bisect_left(self._holidays, day)
        if i < len(self._holidays):
            weeks = min(weeks, (self._holidays[i] - day).days // 7)
        if weeks <= 0:
            return 0
        # A change at c is sampled at some t in [c - 1d, c); week k spans
        # [opening + 7k d, opening + 7(k+1) d] while the offset stays constant.
        sample = _next_change_sample(self._zone, opening - DAY, opening + weeks * WEEK)
        if sample is not None:
            weeks = min(weeks, max(0, (sample - opening - _TICK) // WEEK))
        return weeks
