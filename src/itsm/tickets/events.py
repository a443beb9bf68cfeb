"""The audit trail: every change to a ticket, with who made it and the values.

Each audit event is also announced as a domain event (``ticket.<kind>``) once the
transaction commits: the audit trail is the one place ticket changes are told.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from itsm.events.domain import TICKET_PREFIX, DomainEvent, emit
from itsm.tickets.models import EventKind, Ticket, TicketEvent
from itsm.users.models import User

INTERNAL_COMMENT = "internal"  # the ``field`` of the 'commented' event of an internal note
#: ``session.info`` key: the ticket and audit rows of each announced domain event, oldest
#: first, so that a subscriber at the commit reads them without a query.
AUDITED = "itsm_audited"


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def record(
    session: Session,
    *,
    ticket: Ticket,
    actor: User | None,
    kind: EventKind,
    field: str | None = None,
    old: object = None,
    new: object = None,
) -> TicketEvent:
    event = TicketEvent(
        ticket_id=ticket.id,
        actor_id=actor.id if actor else None,
        kind=kind,
        field=field,
        old_value=_text(old),
        new_value=_text(new),
    )
    session.add(event)
    internal = kind == EventKind.COMMENTED and field == INTERNAL_COMMENT
    announce(session, ticket=ticket, kind=kind, internal=internal, audit=event)
    return event


def announce(
    session: Session,
    *,
    ticket: Ticket,
    kind: EventKind,
    internal: bool = False,
    audit: TicketEvent | None = None,
) -> None:
    """The domain event of an audit event on ``ticket`` (told after commit); the ticket
    and ``audit``, its row, are kept with it for the subscribers (:func:`audited`)."""
    told = DomainEvent(
        kind=TICKET_PREFIX + kind,
        ticket_id=ticket.id,
        requester_id=ticket.requester_id,
        internal=internal,
        source=ticket.source,
    )
    emit(session, told)
    if audit is not None:
        session.info.setdefault(AUDITED, {}).setdefault(told, []).append((ticket, audit))


def audited(session: Session) -> dict[DomainEvent, tuple[Ticket, TicketEvent]]:
    """The ticket and latest audit row of each domain event announced since the last call
    (equal events are told once), leaving out rows a rolled-back savepoint took away."""
    found: dict[DomainEvent, list[tuple[Ticket, TicketEvent]]] = session.info.pop(AUDITED, {})
    return {
        told: kept[-1]
        for told, rows in found.items()
        if (kept := [(t, a) for t, a in rows if t in session and a in session])
    }


def history(
    session: Session, *, ticket_id: int, include_internal: bool = True
) -> Sequence[TicketEvent]:
    """The ticket's events, oldest first; without ``include_internal``, none that
    records an internal note (what end users may see)."""
    stmt = (
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket_id)
        .order_by(TicketEvent.created_at, TicketEvent.id)
    )
    if not include_internal:
        stmt = stmt.where(
            or_(
                TicketEvent.kind != EventKind.COMMENTED,
                TicketEvent.field.is_(None),
                TicketEvent.field != INTERNAL_COMMENT,
            )
        )
    return session.scalars(stmt).all()
