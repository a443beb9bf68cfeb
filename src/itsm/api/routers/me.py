"""The caller's own notification preferences (``/me/notify-prefs``)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from itsm.api.deps import PersonDep, SessionDep
from itsm.notify import prefs
from itsm.notify.models import Channel, NotifyKind

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
