"""BusinessCalendar against a brute-force encoding of its documented model, at clock changes.

The model: local date ``d`` with hours ``s-e`` is business time from ``B(d+s)``
to ``B(d+e)``, where ``B(w)`` is the first instant at which the wall clock reads
``w`` or later. Here ``B`` is found by stepping minute by minute and reading the
clock, with no fold or gap reasoning, and the calendar's hours are aimed at the
wall times where real clocks jump (skipped, repeated, across midnight).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from itsm.sla import BusinessCalendar, CalendarSettings
from tests.unit.sla import MINUTE, ZONES, clock_changes

CHANGING = tuple(zone for zone in ZONES if clock_changes(zone))
DAY = timedelta(days=1)


def offset(zone: ZoneInfo, instant: datetime) -> timedelta:
    return instant.astimezone(zone).utcoffset() or timedelta(0)


@cache
def first_reading(zone_name: str, wall: datetime) -> datetime:
    """``B(wall)`` by brute force: step a minute at a time until the clock reads ``wall``."""
    zone = ZoneInfo(zone_name)
    guess = wall.replace(tzinfo=UTC)
    instant = guess - max(offset(zone, guess - DAY), offset(zone, guess + DAY)) - 2 * 60 * MINUTE
    assert instant.astimezone(zone).replace(tzinfo=None) < wall
    while instant.astimezone(zone).replace(tzinfo=None) < wall:
        instant += MINUTE
    return instant


def model_open(cal: BusinessCalendar, instant: datetime) -> bool:
    s = cal.settings
    today = instant.astimezone(s.zone).date()
    for day in (today - DAY, today, today + DAY):
        if day.weekday() not in s.working_days or day in s.holidays:
            continue
        midnight = datetime.combine(day, time())
        for a, b in s.intervals:
            opens = first_reading(s.timezone, midnight + a * MINUTE)
            closes = first_reading(s.timezone, midnight + b * MINUTE)
            if opens <= instant < closes:
                return True
    return False


def minute_of_day(wall: datetime) -> int:
    return wall.hour * 60 + wall.minute


@st.composite
def at_a_change(draw: st.DrawFn) -> tuple[BusinessCalendar, datetime, int]:
    """A calendar whose hours start or end where the clock jumps, an instant near the
    jump and a window length in minutes."""
    zone_name = draw(st.sampled_from(CHANGING))
    zone = ZoneInfo(zone_name)
    change = draw(st.sampled_from(clock_changes(zone_name)))
    jumps_from = (change - MINUTE).astimezone(zone).replace(tzinfo=None) + MINUTE
    jumps_to = change.astimezone(zone).replace(tzinfo=None)
    ends = {minute_of_day(jumps_from), minute_of_day(jumps_to)}
    near = {m + d for m in ends for d in (-30, -15, 0, 15, 30)} | {0, 1440}
    near |= {(a + b) // 2 for a in ends for b in ends}
    mark = st.one_of(
        st.sampled_from(sorted(m for m in near if 0 <= m <= 1440)), st.integers(0, 1440)
    )
    count = draw(st.integers(1, 3))
    marks = sorted(draw(st.lists(mark, min_size=2 * count, max_size=2 * count, unique=True)))
    hours = [
        f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}"
        for a, b in zip(marks[::2], marks[1::2], strict=True)
    ]
    days = draw(st.sets(st.integers(0, 6), min_size=1))
    if draw(st.booleans()):
        days |= {jumps_from.weekday(), jumps_to.weekday()}
    holidays: list[date] = draw(st.lists(st.sampled_from([jumps_from.date(), jumps_to.date()])))
    cal = CalendarSettings(timezone=zone_name, working_days=days, hours=hours, holidays=holidays)
    start = change + draw(st.integers(-8 * 60, 6 * 60)) * MINUTE
    return BusinessCalendar(cal), start, draw(st.integers(0, 14 * 60))


@settings(deadline=None, max_examples=200)
@given(at_a_change())
def test_is_open_and_between_follow_the_model_minute_by_minute(
    case: tuple[BusinessCalendar, datetime, int],
) -> None:
    cal, start, minutes = case
    readings = [model_open(cal, start + k * MINUTE) for k in range(minutes)]
    assert [cal.is_open(start + k * MINUTE) for k in range(minutes)] == readings
    assert cal.between(start, start + minutes * MINUTE) == sum(readings) * MINUTE


@settings(deadline=None, max_examples=200)
@given(at_a_change(), st.integers(0, 10 * 60))
def test_add_lands_where_the_model_has_counted_the_duration(
    case: tuple[BusinessCalendar, datetime, int], minutes: int
) -> None:
    cal, start, _ = case
    due = cal.add(start, minutes * MINUTE)
    assert cal.between(start, due) == minutes * MINUTE
    if minutes:
        assert model_open(cal, due - MINUTE)
    else:
        assert model_open(cal, due)
        assert due == start or not model_open(cal, start)


def test_brute_force_readings_match_known_instants() -> None:
    madrid_0230 = datetime(2024, 3, 31, 2, 30)  # skipped: the clock jumps 02:00 -> 03:00
    assert first_reading("Europe/Madrid", madrid_0230) == datetime(2024, 3, 31, 1, tzinfo=UTC)
    repeated = datetime(2024, 10, 27, 2, 30)  # shown twice: first at 00:30 UTC
    assert first_reading("Europe/Madrid", repeated) == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    havana_midnight = datetime(2024, 3, 10)  # skipped: 00:00 -> 01:00
    assert first_reading("America/Havana", havana_midnight) == datetime(2024, 3, 10, 5, tzinfo=UTC)
