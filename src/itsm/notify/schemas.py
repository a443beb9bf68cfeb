"""Pydantic in/out of notifications that more than one door reads: a browser's push
subscription (the API's ``/me/push-subscriptions`` and the web app's ``/push``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from itsm.notify.push_subscriptions import MAX_ENDPOINT


class SubscriptionKeys(BaseModel):
    model_config = ConfigDict(extra="forbid")

    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)


class SubscriptionCreate(BaseModel):
    """``PushSubscription.toJSON()`` as the browser gives it."""

    model_config = ConfigDict(extra="ignore")  # expirationTime and what browsers add later

    endpoint: str = Field(max_length=MAX_ENDPOINT)
    keys: SubscriptionKeys


class SubscriptionRenewal(BaseModel):
    """What the service worker sends on ``pushsubscriptionchange``: the subscription the
    push service dropped and the one that replaces it (both as ``toJSON()`` gives)."""

    model_config = ConfigDict(extra="forbid")

    old: SubscriptionCreate
    new: SubscriptionCreate
