"""Which webhook event a ticket's domain event is: a pure rule over the outbox's facts.

Internal events (an internal note) are no webhook event at all: a webhook's
receiver is outside the desk, like an end user.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from itsm.notify.models import NotifyKind
from itsm.notify.policy import Facts
from itsm.tickets.models import EventKind, Status
from itsm.webhooks.models import Webhook, WebhookEvent

_CLOSED = frozenset({Status.RESOLVED, Status.CLOSED})

#: The outbox row's ``kind`` for each event (the column every row has).
KIND: dict[WebhookEvent, NotifyKind] = {
    WebhookEvent.CREATED: NotifyKind.NEW_TICKET,
    WebhookEvent.ASSIGNED: NotifyKind.ASSIGNED,
    WebhookEvent.COMMENTED: NotifyKind.COMMENT,
    WebhookEvent.STATUS_CHANGED: NotifyKind.STATUS,
    WebhookEvent.REOPENED: NotifyKind.REOPENED,
    WebhookEvent.SLA_WARNING: NotifyKind.SLA_WARNING,
    WebhookEvent.SLA_BREACH: NotifyKind.SLA_BREACH,
    WebhookEvent.ESCALATED: NotifyKind.ESCALATED,
}


def event_of(facts: Facts) -> WebhookEvent | None:
    """The webhook event of ``facts``, or ``None`` for one webhooks are not told of."""
    if facts.internal:
        return None
    kind = facts.event
    if kind == EventKind.CREATED:
        return WebhookEvent.CREATED
    if kind == EventKind.ASSIGNED:
        # sla tick's reassignment of a breached ticket is the escalation.
        return WebhookEvent.ESCALATED if facts.breached_now else WebhookEvent.ASSIGNED
    if kind == EventKind.COMMENTED:
        return WebhookEvent.COMMENTED
    if kind == EventKind.STATUS_CHANGED:
        if facts.previous_status in _CLOSED and facts.status not in _CLOSED:
            return WebhookEvent.REOPENED
        return WebhookEvent.STATUS_CHANGED
    if kind == EventKind.SLA_WARNING:
        return WebhookEvent.SLA_WARNING
    if kind == EventKind.SLA_BREACH:
        return WebhookEvent.SLA_BREACH
    return None


def subscribed(session: Session, events: set[WebhookEvent]) -> list[Webhook]:
    """Active webhooks that receive any of ``events`` (the outbox's read per commit)."""
    if not events:
        return []
    hooks = session.scalars(select(Webhook).where(Webhook.active)).all()
    return [h for h in hooks if events.intersection(h.events)]
