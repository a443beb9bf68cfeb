"""Shared pieces of the lifecycle tests: SLA settings, a desk of people, fixed clocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from itsm.sla.calendar import BusinessCalendar
from itsm.sla.calendar_config import CalendarSettings
from itsm.sla.clock import start_clock
from itsm.sla.config import SlaSettings, Target
from itsm.tickets import events
from itsm.tickets.models import Ticket
from itsm.users.models import User
from tests.factories import make_ticket

MADRID = ZoneInfo("Europe/Madrid")
ZONE = ZoneInfo("UTC")  # of ticket numbers
EPIPHANY = date(2026, 1, 6)  # a Tuesday, and a holiday in Spain

#: 24x7: business time is real time, so every due time is created_at + target.
ALWAYS = SlaSettings(calendar=CalendarSettings(always=True))

#: Mon-Fri 09:00-18:00 in Madrid with one holiday; "high" is a 2 h / 4 h target.
OFFICE = SlaSettings(
    calendar=CalendarSettings(timezone="Europe/Madrid", holidays=(EPIPHANY,)),
    targets={"high": Target(first_response_minutes=120, resolution_minutes=240)},
)

#: A moment long gone, so that real-time stamps (comments, ratings) always come later.
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def madrid(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Madrid (the comparisons with UTC values are exact)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=MADRID)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def calendar(sla: SlaSettings) -> BusinessCalendar:
    return BusinessCalendar(sla.calendar)


@dataclass
class Desk:
    requester: User
    other: User
    tech: User
    tech2: User
    admin: User
    admin2: User


def ticket_at(
    session: Session,
    desk: Desk,
    *,
    created: datetime,
    sla: SlaSettings,
    priority: str = "high",
    **fields: Any,
) -> Ticket:
    """A ticket of the desk's requester created at ``created`` with its SLA clock from then."""
    ticket = make_ticket(session, requester=desk.requester, priority=priority, **fields)
    ticket.created_at = created
    start_clock(ticket, sla, since=created)
    session.flush()
    return ticket


Clock = tuple[datetime | None, datetime | None, datetime | None, datetime | None]


def clock_of(ticket: Ticket) -> Clock:
    """(first-response warn, first-response due, resolution warn, resolution due)."""
    return (
        ticket.first_response_warn_at,
        ticket.first_response_due_at,
        ticket.resolution_warn_at,
        ticket.resolution_due_at,
    )


def stored_clock(session: Session, ticket: Ticket) -> Clock:
    """The clock as read back from the database, not from the session's memory."""
    session.flush()
    session.refresh(ticket)
    return clock_of(ticket)


EventRow = tuple[str, str | None, str | None, str | None, str | None]


def event_rows(session: Session, ticket: Ticket) -> list[EventRow]:
    """The ticket's audit trail as (kind, field, old, new, actor username)."""
    session.flush()
    return [
        (e.kind, e.field, e.old_value, e.new_value, e.actor.username if e.actor else None)
        for e in events.history(session, ticket_id=ticket.id)
    ]


def kinds(session: Session, ticket: Ticket, *wanted: str) -> list[EventRow]:
    return [row for row in event_rows(session, ticket) if row[0] in wanted]
