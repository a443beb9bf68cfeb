"""The one rule of which tickets an end user sees: those they requested or watch.

:mod:`itsm.tickets.access` applies it to every read (a ticket, a list, a search, a
number in a text); staff and the system see every ticket and never come here.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from itsm.tickets.models import Ticket, TicketWatcher
from itsm.users.models import User


def seen_by(user_id: int) -> ColumnElement[bool]:
    """The tickets an end user sees, as a condition on ``tickets``."""
    watched = select(TicketWatcher.ticket_id).where(TicketWatcher.user_id == user_id)
    return or_(Ticket.requester_id == user_id, Ticket.id.in_(watched))


def sees(session: Session, ticket: Ticket, user: User) -> bool:
    """Whether the end user ``user`` sees ``ticket`` (:func:`seen_by` for one ticket)."""
    if ticket.requester_id == user.id:
        return True
    return session.get(TicketWatcher, (ticket.id, user.id)) is not None
