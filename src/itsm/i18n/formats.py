"""Dates and numbers as a person reads them: in their language, in the configured zone."""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import cache

from babel import Locale, dates, numbers

from itsm import i18n


@cache
def _locale(language: str) -> Locale:
    """The active language's ``Locale``, parsed once: babel parses a name on every call."""
    return Locale.parse(language)


def when(value: datetime, *, zone: tzinfo, length: str = "short") -> str:
    """``value`` in ``zone``, in the active language, with the zone named."""
    local = value.astimezone(zone)
    shown = dates.format_datetime(local, format=length, tzinfo=zone, locale=_locale(i18n.current()))
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
