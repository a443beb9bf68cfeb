"""BusinessCalendar laws, checked by Hypothesis over real zones, random calendars and instants.

Instants are drawn uniformly from 2020-2030 or within days of one of the
zone's real clock changes (found by brute force in ``tests.unit.sla``), so DST days,
midnight changes and half-hour changes are exercised, not just ordinary weeks.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from itsm.sla import BusinessCalendar, CalendarSettings
from tests.unit.sla import FIRST, LAST, ZONES, clock_changes

US = timedelta(microseconds=1)
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)
#: Wall times at which real clocks change: around midnight and in the small hours.
CHANGE_PRONE_MARKS = (0, 30, 60, 90, 120, 150, 180, 1380, 1410, 1440)
LAWS = settings(deadline=None, max_examples=200)


def instants(zone_name: str) -> st.SearchStrategy[datetime]:
    uniform = st.datetimes(FIRST.replace(tzinfo=None), LAST.replace(tzinfo=None)).map(
        lambda moment: moment.replace(tzinfo=UTC)
    )
    changes = clock_changes(zone_name)
    if not changes:
        return uniform
    near = st.builds(
        lambda change, minutes: change + timedelta(minutes=minutes),
        st.sampled_from(changes),
        st.one_of(st.integers(-3 * 24 * 60, 3 * 24 * 60), st.integers(-180, 180)),
    )
    return st.one_of(uniform, near)


@st.composite
def scenarios(draw: st.DrawFn, *, always: bool = False) -> tuple[BusinessCalendar, datetime]:
    """A random calendar and an instant; holidays are placed near that instant."""
    zone = draw(st.sampled_from(ZONES))
    start = draw(instants(zone))
    if always:
        return BusinessCalendar(CalendarSettings(timezone=zone, always=True)), start
    count = draw(st.integers(1, 3))
    mark = st.one_of(
        st.sampled_from(range(0, 24 * 60 + 1, 30)),
        st.sampled_from(CHANGE_PRONE_MARKS),
        st.integers(0, 24 * 60),
    )
    marks = sorted(draw(st.lists(mark, min_size=2 * count, max_size=2 * count, unique=True)))
    hours = [f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in pairs(marks)]
    days = draw(st.sets(st.integers(0, 6), min_size=1))
    offsets = draw(st.lists(st.integers(-3, 40), max_size=6))
    holidays = [start.date() + timedelta(days=k) for k in offsets]
    cal = CalendarSettings(timezone=zone, working_days=days, hours=hours, holidays=holidays)
    return BusinessCalendar(cal), start


def pairs(marks: list[int]) -> list[tuple[int, int]]:
    return list(zip(marks[::2], marks[1::2], strict=True))


def weekly(cal: BusinessCalendar) -> timedelta:
    s = cal.settings
    return len(s.working_days) * sum((timedelta(minutes=b - a) for a, b in s.intervals), DAY * 0)


@st.composite
def durations(draw: st.DrawFn, cal: BusinessCalendar) -> timedelta:
    """Whole seconds, from nothing to about a year of this calendar's business time."""
    week = int(weekly(cal).total_seconds()) if not cal.always else 45 * 3600
    limit = draw(st.sampled_from([3600, 2 * 86400, week, week * 52]))
    return timedelta(seconds=draw(st.integers(0, limit)))


@LAWS
@given(st.data())
def test_between_inverts_add(data: st.DataObject) -> None:
    cal, start = data.draw(scenarios())
    duration = data.draw(durations(cal))
    due = cal.add(start, duration)
    assert due.tzinfo is UTC
    assert cal.between(start, due) == duration
    assert due >= start
    if duration:
        assert cal.is_open(due - US)  # strictly inside a counted interval
        assert cal.between(due - US, due) == US


@LAWS
@given(st.data())
def test_add_inverts_between_landing_on_the_last_closing(data: st.DataObject) -> None:
    cal, start = data.draw(scenarios())
    end = start + data.draw(st.timedeltas(timedelta(0), timedelta(days=30)))
    spent = cal.between(start, end)
    due = cal.add(start, spent)
    if spent:
        assert due <= end
        assert cal.between(due, end) == timedelta(0)  # a closed stretch ends the span, if any
    else:
        assert due == cal.next_open(start)


@LAWS
@given(st.data())
def test_add_is_monotonic_in_the_duration(data: st.DataObject) -> None:
    cal, start = data.draw(scenarios())
    shorter, longer = sorted([data.draw(durations(cal)), data.draw(durations(cal))])
    assert cal.add(start, shorter) <= cal.add(start, longer)


@LAWS
@given(st.data())
def test_between_is_additive_and_bounded_by_real_time(data: st.DataObject) -> None:
    cal, a = data.draw(scenarios())
    gaps = st.timedeltas(timedelta(0), timedelta(days=30))
    b = a + data.draw(gaps)
    c = b + data.draw(gaps)
    ab, bc, ac = cal.between(a, b), cal.between(b, c), cal.between(a, c)
    assert ab + bc == ac
    assert timedelta(0) <= ab <= b - a
    assert cal.between(b, a) == timedelta(0)


@settings(deadline=None, max_examples=60)
@given(st.data())
def test_skipping_weeks_agrees_with_walking_day_by_day(data: st.DataObject) -> None:
    cal, start = data.draw(scenarios())
    end = start + data.draw(st.timedeltas(timedelta(0), timedelta(days=400)))
    chunks = [start + k * DAY for k in range((end - start) // DAY + 1)] + [end]
    walked = sum((cal.between(x, y) for x, y in pairwise(chunks)), 0 * DAY)
    assert cal.between(start, end) == walked


@LAWS
@given(st.data())
def test_next_open_is_the_first_business_instant(data: st.DataObject) -> None:
    cal, moment = data.draw(scenarios())
    opening = cal.next_open(moment)
    assert opening >= moment
    assert cal.is_open(opening)
    assert cal.between(moment, opening) == timedelta(0)
    assert (opening == moment) == cal.is_open(moment)
    assert cal.between(moment, moment + US) == (US if cal.is_open(moment) else timedelta(0))


@LAWS
@given(st.data())
def test_twenty_four_seven_is_real_time(data: st.DataObject) -> None:
    cal, start = data.draw(scenarios(always=True))
    duration = data.draw(durations(cal))
    assert cal.add(start, duration) == start + duration
    assert cal.between(start, start + duration) == duration
    assert cal.is_open(start)


@LAWS
@given(st.data())
def test_whole_days_every_day_count_real_time_across_clock_changes(data: st.DataObject) -> None:
    zone = data.draw(st.sampled_from(ZONES))
    start = data.draw(instants(zone))
    whole = CalendarSettings(timezone=zone, working_days=["mon-sun"], hours=["00:00-24:00"])
    cal = BusinessCalendar(whole)
    duration = data.draw(st.timedeltas(timedelta(0), timedelta(days=40)))
    assert cal.add(start, duration) == start + duration
    assert cal.between(start, start + duration) == duration


# -- an independent oracle: open iff the wall clock shows a working date and hour -------


@cache
def shown_twice(zone_name: str, day: date, marks: tuple[int, ...]) -> bool:
    """Whether the wall clock shows midnight or one of ``marks`` twice on ``day``."""
    zone, midnight = ZoneInfo(zone_name), datetime.combine(day, datetime.min.time())
    for minutes in (0, *marks):
        first = (midnight + timedelta(minutes=minutes)).replace(tzinfo=zone)
        second = first.replace(fold=1)
        if first.utcoffset() != second.utcoffset() and first.astimezone(UTC) < second.astimezone(
            UTC
        ):
            return True
    return False


def wall_clock_open(cal: BusinessCalendar, instant: datetime) -> bool | None:
    """The naive reading of the settings at ``instant``, or None where it is not defined:
    when a boundary near ``instant`` is shown twice (the model then takes its first showing)."""
    s = cal.settings
    local = instant.astimezone(s.zone)
    marks = tuple(m for span in s.intervals for m in span)
    if any(shown_twice(s.timezone, local.date() + k * DAY, marks) for k in (-1, 0, 1, 2)):
        return None
    working = local.weekday() in s.working_days and local.date() not in s.holidays
    clock = local.replace(tzinfo=None) - datetime.combine(local.date(), datetime.min.time())
    return working and any(MINUTE * a <= clock < MINUTE * b for a, b in s.intervals)


@LAWS
@given(st.data())
def test_is_open_matches_the_wall_clock(data: st.DataObject) -> None:
    cal, moment = data.draw(scenarios())
    expected = wall_clock_open(cal, moment)
    assume(expected is not None)
    assert cal.is_open(moment) == expected


@settings(deadline=None, max_examples=100)
@given(st.data())
def test_between_matches_the_wall_clock_minute_by_minute(data: st.DataObject) -> None:
    cal, start = data.draw(scenarios())
    start = start.replace(second=0, microsecond=0)
    minutes = data.draw(st.integers(0, 36 * 60))
    readings = [wall_clock_open(cal, start + k * MINUTE) for k in range(minutes)]
    assume(None not in readings)
    assert cal.between(start, start + minutes * MINUTE) == sum(map(bool, readings)) * MINUTE


def test_the_oracle_sees_real_clock_changes() -> None:
    madrid = clock_changes("Europe/Madrid")
    assert datetime(2024, 3, 31, 1, tzinfo=UTC) in madrid
    assert datetime(2024, 10, 27, 1, tzinfo=UTC) in madrid
    assert len(clock_changes("Australia/Lord_Howe")) == 22
    assert clock_changes("Asia/Kolkata") == ()
