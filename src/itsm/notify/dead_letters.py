"""The messages the worker gave up on: listed and requeued by admins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from itsm.accounts.principal import Principal
from itsm.db.base import utcnow
from itsm.db.ids import MAX_ID, possible_ids
from itsm.notify.models import OutboxMessage, OutboxState
from itsm.users.policy import require_admin


def failed(
    session: Session, *, who: Principal | None, before: int | None = None, limit: int
) -> Sequence[OutboxMessage]:
    """Dead-lettered messages, newest first (``before``: the page after that id)."""
    require_admin(who)
    query = select(OutboxMessage).where(OutboxMessage.state == OutboxState.DEAD)
    if before is not None and before <= MAX_ID:  # a bound past every possible id: none
        query = query.where(OutboxMessage.id < before)
    return session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit)).all()


def retry(
    session: Session,
    *,
    who: Principal | None,
    ids: Sequence[int] | None,
    now: datetime | None = None,
    webhook_id: int | None = None,
) -> int:
    """Requeue dead messages ``ids`` (``None``: all; ``webhook_id``: only that
    webhook's) to be tried once more now.

    Their age still counts from the change that wrote them: one that fails again
    past ``notify.max_age_hours`` goes straight back to the dead letters.
    """
    require_admin(who)
    query = (
        update(OutboxMessage)
        .where(OutboxMessage.state == OutboxState.DEAD)
        .values(state=OutboxState.PENDING, available_at=now or utcnow(), attempts=0)
        .execution_options(synchronize_session=False)
    )
    if ids is not None:
        ids = possible_ids(ids)
        if not ids:
            return 0
        query = query.where(OutboxMessage.id.in_(ids))
    if webhook_id is not None:
        query = query.where(OutboxMessage.webhook_id == webhook_id)
    result = session.execute(query)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


#: Longest reason kept with a message given up here (as the worker keeps errors).
_REASON_CHARS = 500


def give_up_webhook(session: Session, *, webhook_id: int, reason: str) -> int:
    """Dead-letter every pending message of a webhook that was just disabled, with
    ``reason``: none waits for a webhook that takes nothing, and none goes out again
    unless an admin requeues it (:func:`retry`). How many."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.webhook_id == webhook_id, OutboxMessage.state == OutboxState.PENDING)
        .values(state=OutboxState.DEAD, last_error=reason[:_REASON_CHARS])
        # The worker's marking session holds the batch's rows: they must say dead too.
        .execution_options(synchronize_session="evaluate")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def dead_per_webhook(session: Session) -> dict[int, int]:
    """How many given-up messages each webhook has (those with none are left out)."""
    rows = session.execute(
        select(OutboxMessage.webhook_id, func.count())
        .where(OutboxMessage.state == OutboxState.DEAD, OutboxMessage.webhook_id.is_not(None))
        .group_by(OutboxMessage.webhook_id)
    ).all()
    return {int(hook_id): int(n) for hook_id, n in rows if hook_id is not None}
