"""BusinessCalendar: exact answers for the everyday cases of a help desk's SLA clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from itsm.sla import BusinessCalendar, CalendarSettings

MADRID = ZoneInfo("Europe/Madrid")
H = timedelta(hours=1)


def calendar(**fields: Any) -> BusinessCalendar:
    return BusinessCalendar(CalendarSettings(**fields))


def utc(y: int, m: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, s, us, tzinfo=UTC)


# 2024-01-05 is a Friday; 2024-01-08 a Monday.
OFFICE = calendar()  # UTC, Mon-Fri 09:00-18:00


def test_friday_afternoon_plus_two_hours_is_monday_ten() -> None:
    assert OFFICE.add(utc(2024, 1, 5, 17), 2 * H) == utc(2024, 1, 8, 10)
    assert OFFICE.between(utc(2024, 1, 5, 17), utc(2024, 1, 8, 10)) == 2 * H


def test_a_holiday_monday_moves_the_due_time_to_tuesday() -> None:
    cal = calendar(holidays=["2024-01-08"])
    assert cal.add(utc(2024, 1, 5, 17), 2 * H) == utc(2024, 1, 9, 10)
    assert cal.between(utc(2024, 1, 5, 17), utc(2024, 1, 9, 10)) == 2 * H
    assert not cal.is_open(utc(2024, 1, 8, 12))


def test_lunch_break_is_not_business_time() -> None:
    cal = calendar(hours=["08:00-12:00", "13:00-17:00"])
    assert cal.add(utc(2024, 1, 8, 11), 2 * H) == utc(2024, 1, 8, 14)
    assert cal.between(utc(2024, 1, 8, 11), utc(2024, 1, 8, 14)) == 2 * H
    assert not cal.is_open(utc(2024, 1, 8, 12, 30))
    assert cal.next_open(utc(2024, 1, 8, 12, 30)) == utc(2024, 1, 8, 13)
    assert cal.add(utc(2024, 1, 8, 8), 8 * H) == utc(2024, 1, 8, 17)


def test_start_on_a_weekend_or_before_opening_waits_for_the_next_opening() -> None:
    assert OFFICE.add(utc(2024, 1, 6, 10), H) == utc(2024, 1, 8, 10)
    assert OFFICE.add(utc(2024, 1, 8, 7), H) == utc(2024, 1, 8, 10)
    assert OFFICE.add(utc(2024, 1, 8, 19), H) == utc(2024, 1, 9, 10)
    assert OFFICE.between(utc(2024, 1, 6, 10), utc(2024, 1, 8, 9)) == timedelta(0)


def test_zero_duration_is_the_start_when_open_else_the_next_opening() -> None:
    assert OFFICE.add(utc(2024, 1, 8, 9), timedelta(0)) == utc(2024, 1, 8, 9)
    assert OFFICE.add(utc(2024, 1, 8, 12, 34), timedelta(0)) == utc(2024, 1, 8, 12, 34)
    assert OFFICE.add(utc(2024, 1, 8, 18), timedelta(0)) == utc(2024, 1, 9, 9)  # closed at 18:00
    assert OFFICE.add(utc(2024, 1, 5, 18), timedelta(0)) == utc(2024, 1, 8, 9)


def test_a_duration_ending_at_closing_time_is_due_at_closing_time() -> None:
    assert OFFICE.add(utc(2024, 1, 8, 17), H) == utc(2024, 1, 8, 18)
    assert OFFICE.add(utc(2024, 1, 8, 9), 45 * H) == utc(2024, 1, 12, 18)


def test_intervals_are_half_open() -> None:
    assert OFFICE.is_open(utc(2024, 1, 8, 9))
    assert OFFICE.is_open(utc(2024, 1, 8, 17, 59, 59, 999999))
    assert not OFFICE.is_open(utc(2024, 1, 8, 18))
    assert not OFFICE.is_open(utc(2024, 1, 8, 8, 59, 59, 999999))
    assert OFFICE.next_open(utc(2024, 1, 8, 8, 59)) == utc(2024, 1, 8, 9)


def test_between_is_zero_when_end_is_not_after_start() -> None:
    assert OFFICE.between(utc(2024, 1, 8, 12), utc(2024, 1, 8, 12)) == timedelta(0)
    assert OFFICE.between(utc(2024, 1, 8, 12), utc(2024, 1, 8, 10)) == timedelta(0)


def test_long_durations_skip_whole_weeks_exactly() -> None:
    # 1000 h at 45 h a week: 22 whole weeks (990 h), then Monday (9 h) and 1 h on Tuesday.
    monday = utc(2024, 1, 8, 9)
    due = utc(2024, 1, 8, 9) + timedelta(weeks=22, days=1, hours=1)
    assert OFFICE.add(monday, 1000 * H) == due
    assert OFFICE.between(monday, due) == 1000 * H
    # Two holidays in the run push it two working days later.
    cal = calendar(holidays=["2024-03-01", "2024-05-01", "2024-05-04"])  # Fri, Wed, Sat
    assert cal.add(monday, 1000 * H) == due + timedelta(days=2)
    assert cal.between(monday, due + timedelta(days=2)) == 1000 * H


def test_a_year_of_business_time() -> None:
    # 2024 (leap year, starts on a Monday) has 262 weekdays.
    start, end = utc(2024, 1, 1), utc(2025, 1, 1)
    assert OFFICE.between(start, end) == 262 * 9 * H
    assert OFFICE.add(start, 262 * 9 * H) == utc(2024, 12, 31, 18)


def test_twenty_four_seven_counts_real_time() -> None:
    cal = calendar(always=True, timezone="Europe/Madrid")
    start = datetime(2024, 3, 30, 22, tzinfo=MADRID)  # spans the March clock change
    assert cal.add(start, 5 * H) == start.astimezone(UTC) + 5 * H
    assert cal.between(start, start.astimezone(UTC) + 5 * H) == 5 * H
    assert cal.is_open(start)
    assert cal.next_open(start) == start


def test_results_are_utc_whatever_the_input_zone() -> None:
    cal = calendar(timezone="Asia/Kolkata")
    kolkata = ZoneInfo("Asia/Kolkata")
    due = cal.add(datetime(2024, 1, 5, 17, tzinfo=kolkata), 2 * H)
    assert due.tzinfo is UTC
    assert due == datetime(2024, 1, 8, 10, tzinfo=kolkata)
    assert due == utc(2024, 1, 8, 4, 30)
    assert cal.next_open(utc(2024, 1, 8, 0)).tzinfo is UTC


def test_working_hours_are_wall_clock_hours_of_the_calendar_zone() -> None:
    cal = calendar(timezone="Europe/Madrid")  # CET, UTC+1 in January
    assert cal.is_open(utc(2024, 1, 8, 8))
    assert not cal.is_open(utc(2024, 1, 8, 17))
    assert cal.add(utc(2024, 1, 8, 16), H) == utc(2024, 1, 8, 17)  # closes 18:00 CET
    assert cal.add(utc(2024, 1, 8, 16), 2 * H) == utc(2024, 1, 9, 9)  # 10:00 CET


def test_weekend_working_days() -> None:
    cal = calendar(working_days=["sat", "sun"], hours=["10:00-14:00"])
    assert cal.add(utc(2024, 1, 8, 12), 6 * H) == utc(2024, 1, 14, 12)
    assert cal.between(utc(2024, 1, 1), utc(2024, 2, 1)) == 8 * 4 * H  # 4 Saturdays, 4 Sundays


def test_naive_datetimes_and_negative_durations_are_refused() -> None:
    naive = datetime(2024, 1, 8, 12)
    with pytest.raises(ValueError, match="start must be a timezone-aware datetime"):
        OFFICE.add(naive, H)
    with pytest.raises(ValueError, match="end must be a timezone-aware datetime"):
        OFFICE.between(utc(2024, 1, 8), naive)
    with pytest.raises(ValueError, match="moment must be a timezone-aware datetime"):
        OFFICE.is_open(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        OFFICE.next_open(naive)
    with pytest.raises(ValueError, match="duration must not be negative"):
        OFFICE.add(utc(2024, 1, 8), -H)
    with pytest.raises(ValueError, match="outside the supported years"):
        OFFICE.between(utc(2024, 1, 8), datetime.max.replace(tzinfo=UTC))


def test_calendars_are_immutable_values() -> None:
    with pytest.raises(AttributeError):
        OFFICE.settings = CalendarSettings()  # type: ignore[misc]
    assert calendar() == OFFICE
    assert hash(calendar()) == hash(OFFICE)
