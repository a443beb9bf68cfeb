"""BusinessCalendar across clock changes: exact answers in real zones.

Hours are wall-clock hours. A boundary that the clock skips falls at the
change; one that the clock shows twice falls at its first showing. So a
``00:00-24:00`` day lasts 23 h or 25 h on a change day, and an office whose hours
do not contain the change (Europe/Madrid changes at 02:00/03:00) is unaffected.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from itsm.sla import BusinessCalendar, CalendarSettings

H = timedelta(hours=1)
M = timedelta(minutes=1)
ALL_WEEK = ["mon-sun"]
WHOLE_DAY = ["00:00-24:00"]


def calendar(**fields: Any) -> BusinessCalendar:
    return BusinessCalendar(CalendarSettings(**fields))


def utc(y: int, m: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "day_starts", "day_ends", "real_hours"),
    [
        # Clock set forward / back at 02:00 local, Sunday.
        ("Europe/Madrid", utc(2024, 3, 30, 23), utc(2024, 3, 31, 22), 23),
        ("Europe/Madrid", utc(2024, 10, 26, 22), utc(2024, 10, 27, 23), 25),
        ("America/New_York", utc(2024, 3, 10, 5), utc(2024, 3, 11, 4), 23),
        ("America/New_York", utc(2024, 11, 3, 4), utc(2024, 11, 4, 5), 25),
        # Midnight changes: 00:00 does not exist, so the day starts at the change.
        ("America/Havana", utc(2024, 3, 10, 5), utc(2024, 3, 11, 4), 23),
        ("America/Havana", utc(2024, 11, 3, 4), utc(2024, 11, 4, 5), 25),
        ("Asia/Beirut", utc(2024, 3, 30, 22), utc(2024, 3, 31, 21), 23),
        ("America/Sao_Paulo", utc(2018, 11, 4, 3), utc(2018, 11, 5, 2), 23),
        # Set back from 24:00 to 23:00: the previous day (Saturday) lasts 25 h.
        ("Asia/Beirut", utc(2024, 10, 25, 21), utc(2024, 10, 26, 22), 25),
        ("America/Sao_Paulo", utc(2019, 2, 16, 2), utc(2019, 2, 17, 3), 25),
        # Lord Howe Island changes by 30 minutes.
        ("Australia/Lord_Howe", utc(2024, 4, 6, 13), utc(2024, 4, 7, 13, 30), 24.5),
        ("Australia/Lord_Howe", utc(2024, 10, 5, 13, 30), utc(2024, 10, 6, 13), 23.5),
    ],
)
def test_a_whole_day_on_a_change_day_lasts_its_real_length(
    zone: str, day_starts: datetime, day_ends: datetime, real_hours: float
) -> None:
    weekday = day_starts.astimezone(ZoneInfo(zone)).weekday()
    one_day = calendar(timezone=zone, working_days=[weekday], hours=WHOLE_DAY)
    length = timedelta(hours=real_hours)
    assert day_ends - day_starts == length
    assert one_day.next_open(day_starts - H) == day_starts
    assert not one_day.is_open(day_starts - timedelta(microseconds=1))
    assert one_day.is_open(day_starts)
    assert one_day.is_open(day_ends - timedelta(microseconds=1))
    assert not one_day.is_open(day_ends)
    assert one_day.between(day_starts - 2 * H, day_ends + 2 * H) == length
    assert one_day.add(day_starts - 2 * H, length) == day_ends
    every_day = calendar(timezone=zone, working_days=ALL_WEEK, hours=WHOLE_DAY)
    span = (day_starts - timedelta(days=3), day_ends + timedelta(days=3))
    assert every_day.between(*span) == span[1] - span[0]  # real time, nothing lost or doubled


@pytest.mark.parametrize(
    ("zone", "friday_five_pm", "monday_ten_am"),
    [
        ("Europe/Madrid", utc(2024, 3, 29, 16), utc(2024, 4, 1, 8)),  # CET -> CEST
        ("Europe/Madrid", utc(2024, 10, 25, 15), utc(2024, 10, 28, 9)),  # CEST -> CET
        ("America/New_York", utc(2024, 3, 8, 22), utc(2024, 3, 11, 14)),
        ("America/New_York", utc(2024, 11, 1, 21), utc(2024, 11, 4, 15)),
        ("America/Sao_Paulo", utc(2018, 11, 2, 20), utc(2018, 11, 5, 12)),
        ("Australia/Lord_Howe", utc(2024, 10, 4, 6, 30), utc(2024, 10, 6, 23)),
    ],
)
def test_an_office_day_is_unaffected_by_a_weekend_clock_change(
    zone: str, friday_five_pm: datetime, monday_ten_am: datetime
) -> None:
    office = calendar(timezone=zone)  # Mon-Fri 09:00-18:00
    assert office.add(friday_five_pm, 2 * H) == monday_ten_am
    assert office.between(friday_five_pm, monday_ten_am) == 2 * H


def test_whole_weeks_across_a_clock_change_keep_their_business_hours() -> None:
    office = calendar(timezone="Europe/Madrid")
    monday_before = utc(2024, 3, 25, 8)  # 09:00 CET
    monday_after = utc(2024, 4, 1, 7)  # 09:00 CEST
    assert office.between(monday_before, monday_after) == 45 * H
    assert office.between(utc(2024, 3, 4, 8), utc(2024, 4, 29, 7)) == 8 * 45 * H
    # 26 h to Friday night, 21 whole weeks, then Mon, Tue, Wed and 2 h on Thursday.
    start = utc(2024, 1, 3, 9)  # Wednesday 10:00 CET
    assert office.add(start, 1000 * H) == utc(2024, 6, 6, 9)  # Thursday 11:00 CEST
    assert office.between(start, utc(2024, 6, 6, 9)) == 1000 * H


def test_hours_containing_the_change_are_shorter_or_longer() -> None:
    early = calendar(timezone="Europe/Madrid", working_days=ALL_WEEK, hours=["01:00-04:00"])
    assert early.between(utc(2024, 3, 30, 12), utc(2024, 3, 31, 12)) == 2 * H
    assert early.between(utc(2024, 10, 26, 12), utc(2024, 10, 27, 12)) == 4 * H
    assert early.between(utc(2024, 3, 29, 12), utc(2024, 3, 30, 12)) == 3 * H


def test_an_opening_the_clock_skips_falls_at_the_change() -> None:
    sunday = calendar(timezone="Europe/Madrid", working_days=["sun"], hours=["02:30-04:00"])
    change = utc(2024, 3, 31, 1)  # 02:00 CET becomes 03:00 CEST
    assert sunday.next_open(utc(2024, 3, 31, 0)) == change
    assert not sunday.is_open(change - timedelta(seconds=1))
    assert sunday.is_open(change)
    assert sunday.between(utc(2024, 3, 30), utc(2024, 4, 1)) == H  # until 04:00 CEST
    assert sunday.add(utc(2024, 3, 30), 30 * M) == change + 30 * M


def test_hours_entirely_inside_a_skipped_hour_do_not_exist_that_day() -> None:
    sunday = calendar(timezone="America/New_York", working_days=["sun"], hours=["02:00-03:00"])
    assert sunday.between(utc(2024, 3, 9), utc(2024, 3, 12)) == timedelta(0)
    assert sunday.next_open(utc(2024, 3, 10)) == utc(2024, 3, 17, 6)  # 02:00 EDT a week later
    assert sunday.between(utc(2024, 11, 2), utc(2024, 11, 4)) == H  # after the repeated hour
    repeated = calendar(timezone="America/New_York", working_days=["sun"], hours=["01:00-02:00"])
    assert repeated.between(utc(2024, 11, 2), utc(2024, 11, 4)) == 2 * H  # shown twice
    assert repeated.between(utc(2024, 3, 9), utc(2024, 3, 12)) == H


def test_an_opening_the_clock_shows_twice_falls_at_its_first_showing() -> None:
    sunday = calendar(timezone="Europe/Madrid", working_days=["sun"], hours=["02:30-12:00"])
    first_0230 = utc(2024, 10, 27, 0, 30)  # 02:30 CEST; 02:30 CET is 01:30 UTC
    assert sunday.next_open(utc(2024, 10, 27)) == first_0230
    assert sunday.is_open(utc(2024, 10, 27, 1, 15))  # 02:15 CET, the second showing
    assert sunday.between(utc(2024, 10, 26), utc(2024, 10, 28)) == 10.5 * H  # to 12:00 CET


def test_split_hours_at_a_repeated_time_neither_overlap_nor_leave_a_gap() -> None:
    hours = ["00:00-02:30", "02:30-24:00"]
    sunday = calendar(timezone="Europe/Madrid", working_days=["sun"], hours=hours)
    midnight = utc(2024, 10, 26, 22)
    assert sunday.add(midnight, 2.5 * H) == utc(2024, 10, 27, 0, 30)
    assert sunday.between(midnight, utc(2024, 10, 28)) == 25 * H


def test_a_whole_repeated_hour_counts_twice() -> None:
    # Havana sets 01:00 CDT back to 00:00 CST: 00:00-01:00 happens twice.
    sunday = calendar(timezone="America/Havana", working_days=["sun"], hours=["00:00-01:00"])
    assert sunday.between(utc(2024, 11, 2), utc(2024, 11, 5)) == 2 * H
    assert sunday.next_open(utc(2024, 11, 2)) == utc(2024, 11, 3, 4)


def test_a_clock_set_back_across_midnight_keeps_the_hour_in_the_old_day() -> None:
    # Beirut, Saturday 2024-10-26: 24:00 (+03) becomes 23:00 (+02) at 21:00 UTC.
    second_2330 = utc(2024, 10, 26, 21, 30)
    saturday = calendar(timezone="Asia/Beirut", working_days=["sat"], hours=WHOLE_DAY)
    sunday = calendar(timezone="Asia/Beirut", working_days=["sun"], hours=WHOLE_DAY)
    assert saturday.is_open(second_2330)
    assert not sunday.is_open(second_2330)
    assert sunday.next_open(second_2330) == utc(2024, 10, 26, 22)
    late = calendar(timezone="Asia/Beirut", working_days=["sat"], hours=["23:30-24:00"])
    assert late.next_open(utc(2024, 10, 26)) == utc(2024, 10, 26, 20, 30)  # first 23:30
    assert late.between(utc(2024, 10, 26), utc(2024, 10, 27)) == 1.5 * H


def test_a_day_begins_when_its_midnight_is_first_shown() -> None:
    # St John's set 00:01 (-02:30) back to 23:01 (-03:30) until 2011: on 2010-11-07 the
    # clock shows Sunday 00:00 at 02:30 UTC, then Saturday 23:01 again at 02:31 UTC.
    zone = "America/St_Johns"
    saturday = calendar(timezone=zone, working_days=["sat"], hours=WHOLE_DAY)
    sunday = calendar(timezone=zone, working_days=["sun"], hours=WHOLE_DAY)
    second_2331 = utc(2010, 11, 7, 3, 1)
    assert sunday.is_open(second_2331)
    assert not saturday.is_open(second_2331)
    assert saturday.between(utc(2010, 11, 5), utc(2010, 11, 9)) == 24 * H
    assert sunday.between(utc(2010, 11, 5), utc(2010, 11, 9)) == 25 * H
    assert sunday.next_open(utc(2010, 11, 6, 12)) == utc(2010, 11, 7, 2, 30)
    assert sunday.between(utc(2010, 3, 12), utc(2010, 3, 16)) == 23 * H  # 00:01 -> 01:01


def test_a_half_hour_change() -> None:
    back = calendar(timezone="Australia/Lord_Howe", working_days=["sun"], hours=["01:45-03:00"])
    assert back.next_open(utc(2024, 4, 6)) == utc(2024, 4, 6, 14, 45)  # 01:45 +11
    assert back.between(utc(2024, 4, 6), utc(2024, 4, 8)) == 1.75 * H
    forward = calendar(timezone="Australia/Lord_Howe", working_days=["sun"], hours=["02:00-03:00"])
    assert forward.next_open(utc(2024, 10, 5)) == utc(2024, 10, 5, 15, 30)  # the change
    assert forward.between(utc(2024, 10, 5), utc(2024, 10, 7)) == 30 * M
