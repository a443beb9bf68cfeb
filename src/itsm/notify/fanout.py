"""Turn the told ticket events into the outbox's messages: who is told, and by what.

The changing transaction wrote one ``notify_events`` row per event
(:mod:`itsm.notify.outbox`). At the start of each batch the worker calls
:func:`expand`: it takes the waiting rows (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so two workers never take the same; deleting them with ``RETURNING``
is the claim on both databases), works out each one's audience
(:func:`itsm.notify.policy.audience`, each person's preferences, push
subscriptions, subscribed webhooks) and inserts one message per recipient and
channel, in the same transaction as the delete: a worker that dies before the
commit leaves the rows for the next, so every event is expanded exactly once.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from itsm.db.base import utcnow
from itsm.db.runtime import Database
from itsm.notify import prefs, push_subscriptions
from itsm.notify.channels import delivered
from itsm.notify.models import Channel, NotifyEvent, OutboxChannel, OutboxMessage
from itsm.notify.policy import Facts, Recipient, audience, rating_link
from itsm.tickets import technician_categories, watchers
from itsm.tickets.models import EventKind
from itsm.users.models import Role, User
from itsm.webhooks.events import KIND, event_of, subscribed
from itsm.webhooks.models import WebhookEvent

#: The events whose audience includes the ticket's watchers (read only for these).
_TOLD_TO_WATCHERS = frozenset({EventKind.COMMENTED, EventKind.STATUS_CHANGED})
#: The events told to staff by the ticket's category (technicians' categories read for these).
_BY_CATEGORY = frozenset({EventKind.CREATED, EventKind.SLA_BREACH})
#: Events expanded per transaction.
BATCH = 200


def expand(db: Database, *, batch: int = BATCH) -> int:
    """Expand every waiting event, ``batch`` per transaction; how many were."""
    channels = delivered(db.settings)
    done = 0
    while True:
        with db.session() as session:
            taken = expand_batch(session, channels=channels, limit=batch)
        done += taken
        if taken < batch:
            return done


def expand_batch(session: Session, *, channels: Collection[str], limit: int) -> int:
    """Take up to ``limit`` waiting events and add their messages by ``channels`` (those
    the installation delivers) to ``session``'s transaction; how many were taken."""
    waiting = session.scalars(
        select(NotifyEvent.id)
        .order_by(NotifyEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not waiting:
        return 0
    taken = sorted(
        session.scalars(
            delete(NotifyEvent)
            .where(NotifyEvent.id.in_(waiting))
            .returning(NotifyEvent)
            .execution_options(synchronize_session=False)
        ).all(),
        key=lambda e: e.id,
    )
    _write(session, taken, channels=channels)
    return len(taken)


def _write(session: Session, events: Sequence[NotifyEvent], *, channels: Collection[str]) -> None:
    staff = _Staff(session)
    systems = _system_ids(session, events)
    planned: list[tuple[NotifyEvent, Facts, Recipient]] = []
    hooked: list[tuple[NotifyEvent, Facts, WebhookEvent]] = []
    for item in events:
        facts = _facts(session, item, staff, systems)
        planned.extend((item, facts, r) for r in audience(facts))
        if (event := event_of(facts)) is not None:
            hooked.append((item, facts, event))
    now = utcnow()
    rows = _webhook_rows(session, hooked, now) + _people_rows(session, planned, channels, now)
    if rows:
        session.execute(insert(OutboxMessage), rows)


def _people_rows(
    session: Session,
    planned: Sequence[tuple[NotifyEvent, Facts, Recipient]],
    channels: Collection[str],
    now: datetime,
) -> list[dict[str, Any]]:
    if not planned:
        return []
    people = {
        u.id: u
        for u in session.scalars(
            select(User).where(User.id.in_({r.user_id for _, _, r in planned}), User.is_active)
        )
    }
    chosen = prefs.for_users(session, people)
    pushed = (
        push_subscriptions.subscribers(session, list(people)) if Channel.PUSH in channels else set()
    )
    rows = []
    for item, facts, recipient in planned:
        person = people.get(recipient.user_id)
        if person is None:
            continue
        for channel in Channel:
            if channel not in channels or not chosen[person.id][(recipient.kind, channel)]:
                continue
            if channel == Channel.EMAIL and not person.email:
                continue
            if channel == Channel.PUSH and person.id not in pushed:
                continue
            row = _row(item, now, channel=channel, kind=recipient.kind)
            row |= {"recipient_id": person.id, "payload": _payload(facts, recipient)}
            rows.append(row)
    return rows


def _webhook_rows(
    session: Session, hooked: Sequence[tuple[NotifyEvent, Facts, WebhookEvent]], now: datetime
) -> list[dict[str, Any]]:
    """One row per event and active webhook subscribed to it (never an internal event:
    :func:`itsm.webhooks.events.event_of` has none)."""
    if not hooked:
        return []
    hooks = subscribed(session, {event for _, _, event in hooked})
    rows = []
    for item, facts, event in hooked:
        for hook in hooks:
            if event in hook.events:
                row = _row(item, now, channel=OutboxChannel.WEBHOOK, kind=KIND[event])
                row |= {"webhook_id": hook.id, "payload": _webhook_payload(facts, event)}
                rows.append(row)
    return rows


def _row(item: NotifyEvent, now: datetime, *, channel: str, kind: str) -> dict[str, Any]:
    """A message's columns but its addressee and payload; it is as old as its change
    (``notify.max_age_hours`` counts from there) and due now."""
    return {
        "token": str(uuid.uuid4()),
        "recipient_id": None,
        "webhook_id": None,
        "channel": channel,
        "kind": kind,
        "ticket_id": item.ticket_id,
        "created_at": item.created_at,
        "available_at": now,
    }


class _Staff:
    """Active technicians and admins (no system account), read once per batch and only
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


def _system_ids(session: Session, events: Sequence[NotifyEvent]) -> frozenset[int]:
    """The system accounts (the diagnostics agent's) among the events' requesters and
    assignees."""
    ids = {i for e in events for i in (e.requester_id, e.assignee_id) if i is not None}
    return frozenset(session.scalars(select(User.id).where(User.id.in_(ids), User.system)))


def _facts(session: Session, item: NotifyEvent, staff: _Staff, systems: frozenset[int]) -> Facts:
    staff_ids, admin_ids = staff.ids()
    return Facts(
        event=item.kind,
        requester_id=item.requester_id,
        assignee_id=item.assignee_id,
        source=item.source,
        internal=item.internal,
        actor_id=item.actor_id,
        status=item.status,
        previous_status=item.previous_status,
        breached_now=item.breached,
        staff_ids=staff_ids,
        admin_ids=admin_ids,
        system_ids=frozenset(i for i in (item.requester_id, item.assignee_id) if i in systems),
        category=item.category,
        categories=staff.categories() if item.kind in _BY_CATEGORY else {},
        watcher_ids=(
            watchers.watcher_ids(session, item.ticket_id)
            if item.kind in _TOLD_TO_WATCHERS and not item.internal
            else frozenset()
        ),
    )


def _webhook_payload(facts: Facts, event: WebhookEvent) -> dict[str, object]:
    return _told(facts, event.value)


def _payload(facts: Facts, recipient: Recipient) -> dict[str, object]:
    found = _told(facts, facts.event)
    if facts.status is not None:
        found["rate"] = rating_link(facts, recipient.user_id)
    return found


def _told(facts: Facts, event: str) -> dict[str, object]:
    """What every message of an event says: which event, who did it, the new status."""
    found: dict[str, object] = {"event": event}
    if facts.actor_id is not None:
        found["actor_id"] = facts.actor_id
    if facts.status is not None:
        found["status"] = facts.status
    return found
