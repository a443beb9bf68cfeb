"""Opening tickets: numbered, checked and audited, one or many in the caller's transaction.

Changes to a ticket once it exists are in :mod:`itsm.tickets.service`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from itsm.db.base import utcnow
from itsm.errors import N_
from itsm.inventory import service as inventory
from itsm.sla import clock
from itsm.sla.config import SlaSettings
from itsm.tickets import events, numbering, service
from itsm.tickets.assignees import require_assignable
from itsm.tickets.errors import DuplicateFingerprint
from itsm.tickets.models import EventKind, Status, Ticket, TicketEvent
from itsm.tickets.numbering import format_number, numbering_day
from itsm.tickets.schemas import TicketCreate
from itsm.users import service as users
from itsm.users.models import User


def create_ticket(
    session: Session,
    *,
    data: TicketCreate,
    actor: User | None,
    zone: ZoneInfo,
    sla: SlaSettings | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Number, ticket and its 'created' event (and 'assigned'), all in the caller's transaction.

    The requester must be an active user, an assignee staff, an asset known. ``now``
    (the current time by default) is the ticket's creation time, and its day in
    ``zone`` is the day its number counts in.
    """
    return create_tickets(session, items=[data], actor=actor, zone=zone, sla=sla, now=now)[0]


def create_tickets(
    session: Session,
    *,
    items: Sequence[TicketCreate],
    actor: User | None,
    zone: ZoneInfo,
    sla: SlaSettings | None = None,
    now: datetime | None = None,
) -> list[Ticket]:
    """:func:`create_ticket` for several tickets at once, in order, numbered in a row.

    All or nothing: one ticket refused refuses them all, and the numbers are given
    back. A second active ticket with a fingerprint raises
    :class:`DuplicateFingerprint`; a caller with many may then go one by one.
    """
    if not items:
        return []
    now = now or utcnow()
    people: dict[int, User] = {}

    def person(ref: int) -> User:
        if ref not in people:
            people[ref] = users.get_user(session, ref=ref)
        return people[ref]

    checked_assets: set[int] = set()
    due: dict[str, dict[str, datetime]] = {}  # by priority: every ticket starts at ``now``
    tickets = []
    for data in items:
        assignee = None
        if data.assignee_id is not None:
            assignee = require_assignable(person(data.assignee_id))
        if data.asset_id is not None and data.asset_id not in checked_assets:
            inventory.get_asset(session, ref=data.asset_id)
            checked_assets.add(data.asset_id)
        ticket = Ticket(
            title=data.title,
            description=data.description,
            category=data.category,
            priority=data.priority,
            status=Status.OPEN,
            source=data.source,
            requester=users.require_active(person(data.requester_id)),
            assignee=assignee,
            asset_id=data.asset_id,
            fingerprint=data.fingerprint,
            created_at=now,
            updated_at=now,
        )
        if sla is not None and sla.enabled:
            if data.priority not in due:
                due[data.priority] = clock.start_times(data.priority, sla, since=now)
            for name, value in due[data.priority].items():
                setattr(ticket, name, value)
        tickets.append(ticket)
    day = numbering_day(now, zone)
    fingerprints = [d.fingerprint for d in items if d.fingerprint is not None]
    if not fingerprints:  # nothing the insert can refuse: no savepoint needed
        _insert(session, tickets, day=day, actor=actor, now=now)
        return tickets
    # A second active ticket with a fingerprint is refused by a unique index. The
    # numbers are taken inside the savepoint, so refused tickets give them back.
    try:
        with session.begin_nested():
            _insert(session, tickets, day=day, actor=actor, now=now)
    except IntegrityError:
        taken = next(
            (f for f in fingerprints if service.active_number(session, f) is not None), None
        )
        if taken is None:
            raise  # some other constraint
        raise DuplicateFingerprint(
            N_("an active ticket already has fingerprint %(taken)r"), taken=taken
        ) from None
    return tickets


def _insert(
    session: Session, tickets: list[Ticket], *, day: str, actor: User | None, now: datetime
) -> None:
    """Number ``tickets`` and write them with their first events in one flush."""
    first = numbering.reserve(session, day=day, count=len(tickets)) - len(tickets) + 1
    actor_id = actor.id if actor else None
    for value, ticket in enumerate(tickets, start=first):
        ticket.number = format_number(day, value)
        ticket.events.append(
            TicketEvent(
                actor_id=actor_id, kind=EventKind.CREATED, new_value=ticket.number, created_at=now
            )
        )
        if ticket.assignee is not None:
            ticket.events.append(
                TicketEvent(
                    actor_id=actor_id,
                    kind=EventKind.ASSIGNED,
                    field="assignee",
                    new_value=ticket.assignee.username,
                    created_at=now,
                )
            )
    session.add_all(tickets)
    session.flush()
    for ticket in tickets:
        for event in ticket.events:
            events.announce(session, ticket=ticket, kind=EventKind(event.kind), audit=event)
