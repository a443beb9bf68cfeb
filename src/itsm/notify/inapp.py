"""The in-app channel: notifications kept in the database, listed and marked read.

Delivery inserts one :class:`Notification` per outbox message, in the transaction
that marks the message sent, so in-app messages are delivered exactly once
whatever crashes (the row's unique ``outbox_token`` also guards a replay).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from itsm.db.base import utcnow
from itsm.db.ids import MAX_ID, possible_ids
from itsm.notify.channels import Delivery, DeliveryFailed
from itsm.notify.models import Notification, OutboxMessage
from itsm.notify.texts import summary
from itsm.users.models import User


class InApp:
    """The in-app :class:`~itsm.notify.channels.Deliverer`."""

    def prepare(self, session: Session, delivery: Delivery) -> Delivery:
        return delivery

    def send(self, delivery: Delivery) -> None:
        """Nothing leaves the database: the notification is written by :meth:`record`."""

    def close(self) -> None:
        pass

    def failed(self, session: Session, message: OutboxMessage, failure: DeliveryFailed) -> None:
        pass

    def record(self, session: Session, delivery: Delivery) -> None:
        seen = session.scalar(
            select(Notification.id).where(Notification.outbox_token == delivery.token)
        )
        if seen is not None:
            return
        session.add(
            Notification(
                user_id=delivery.recipient.id,
                outbox_token=delivery.token,
                kind=delivery.kind,
                ticket_id=delivery.ticket.id if delivery.ticket else None,
                text=summary(delivery),
            )
        )


def listed(
    session: Session, *, user: User, unread: bool = False, before: int | None = None, limit: int
) -> Sequence[Notification]:
    """``user``'s notifications, newest first; ``before``: the page after that id."""
    query = select(Notification).where(Notification.user_id == user.id)
    if before is not None and before > MAX_ID:
        before = None  # after every id there can be
    if unread:
        query = query.where(Notification.read_at.is_(None))
    if before is not None:
        query = query.where(Notification.id < before)
    return session.scalars(query.order_by(Notification.id.desc()).limit(limit)).all()


def unread_count(session: Session, *, user: User) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(
    session: Session, *, user: User, ids: Sequence[int] | None, now: datetime | None = None
) -> int:
    """Mark ``ids`` (``None``: all) of ``user``'s notifications read; how many changed.

    Other people's ids change nothing and are not told apart from missing ones.
    """
    query = (
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
    )
    if ids is not None:
        ids = possible_ids(ids)
        if not ids:
            return 0
        query = query.where(Notification.id.in_(ids))
    result = session.execute(query)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def ticket_numbers(session: Session, notifications: Sequence[Notification]) -> dict[int, str]:
    """The numbers of the tickets ``notifications`` tell of, by ticket id (for links)."""
    from itsm.tickets import queries

    wanted = {n.ticket_id for n in notifications if n.ticket_id is not None}
    return queries.numbers_of(session, ids=wanted) if wanted else {}
