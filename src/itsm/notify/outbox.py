"""The notifications outbox: the told events written in the transaction of the change.

:func:`write` is a ``before_commit`` subscriber of the database's event bus: it runs
inside the committing transaction, so a change that rolls back leaves nothing to
tell and a committed change always has its event rows (``notify_events``). It adds
one small row per ticket event with the facts of that moment, read from memory
(the ticket in the session, the audit row just written): the change pays for one
insert, not for working out its audience. The worker turns each row into messages,
one per recipient and channel (:mod:`itsm.notify.fanout`), and delivers them later,
in the recipient's language.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from itsm.events.domain import TICKET_PREFIX, Bus, DomainEvent
from itsm.notify.models import Channel, NotifyEvent, OutboxMessage
from itsm.notify.policy import TOLD
from itsm.tickets.events import audited
from itsm.tickets.models import EventKind, Ticket, TicketEvent

_BREACH = TICKET_PREFIX + EventKind.SLA_BREACH


def install(bus: Bus) -> None:
    """Write the told events of every commit of ``bus``'s sessions."""
    bus.before_commit.append(write)


def write(session: Session, events: Sequence[DomainEvent]) -> None:
    """Add a ``notify_events`` row per told ticket event of ``events`` to the committing
    transaction."""
    audits = audited(session)  # taken on every commit: none is left for the next
    ticket_events = [e for e in told(events) if e.kind.removeprefix(TICKET_PREFIX) in TOLD]
    if not ticket_events:
        return
    breached = {e.ticket_id for e in ticket_events if e.kind == _BREACH}
    rows: list[dict[str, Any]] = []
    for item in ticket_events:
        kind = item.kind.removeprefix(TICKET_PREFIX)
        # The ticket and audit row as the change left them, in memory.
        found: tuple[Ticket | None, TicketEvent | None] = (
            audits[item] if item in audits else _read(session, item.ticket_id, kind)
        )
        ticket, audit = found
        if ticket is None:
            continue
        changed = audit is not None and kind == EventKind.STATUS_CHANGED
        rows.append(
            {
                "kind": kind,
                "ticket_id": ticket.id,
                "internal": item.internal,
                "actor_id": audit.actor_id if audit is not None else None,
                "status": audit.new_value if changed and audit else None,
                "previous_status": audit.old_value if changed and audit else None,
                "breached": ticket.id in breached,
                "requester_id": ticket.requester_id,
                "assignee_id": ticket.assignee_id,
                "category": ticket.category,
                "source": ticket.source,
            }
        )
    if rows:
        session.execute(insert(NotifyEvent), rows)


def _read(
    session: Session, ticket_id: int | None, kind: str
) -> tuple[Ticket | None, TicketEvent | None]:
    """The ticket and its latest audit row of ``kind``, for an event announced without
    them: this transaction's (the change holds the ticket)."""
    ticket = session.get(Ticket, ticket_id)
    audit = session.scalars(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket_id, TicketEvent.kind == kind)
        .order_by(TicketEvent.id.desc())
        .limit(1)
    ).first()
    return ticket, audit


def told(events: Sequence[DomainEvent]) -> list[DomainEvent]:
    """The events of ``events`` that may tell someone something: a ticket's."""
    return [e for e in events if e.kind.startswith(TICKET_PREFIX) and e.ticket_id]


def sent_about(session: Session, *, tokens: Collection[str]) -> dict[str, tuple[int, int]]:
    """token -> (ticket id, recipient id) of the email messages with those tokens that
    were about a ticket: what a reply's In-Reply-To names (the mail intake threads by it)."""
    if not tokens:
        return {}
    rows = session.execute(
        select(OutboxMessage.token, OutboxMessage.ticket_id, OutboxMessage.recipient_id).where(
            OutboxMessage.token.in_(sorted(tokens)),
            OutboxMessage.channel == Channel.EMAIL,
            OutboxMessage.ticket_id.is_not(None),
        )
    )
    return {
        token: (ticket, recipient)
        for token, ticket, recipient in rows
        if ticket is not None and recipient is not None  # an email row always has one
    }
