"""ORM models of API tokens and failed logins."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from itsm.db.base import Base, UTCDateTime, enum_check


class TokenKind(StrEnum):
    PERSONAL = "personal"  # acts as its owner, with the owner's role
    AGENT = "agent"  # may only send diagnostic reports and Alertmanager alerts, as scoped


class TokenScope(StrEnum):
    """What an agent token may send (a person's token: whatever its owner's role may)."""

    ALERTS = "alerts"  # Alertmanager's webhook
    REPORTS = "reports"  # diagnostic reports


class ApiToken(Base):
    """A bearer token; only the SHA-256 of the secret is stored, the secret is shown once."""

    __tablename__ = "api_tokens"
    __table_args__ = (enum_check("kind", TokenKind),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # An agent token bound to one machine: the identity its reports must carry, as the
    # inventory stores it (``machine-id:…``, ``dmi:…`` or ``hostname:…``); None: any host.
    host_identity: Mapped[str | None] = mapped_column(String(128))
    # An agent token's scopes, space-separated (``alerts reports``); None: a personal token.
    scopes: Mapped[str | None] = mapped_column(String(32))


class LoginFailure(Base):
    """One failed login, kept for the throttling window; shared by every API worker."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username_at", "username", "at"),
        Index("ix_login_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    address: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class WebSession(Base):
    """A browser's login: the cookie holds a secret whose SHA-256 is stored here, with
    the session's CSRF token. Ends when revoked (logout, a password change), after
    ``web.session_idle_minutes`` unused, or at ``expires_at`` whatever the use."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    address: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
