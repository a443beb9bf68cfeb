"""Dates and numbers as a person reads them: in their language, in the configured zone."""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import cache
from typing import Literal

from babel import Locale, dates, numbers

from itsm import i18n


@cache
def _locale(language: str) -> Locale:
    """The active language's ``Locale``, parsed once: babel parses a name on every call."""
    return Locale.parse(language)


Length = Literal["full", "long", "medium", "short"]


@cache
def _datetime_pattern(language: str, length: Length) -> dates.DateTimePattern:
    """The pattern ``format_datetime`` builds on every call (the language's date and
    time patterns joined as its date-time format says), built once."""
    locale = _locale(language)
    joined = (
        str(dates.get_datetime_format(length, locale=locale))
        .replace("'", "")
        .replace("{0}", str(dates.get_time_format(length, locale=locale)))
        .replace("{1}", str(dates.get_date_format(length, locale=locale)))
    )
    return dates.parse_pattern(joined)


def when(value: datetime, *, zone: tzinfo, length: Length = "short") -> str:
    """``value`` in ``zone``, in the active language, with the zone named."""
    local = value.astimezone(zone)
    language = i18n.current()
    shown = _datetime_pattern(language, length).apply(local, _locale(language))
    # The zone's abbreviation (CET, UTC), as the CLI labels times.
    return f"{shown} {local.strftime('%Z')}"


def day(value: datetime, *, zone: tzinfo, length: str = "medium") -> str:
    return dates.format_date(
        value.astimezone(zone).date(), format=length, locale=_locale(i18n.current())
    )


def ago(value: datetime, *, now: datetime) -> str:
    """How long ago ``value`` was (or how far ahead): "hace 3 horas", "in 2 days"."""
    return dates.format_timedelta(
        value - now, add_direction=True, threshold=1.1, locale=_locale(i18n.current())
    )


def number(value: float) -> str:
    return numbers.format_decimal(value, locale=_locale(i18n.current()))
