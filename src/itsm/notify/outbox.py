"""The notifications outbox: messages written in the transaction of the change they tell.

:func:`write` is a ``before_commit`` subscriber of the database's event bus: it runs
inside the committing transaction, so a change that rolls back leaves no message
and a committed change always has its messages. Who is told is
:func:`itsm.notify.policy.audience`; which channels, each person's preferences.
The worker delivers the rows later, in the recipient's language.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from itsm.events.domain import TICKET_PREFIX, Bus, DomainEvent
from itsm.notify import prefs, push_subscriptions
from itsm.notify.models import Channel, OutboxChannel, OutboxMessage
from itsm.notify.policy import Facts, Recipient, audience, rating_link
from itsm.tickets import technician_categories, watchers
from itsm.tickets.models import EventKind, Ticket, TicketEvent
from itsm.users.models import Role, User
from itsm.webhooks.events import KIND, event_of, subscribed
from itsm.webhooks.models import WebhookEvent

_BREACH = TICKET_PREFIX + EventKind.SLA_BREACH
#: The events whose audience includes the ticket's watchers (read only for these).
_TOLD_TO_WATCHERS = frozenset({EventKind.COMMENTED, EventKind.STATUS_CHANGED})
#: The events told to staff by the ticket's category (technicians' categories read for these).
_BY_CATEGORY = frozenset({EventKind.CREATED, EventKind.SLA_BREACH})


def install(bus: Bus, *, channels: Collection[str]) -> None:
    """Write messages of ``channels`` (those the installation delivers) on every commit."""
    bus.before_commit.append(partial(write, channels=frozenset(channels)))


def write(session: Session, events: Sequence[DomainEvent], *, channels: Collection[str]) -> None:
    """Add the outbox rows of ``events`` by ``channels`` to the committing transaction."""
    ticket_events = told(events)
    if not ticket_events:
        return
    staff = _Staff(session)
    breached = {e.ticket_id for e in ticket_events if e.kind == _BREACH}
    planned: list[tuple[DomainEvent, Facts, Recipient]] = []
    hooked: list[tuple[DomainEvent, Facts, WebhookEvent]] = []
    for item in ticket_events:
        facts = _facts(session, item, staff, breached)
        if facts is not None:
            planned.extend((item, facts, r) for r in audience(facts))
            if (event := event_of(facts)) is not None:
                hooked.append((item, facts, event))
    if hooked:
        _write_webhooks(session, hooked)
    if not planned:
        return
    people = {
        u.id: u
        for u in session.scalars(
            select(User).where(User.id.in_({r.user_id for _, _, r in planned}), User.is_active)
        )
    }
    chosen = prefs.for_users(session, people)
    subscribed = (
        push_subscriptions.subscribers(session, list(people)) if Channel.PUSH in channels else set()
    )
    for item, facts, recipient in planned:
        person = people.get(recipient.user_id)
        if person is None:
            continue
        for channel in Channel:
            if channel not in channels or not chosen[person.id][(recipient.kind, channel)]:
                continue
            if channel == Channel.EMAIL and not person.email:
                continue
            if channel == Channel.PUSH and person.id not in subscribed:
                continue
            session.add(
                OutboxMessage(
                    token=str(uuid.uuid4()),
                    recipient_id=person.id,
                    channel=channel,
                    kind=recipient.kind,
                    ticket_id=item.ticket_id,
                    payload=_payload(facts, recipient),
                )
            )


def told(events: Sequence[DomainEvent]) -> list[DomainEvent]:
    """The events of ``events`` that may tell someone something: a ticket's."""
    return [e for e in events if e.kind.startswith(TICKET_PREFIX) and e.ticket_id]


def _write_webhooks(
    session: Session, hooked: Sequence[tuple[DomainEvent, Facts, WebhookEvent]]
) -> None:
    """One row per event and active webhook subscribed to it (never an internal event:
    :func:`itsm.webhooks.events.event_of` has none)."""
    hooks = subscribed(session, {event for _, _, event in hooked})
    for item, facts, event in hooked:
        for hook in hooks:
            if event in hook.events:
                session.add(
                    OutboxMessage(
                        token=str(uuid.uuid4()),
                        webhook_id=hook.id,
                        channel=OutboxChannel.WEBHOOK,
                        kind=KIND[event],
                        ticket_id=item.ticket_id,
                        payload=_webhook_payload(facts, event),
                    )
                )


class _Staff:
    """Active technicians and admins (no system account), read once per commit and only
    if needed."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._ids: tuple[frozenset[int], frozenset[int]] | None = None
        self._categories: Mapping[int, frozenset[str]] | None = None

    def categories(self) -> Mapping[int, frozenset[str]]:
        if self._categories is None:
            self._categories = technician_categories.by_technician(self._session)
        return self._categories

    def ids(self) -> tuple[frozenset[int], frozenset[int]]:
        if self._ids is None:
            rows = self._session.execute(
                select(User.id, User.role).where(
                    User.role.in_([Role.ADMIN, Role.TECHNICIAN]),
                    User.is_active,
                    User.system.is_(False),
                )
            ).all()
            self._ids = (
                frozenset(r.id for r in rows),
                frozenset(r.id for r in rows if r.role == Role.ADMIN),
            )
        return self._ids


def _facts(
    session: Session, item: DomainEvent, staff: _Staff, breached: set[int | None]
) -> Facts | None:
    kind = item.kind.removeprefix(TICKET_PREFIX)
    ticket = session.get(Ticket, item.ticket_id)
    if ticket is None:
        return None
    # The latest audit row of this kind is this transaction's: the change holds the ticket.
    audit = session.scalars(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == kind)
        .order_by(TicketEvent.id.desc())
        .limit(1)
    ).first()
    staff_ids, admin_ids = staff.ids()
    return Facts(
        event=kind,
        requester_id=ticket.requester_id,
        assignee_id=ticket.assignee_id,
        source=ticket.source,
        internal=item.internal,
        actor_id=audit.actor_id if audit else None,
        status=audit.new_value if audit and kind == EventKind.STATUS_CHANGED else None,
        previous_status=audit.old_value if audit and kind == EventKind.STATUS_CHANGED else None,
        breached_now=ticket.id in breached,
        staff_ids=staff_ids,
        admin_ids=admin_ids,
        system_ids=frozenset(
            u.id for u in (ticket.requester, ticket.assignee) if u is not None and u.system
        ),
        category=ticket.category,
        categories=staff.categories() if kind in _BY_CATEGORY else {},
        watcher_ids=(
            watchers.watcher_ids(session, ticket.id)
            if kind in _TOLD_TO_WATCHERS and not item.internal
            else frozenset()
        ),
    )


def _webhook_payload(facts: Facts, event: WebhookEvent) -> dict[str, object]:
    found: dict[str, object] = {"event": event.value}
    if facts.actor_id is not None:
        found["actor_id"] = facts.actor_id
    if facts.status is not None:
        found["status"] = facts.status
    return found


def _payload(facts: Facts, recipient: Recipient) -> dict[str, object]:
    found: dict[str, object] = {"event": facts.event}
    if facts.actor_id is not None:
        found["actor_id"] = facts.actor_id
    if facts.status is not None:
        found["status"] = facts.status
        found["rate"] = rating_link(facts, recipient.user_id)
    return found


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
