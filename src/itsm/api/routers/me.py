"""The caller's own notification preferences (``/me/notify-prefs``) and in-app
notifications (``/me/notifications``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from itsm.api.deps import PersonDep
from itsm.db.ids import MAX_ID
from itsm.notify import inapp, prefs
from itsm.notify.models import Channel, NotifyKind
from itsm.server.deps import SessionDep

router = APIRouter(prefix="/me", tags=["me"])


class NotifyPref(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: NotifyKind
    channel: Channel
    enabled: bool


class NotifyPrefsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prefs: list[NotifyPref] = Field(max_length=len(NotifyKind) * len(Channel))


def _listed(chosen: prefs.Prefs) -> list[NotifyPref]:
    return [NotifyPref(kind=k, channel=c, enabled=on) for (k, c), on in chosen.items()]


@router.get("/notify-prefs", summary="Which events you are told of, by which channel")
def get_notify_prefs(session: SessionDep, who: PersonDep) -> list[NotifyPref]:
    return _listed(prefs.preferences(session, user=who.user))


@router.put("/notify-prefs", summary="Change which events you are told of, by which channel")
def put_notify_prefs(
    session: SessionDep, who: PersonDep, data: NotifyPrefsUpdate
) -> list[NotifyPref]:
    choices = [(p.kind, p.channel, p.enabled) for p in data.prefs]
    return _listed(prefs.set_preferences(session, user=who.user, choices=choices))


class NotificationRead(BaseModel):
    id: int
    kind: NotifyKind
    ticket_id: int | None
    text: str
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationRead]
    unread: int = Field(description="How many of your notifications are unread, in all.")
    next_before: int | None = Field(description="Pass as `before` for the next page; null: none.")


class MarkRead(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[int] | None = Field(
        default=None, max_length=1000, description="Notification ids; null: all unread."
    )


@router.get("/notifications", summary="Your in-app notifications, newest first")
def get_notifications(
    session: SessionDep,
    who: PersonDep,
    unread: bool = False,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> NotificationPage:
    found = inapp.listed(session, user=who.user, unread=unread, before=before, limit=limit)
    return NotificationPage(
        items=[NotificationRead.model_validate(n, from_attributes=True) for n in found],
        unread=inapp.unread_count(session, user=who.user),
        next_before=found[-1].id if len(found) == limit else None,
    )


@router.post("/notifications/read", summary="Mark your notifications read")
def mark_notifications_read(session: SessionDep, who: PersonDep, data: MarkRead) -> dict[str, int]:
    return {"marked_read": inapp.mark_read(session, user=who.user, ids=data.ids)}
