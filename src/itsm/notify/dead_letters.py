"""The messages the worker gave up on: listed and requeued by admins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
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
) -> int:
    """Requeue dead messages ``ids`` (``None``: all) to be tried once more now.

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
    result = session.execute(query)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
