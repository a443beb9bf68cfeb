"""ORM model of a webhook: where ticket events are posted, and how it is doing."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from itsm.db.base import Base, UTCDateTime, enum_check, utcnow


class WebhookEvent(StrEnum):
    """What a webhook can subscribe to (the ``X-Itsm-Event`` header). Internal notes
    and other internal events are never among them."""

    CREATED = "ticket.created"
    ASSIGNED = "ticket.assigned"
    COMMENTED = "ticket.commented"  # public comments only
    STATUS_CHANGED = "ticket.status_changed"
    REOPENED = "ticket.reopened"
    SLA_WARNING = "ticket.sla_warning"
    SLA_BREACH = "ticket.sla_breach"
    ESCALATED = "ticket.escalated"


class WebhookFormat(StrEnum):
    GENERIC = "generic"  # signed JSON
    SLACK = "slack"  # {"text": ...}: Slack, Mattermost and Rocket.Chat incoming webhooks


class Webhook(Base):
    __tablename__ = "webhooks"
    __table_args__ = (enum_check("format", WebhookFormat),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    url: Mapped[str] = mapped_column(Text, nullable=False)
    #: ``WebhookEvent`` values the webhook receives.
    events: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    #: The HMAC key; shown once when made, never listed or logged afterwards.
    secret: Mapped[str] = mapped_column(String(64), nullable=False)
    format: Mapped[str] = mapped_column(String(16), nullable=False, default=WebhookFormat.GENERIC)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow, server_default=func.now()
    )
