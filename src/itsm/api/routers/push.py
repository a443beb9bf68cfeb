"""Web push: the desk's public key (``/push/key``) and the caller's subscribed browsers
(``/me/push-subscriptions``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, Field

from itsm.api.deps import PersonDep
from itsm.notify import push_subscriptions as subscriptions
from itsm.notify.push_subscriptions import MAX_ENDPOINT
from itsm.notify.schemas import SubscriptionCreate, SubscriptionRenewal
from itsm.server.deps import SessionDep, SettingsDep

router = APIRouter(tags=["push"])


class PushKey(BaseModel):
    enabled: bool = Field(description="Whether this desk sends web push at all.")
    public_key: str | None = Field(
        description="The VAPID public key (base64url): PushManager.subscribe's "
        "applicationServerKey; null when web push is off."
    )


class SubscriptionRead(BaseModel):
    id: int
    endpoint: str
    user_agent: str | None
    created_at: datetime
    last_success_at: datetime | None


@router.get("/push/key", summary="The key browsers subscribe to web push with")
def push_key(cfg: SettingsDep, who: PersonDep) -> PushKey:
    key = subscriptions.public_key(cfg)
    return PushKey(enabled=key is not None, public_key=key)


@router.get("/me/push-subscriptions", summary="Your browsers subscribed to web push")
def list_subscriptions(session: SessionDep, who: PersonDep) -> list[SubscriptionRead]:
    return [
        SubscriptionRead.model_validate(s, from_attributes=True)
        for s in subscriptions.listed(session, user=who.user)
    ]


@router.post(
    "/me/push-subscriptions", status_code=201, summary="Subscribe a browser of yours to web push"
)
def subscribe(
    session: SessionDep,
    cfg: SettingsDep,
    who: PersonDep,
    data: SubscriptionCreate,
    user_agent: Annotated[str | None, Header()] = None,
) -> SubscriptionRead:
    row = subscriptions.subscribe(
        session,
        settings=cfg,
        user=who.user,
        endpoint=data.endpoint,
        p256dh=data.keys.p256dh,
        auth=data.keys.auth,
        user_agent=user_agent,
    )
    return SubscriptionRead.model_validate(row, from_attributes=True)


@router.delete(
    "/me/push-subscriptions",
    status_code=204,
    summary="Unsubscribe a browser of yours (by its endpoint); done if it was not subscribed",
)
def unsubscribe(
    session: SessionDep,
    who: PersonDep,
    endpoint: Annotated[str, Query(max_length=MAX_ENDPOINT)],
) -> Response:
    subscriptions.unsubscribe(session, user=who.user, endpoint=endpoint)
    return Response(status_code=204)


@router.post(
    "/push-subscriptions/renew",
    status_code=204,
    summary="A browser's renewed subscription replaces its old one (no login: the proof is"
    " the old one's auth secret)",
    description=(
        "What the service worker sends on `pushsubscriptionchange`: `old` and `new`, each"
        " as `PushSubscription.toJSON()` gives it. When `old` is a known subscription with"
        " that auth secret, `new` takes its place, for the same person and login; otherwise"
        " nothing changes. 204 either way, so that nobody learns which browsers exist."
    ),
)
def renew(session: SessionDep, cfg: SettingsDep, data: SubscriptionRenewal) -> Response:
    subscriptions.renew(
        session,
        settings=cfg,
        old_endpoint=data.old.endpoint,
        old_auth=data.old.keys.auth,
        endpoint=data.new.endpoint,
        p256dh=data.new.keys.p256dh,
        auth=data.new.keys.auth,
    )
    return Response(status_code=204)
