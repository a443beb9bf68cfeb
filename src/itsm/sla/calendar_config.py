"""The business calendar behind SLA clocks, validated once at start-up.

Nested in ``Settings`` as ``settings.sla.calendar`` (TOML ``[sla.calendar]``).
A calendar that means something else than its author thought (overlapping hours,
an end before a start, a misspelt time zone, no working time) fails here with a
one-line message, not later as a wrong clock.
"""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Weekday names in Python's ``date.weekday()`` order: 0 is Monday.
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
MINUTES_PER_DAY = 24 * 60


def _weekday(value: object) -> int:
    """``"mon"``, ``"Monday"`` or ``0`` (Monday) .. ``6`` (Sunday) as a weekday number."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    if isinstance(value, str):
        name = value.strip().lower()
        if name.isdigit() and int(name) <= 6:
            return int(name)
        if name in WEEKDAYS:
            return WEEKDAYS.index(name)
        if name in _FULL_NAMES:
            return _FULL_NAMES.index(name)
    raise ValueError(f"unknown weekday {value!r}; use mon..sun or 0 (Monday)..6 (Sunday)")


def _weekdays(item: object) -> list[int]:
    """One list item: a weekday or an inclusive range such as ``"mon-fri"``."""
    if isinstance(item, str) and "-" in item:
        first, _, last = item.partition("-")
        lo, hi = _weekday(first), _weekday(last)
        if lo > hi:
            raise ValueError(f"weekday range {item!r} runs backwards; write it as e.g. mon-fri")
        return list(range(lo, hi + 1))
    return [_weekday(item)]


def parse_interval(text: str) -> tuple[int, int]:
    """``"HH:MM-HH:MM"`` as minutes after midnight ``(start, end)``; ``24:00`` ends a day."""
    match = _INTERVAL.match(text)
    if not match:
        raise ValueError(f"hours {text!r}: expected HH:MM-HH:MM, e.g. 09:00-18:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
        raise ValueError(f"hours {text!r}: times run from 00:00 to 24:00")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start >= end:
        raise ValueError(f"hours {text!r}: start must be before end")
    return start, end


def format_interval(start: int, end: int) -> str:
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


class CalendarSettings(BaseModel):
    """When the SLA clock runs: working days, daily hours, holidays, time zone."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str = Field(default="UTC", description="IANA time zone of the hours.")
    working_days: tuple[int, ...] = Field(
        default=(0, 1, 2, 3, 4),
        description="Weekdays with working hours: mon..sun, ranges like mon-fri, or 0-6.",
    )
    hours: tuple[str, ...] = Field(
        default=("09:00-18:00",),
        description='Working hours of each working day, e.g. ["08:00-12:00", "13:00-17:00"].',
    )
    holidays: tuple[date, ...] = Field(default=(), description="ISO dates with no working time.")
    always: bool = Field(default=False, description="24x7: the clock always runs.")

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # "America" is a directory
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name like UTC or Europe/Madrid"
            ) from None
        return value

    @field_validator("working_days", mode="before")
    @classmethod
    def _parse_days(cls, value: Any) -> tuple[int, ...]:
        items = value.split(",") if isinstance(value, str) else value
        items = [items] if isinstance(items, int) else items
        if not isinstance(items, list | tuple | set | frozenset):
            raise ValueError("working_days must be a list such as [mon, tue] or [mon-fri]")
        days: set[int] = set()
        for item in items:
            days.update(_weekdays(item))
        return tuple(sorted(days))

    @field_validator("hours")
    @classmethod
    def _valid_hours(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        spans = sorted(parse_interval(text) for text in value)
        for (s1, e1), (s2, e2) in pairwise(spans):
            if s2 < e1:
                raise ValueError(
                    f"hours {format_interval(s1, e1)!r} and {format_interval(s2, e2)!r} overlap"
                )
        return tuple(format_interval(s, e) for s, e in spans)

    @field_validator("holidays")
    @classmethod
    def _sorted_holidays(cls, value: tuple[date, ...]) -> tuple[date, ...]:
        return tuple(sorted(set(value)))

    @model_validator(mode="after")
    def _some_working_time(self) -> Self:
        if not self.always and not (self.working_days and self.hours):
            raise ValueError(
                "the calendar has no working time; set working_days and hours, or always = true"
            )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def intervals(self) -> tuple[tuple[int, int], ...]:
        """The daily hours as sorted ``(start, end)`` minutes after midnight."""
        return tuple(parse_interval(text) for text in self.hours)
