"""ORM models of the notifications outbox, per-user preferences and in-app notifications."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from itsm.db.base import Base, UTCDateTime, enum_check, utcnow


class NotifyKind(StrEnum):
    """What a person is told about (one preference each, per channel)."""

    TICKET_CREATED = "ticket_created"  # the requester's confirmation, with the number
    NEW_TICKET = "new_ticket"  # staff: a new unassigned ticket
    ASSIGNED = "assigned"  # "assigned to you"
    COMMENT = "comment"  # a public comment by staff / a comment by the requester
    STATUS = "status"  # pending / resolved (with the rating link)
    REOPENED = "reopened"
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    ESCALATED = "escalated"
    ALERT_TICKET = "alert_ticket"  # a diagnostics or alert ticket opened


class Channel(StrEnum):
    EMAIL = "email"
    IN_APP = "in_app"
    PUSH = "push"


class OutboxChannel(StrEnum):
    """What an outbox row goes by: a person's channels, or a webhook."""

    EMAIL = "email"
    IN_APP = "in_app"
    PUSH = "push"
    WEBHOOK = "webhook"


class OutboxState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


class OutboxMessage(Base):
    """One message to one person by one channel, or to one webhook, written in the
    changing transaction."""

    __tablename__ = "notify_outbox"
    __table_args__ = (
        enum_check("kind", NotifyKind),
        enum_check("channel", OutboxChannel),
        CheckConstraint("(recipient_id IS NULL) <> (webhook_id IS NULL)", name="one_addressee"),
        enum_check("state", OutboxState),
        Index("ix_notify_outbox_state_due", "state", "available_at", "id"),
        # An email's previous sent message of its ticket to the same person (its thread).
        Index("ix_notify_outbox_thread", "ticket_id", "recipient_id", "channel", "state", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Stable identity of the message (email ``Message-ID``, idempotent delivery).
    token: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    webhook_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhooks.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    #: What the channel needs to write the text (kind-specific facts, ids only).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, server_default=func.now()
    )
    #: Not to be tried before this time (the retry backoff).
    available_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)


class NotifyEvent(Base):
    """A ticket event still to be told, written in the changing transaction: the facts of
    that moment. The worker turns it into :class:`OutboxMessage` rows, one per recipient
    and channel, and deletes it in the same transaction (:mod:`itsm.notify.fanout`)."""

    __tablename__ = "notify_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)  # the audit event kind
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False
    )
    internal: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    actor_id: Mapped[int | None] = mapped_column(Integer)  # None: the system
    status: Mapped[str | None] = mapped_column(String(32))  # status_changed: the new one
    previous_status: Mapped[str | None] = mapped_column(String(32))
    #: An SLA breach of the ticket in the same transaction (an assignment is an escalation).
    breached: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # The ticket as the change left it.
    requester_id: Mapped[int | None] = mapped_column(Integer)
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class NotifyPref(Base):
    """A person's choice for one kind and channel; no row means the default."""

    __tablename__ = "notify_prefs"
    __table_args__ = (enum_check("kind", NotifyKind), enum_check("channel", Channel))

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False)


class Notification(Base):
    """An in-app notification: what the in-app channel delivered, read or not."""

    __tablename__ = "notifications"
    __table_args__ = (
        enum_check("kind", NotifyKind),
        Index("ix_notifications_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    #: One notification per outbox message, however often delivery is tried.
    outbox_token: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, server_default=func.now()
    )
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PushSubscription(Base):
    """A browser that receives web push for a person (the Push API's ``PushSubscription``).

    The endpoint is the push service's address for that browser: one browser, one row,
    whoever switched it on last. One switched on from the web app lives as long as that
    login (``web_session_id``): a logout, or the session's end, forgets it, so the next
    person on a shared browser is not sent the previous one's notifications.
    """

    __tablename__ = "push_subscriptions"
    __table_args__ = (
        Index("ix_push_subscriptions_user_id", "user_id"),
        Index("ix_push_subscriptions_web_session_id", "web_session_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    #: The web login that switched it on; None: through the API (a token, no session).
    web_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("web_sessions.id", ondelete="CASCADE")
    )
    endpoint: Mapped[str] = mapped_column(String(2048), nullable=False, unique=True)
    #: The browser's P-256 public key and auth secret (base64url), for RFC 8291 encryption.
    p256dh: Mapped[str] = mapped_column(String(100), nullable=False)
    auth: Mapped[str] = mapped_column(String(50), nullable=False)
    user_agent: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, server_default=func.now()
    )
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
