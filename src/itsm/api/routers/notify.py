"""Deliveries the notifications worker gave up on (``/notify/failed``), for admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from itsm.accounts.principal import Principal
from itsm.api.deps import allowed
from itsm.db.ids import MAX_ID
from itsm.notify import dead_letters
from itsm.notify.models import NotifyKind, OutboxChannel
from itsm.server.deps import SessionDep
from itsm.users.policy import require_admin

router = APIRouter(prefix="/notify", tags=["notifications"])
Admin = Annotated[Principal, allowed(require_admin)]


class FailedRead(BaseModel):
    id: int
    channel: OutboxChannel
    kind: NotifyKind
    recipient_id: int | None  # a person's message ...
    webhook_id: int | None  # ... or a webhook's
    ticket_id: int | None
    attempts: int
    created_at: datetime
    last_error: str | None


class Retry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[int] | None = Field(
        default=None, max_length=1000, description="Failed message ids; null: all of them."
    )


@router.get("/failed", summary="Messages the worker gave up on, newest first")
def get_failed(
    session: SessionDep,
    who: Admin,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[FailedRead]:
    found = dead_letters.failed(session, who=who, before=before, limit=limit)
    return [FailedRead.model_validate(m, from_attributes=True) for m in found]


@router.post("/failed/retry", summary="Requeue failed messages to be tried once more")
def retry_failed(session: SessionDep, who: Admin, data: Retry) -> dict[str, int]:
    return {"requeued": dead_letters.retry(session, who=who, ids=data.ids)}
