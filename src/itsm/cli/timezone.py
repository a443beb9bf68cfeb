"""The time zone the CLI shows times in: the configured one, labelled.

Set once from the settings when a command loads them (:class:`AppContext`); JSON output
keeps ISO 8601 with its offset and does not use it.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo

_SHOWN_IN: ContextVar[tzinfo] = ContextVar("itsm_shown_in", default=UTC)


def show_times_in(zone: tzinfo) -> None:
    _SHOWN_IN.set(zone)


def local_clock(value: datetime, *, now: datetime) -> str:
    """``value`` in the configured zone, labelled, as short as ``now`` allows: ``15:40 CET``
    today, ``Tue 08:00 CET`` within a few days, ``12-19 CET`` further away."""
    zone = _SHOWN_IN.get()
    shown = value.astimezone(zone)
    days = abs((shown.date() - now.astimezone(zone).date()).days)
    return shown.strftime("%H:%M %Z" if days == 0 else "%a %H:%M %Z" if days < 6 else "%m-%d %Z")


def local(value: datetime, *, seconds: bool = False) -> str:
    """``value`` in the configured zone with the zone's abbreviation: ``2026-12-07 09:15 CET``."""
    shown = value.astimezone(_SHOWN_IN.get())
    return shown.strftime("%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z")
