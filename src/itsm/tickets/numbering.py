"""Ticket numbers ``TKT-YYYYMMDD-NNNN`` from a per-day counter row.

The counter is bumped with one atomic upsert inside the transaction that creates
the ticket, so the row stays locked until that transaction ends: concurrent
creators queue on it, numbers never repeat, and a rolled-back ticket gives its
number back. The unique index on ``tickets.number`` is the last line of defence.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

_BUMP = text(
    "INSERT INTO ticket_counters (day, last_value) VALUES (:day, 1) "
    "ON CONFLICT (day) DO UPDATE SET last_value = ticket_counters.last_value + 1 "
    "RETURNING last_value"
)


def format_number(day: str, value: int) -> str:
    """Four digits at least; past 9999 the counter simply grows wider."""
    return f"TKT-{day}-{value:04d}"


def numbering_day(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y%m%d")


def next_number(session: Session, *, moment: datetime, zone: ZoneInfo) -> str:
    day = numbering_day(moment, zone)
    value = session.execute(_BUMP, {"day": day}).scalar_one()
    return format_number(day, int(value))
