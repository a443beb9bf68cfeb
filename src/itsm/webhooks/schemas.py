"""Validated shapes of webhooks."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from itsm.validation import refuse_nul
from itsm.webhooks.address import MAX_URL_CHARS
from itsm.webhooks.models import WebhookEvent, WebhookFormat


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    url: str = Field(
        min_length=1,
        max_length=MAX_URL_CHARS,
        description="https:// or http:// URL on a public address (webhooks.allow_private).",
    )
    events: list[WebhookEvent] = Field(
        min_length=1, max_length=len(WebhookEvent), description="The events it receives."
    )
    format: WebhookFormat = Field(
        default=WebhookFormat.GENERIC,
        description="generic: signed JSON; slack: {text} for Slack, Mattermost, Rocket.Chat.",
    )

    @field_validator("name", "url")
    @classmethod
    def _text(cls, value: str) -> str:
        value = refuse_nul(value).strip()
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("events")
    @classmethod
    def _unique(cls, value: list[WebhookEvent]) -> list[WebhookEvent]:
        return sorted(set(value), key=list(WebhookEvent).index)


class WebhookRead(BaseModel):
    """A webhook as admins see it: never its secret."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    url: str
    events: list[str]
    format: str
    active: bool
    consecutive_failures: int
    disabled_reason: str | None
    disabled_at: datetime | None
    created_at: datetime


class WebhookCreated(WebhookRead):
    """The answer to adding one: the only time the secret is shown."""

    secret: str


class WebhookTested(BaseModel):
    """What a test delivery got: ``ok`` and the HTTP status or the error."""

    ok: bool
    status: int | None
    detail: str
