"""CalendarSettings: defaults, accepted spellings, and one-line errors for bad calendars."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel, Field, ValidationError

from itsm.sla import BusinessCalendar, CalendarSettings


def rejected(**fields: Any) -> str:
    with pytest.raises(ValidationError) as exc:
        CalendarSettings(**fields)
    errors = exc.value.errors()
    assert len(errors) == 1
    message = str(errors[0]["msg"]).removeprefix("Value error, ")
    assert "\n" not in message
    return message


def test_defaults_are_weekdays_nine_to_six_in_utc() -> None:
    s = CalendarSettings()
    assert s.timezone == "UTC"
    assert s.working_days == (0, 1, 2, 3, 4)
    assert s.hours == ("09:00-18:00",)
    assert s.intervals == ((540, 1080),)
    assert s.holidays == ()
    assert s.always is False


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["mon", "tue", "wed"], (0, 1, 2)),
        (["Monday", "SUN"], (0, 6)),
        ([0, 6, "3"], (0, 3, 6)),
        (["mon-fri"], (0, 1, 2, 3, 4)),
        (["sat-sun", "mon"], (0, 5, 6)),
        ("mon,wed,fri", (0, 2, 4)),
        (["fri", "mon", "fri"], (0, 4)),
    ],
)
def test_working_days_accept_names_numbers_and_ranges(given: Any, expected: tuple[int]) -> None:
    assert CalendarSettings(working_days=given).working_days == expected


@pytest.mark.parametrize("bad", [["funday"], [7], [-1], [True], ["fri-mon"], [1.5]])
def test_unknown_weekdays_are_rejected(bad: list[Any]) -> None:
    assert "weekday" in rejected(working_days=bad)


def test_hours_are_sorted_and_normalised() -> None:
    s = CalendarSettings(hours=["13:00-17:00", "8:00 - 12:00"])
    assert s.hours == ("08:00-12:00", "13:00-17:00")
    assert s.intervals == ((480, 720), (780, 1020))


def test_whole_day_and_touching_intervals_are_allowed() -> None:
    assert CalendarSettings(hours=["00:00-24:00"]).intervals == ((0, 1440),)
    assert CalendarSettings(hours=["08:00-12:00", "12:00-16:00"]).intervals == (
        (480, 720),
        (720, 960),
    )


@pytest.mark.parametrize(
    ("hours", "fragment"),
    [
        (["18:00-09:00"], "start must be before end"),
        (["09:00-09:00"], "start must be before end"),
        (["08:00-12:00", "11:00-13:00"], "'08:00-12:00' and '11:00-13:00' overlap"),
        (["9-18"], "expected HH:MM-HH:MM"),
        (["09:00"], "expected HH:MM-HH:MM"),
        (["24:00-24:00"], "times run from 00:00 to 24:00"),
        (["09:60-18:00"], "times run from 00:00 to 24:00"),
        (["22:00-24:30"], "times run from 00:00 to 24:00"),
    ],
)
def test_bad_hours_are_rejected_with_a_clear_message(hours: list[str], fragment: str) -> None:
    assert fragment in rejected(hours=hours)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "America", "", "../etc/passwd", "Europe/"])
def test_unknown_time_zones_are_rejected(zone: str) -> None:
    assert rejected(timezone=zone).startswith(f"unknown time zone {zone!r}")


def test_holidays_parse_iso_dates_and_drop_duplicates() -> None:
    s = CalendarSettings(holidays=["2024-12-25", "2024-01-01", "2024-12-25"])
    assert s.holidays == (date(2024, 1, 1), date(2024, 12, 25))
    assert "date" in rejected(holidays=["2024-02-30"])


@pytest.mark.parametrize("fields", [{"working_days": []}, {"hours": []}])
def test_a_calendar_without_working_time_is_rejected(fields: dict[str, Any]) -> None:
    assert "no working time" in rejected(**fields)


def test_always_needs_no_days_or_hours() -> None:
    s = CalendarSettings(always=True, working_days=[], hours=[])
    assert BusinessCalendar(s).always


def test_business_calendar_guards_unvalidated_settings_too() -> None:
    empty = CalendarSettings.model_construct(working_days=(), hours=("09:00-18:00",))
    with pytest.raises(ValueError, match="no working time"):
        BusinessCalendar(empty)


def test_unknown_keys_are_rejected() -> None:
    with pytest.raises(ValidationError):
        CalendarSettings(hour=["09:00-18:00"])  # type: ignore[call-arg]


def test_nests_into_a_parent_model_from_toml_like_data() -> None:
    class Sla(BaseModel):
        calendar: CalendarSettings = Field(default_factory=CalendarSettings)

    sla = Sla.model_validate(
        {
            "calendar": {
                "timezone": "Europe/Madrid",
                "working_days": ["mon-thu"],
                "hours": ["08:00-14:00", "15:00-17:30"],
                "holidays": ["2025-01-06"],
            }
        }
    )
    assert sla.calendar.zone.key == "Europe/Madrid"
    assert sla.calendar.working_days == (0, 1, 2, 3)
    assert sla.calendar.intervals == ((480, 840), (900, 1050))
    assert Sla().calendar == CalendarSettings()
