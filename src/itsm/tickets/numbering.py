"""Ticket numbers ``TKT-YYYYMMDD-NNNN`` from a per-day counter row.

:func:`reserve` is the one way numbers are taken (one ticket, an import, an alert
storm): an atomic upsert inside the caller's transaction, so the counter row stays
locked until that transaction ends. Concurrent creators queue on it, numbers never
repeat, and a rolled-back ticket gives its number back. The unique index on
``tickets.number`` is the last line of defence.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

# Plain SQL that both SQLite (3.24+) and PostgreSQL run as it is.
_RESERVE = text(
    "INSERT INTO ticket_counters (day, last_value) VALUES (:day, :count) "
    "ON CONFLICT (day) DO UPDATE "
    "SET last_value = ticket_counters.last_value + excluded.last_value "
    "RETURNING last_value"
)


def format_number(day: str, value: int) -> str:
    """Four digits at least; past 9999 the counter simply grows wider."""
    return f"TKT-{day}-{value:04d}"


def numbering_day(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y%m%d")


def reserve(session: Session, *, day: str, count: int = 1) -> int:
    """Take the next ``count`` numbers of ``day`` (``YYYYMMDD``); the last one taken.

    The numbers reserved are ``last - count + 1`` to ``last``.
    """
    if count < 1:
        raise ValueError(f"reserve at least one number, not {count}")
    return int(session.execute(_RESERVE, {"day": day, "count": count}).scalar_one())
