"""Small read helpers shared by the core integration tests."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itsm.tickets import events
from itsm.tickets.models import Ticket, TicketEvent

EventRow = tuple[str, str | None, str | None, str | None, str | None]


def event_rows(session: Session, ticket: Ticket) -> list[EventRow]:
    """The ticket's audit trail as (kind, field, old, new, actor username)."""
    return [
        (e.kind, e.field, e.old_value, e.new_value, e.actor.username if e.actor else None)
        for e in events.history(session, ticket_id=ticket.id)
    ]


def event_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(TicketEvent)) or 0


def ticket_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Ticket)) or 0
