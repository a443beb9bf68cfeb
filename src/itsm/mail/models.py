"""Inbound mails already handled: one row per mail, written with what it caused.

The row is the mail's "done" mark: it commits with the ticket or comment the mail
made, so a mail seen again (a crash before it was moved) is only moved. A mail is
known by its Message-ID *and* its fingerprint (sender and body): some senders reuse
an id for different mails, which must not be taken for one already handled.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from itsm.db.base import Base, UTCDateTime, enum_check, utcnow

#: Longest Message-ID kept as it is; a longer one is kept as its SHA-256.
KEY_CHARS = 255


def id_key(message_id: str) -> str:
    """A Message-ID as ``message_key`` holds it: itself, or its ``sha256:`` when longer
    than the column (what threading must compare too)."""
    if len(message_id) > KEY_CHARS:
        return "sha256:" + hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()
    return message_id


class Outcome(StrEnum):
    TICKET = "ticket"  # opened a ticket
    COMMENT = "comment"  # became a comment on a ticket
    REFUSED = "refused"  # an unknown sender, told so once
    IGNORED = "ignored"  # automatic, over the sender's rate, or nothing to do
    QUARANTINED = "quarantined"  # malformed: moved aside for a person


class MailMessage(Base):
    __tablename__ = "mail_messages"
    __table_args__ = (
        enum_check("outcome", Outcome),
        Index("ix_mail_messages_sender_received", "sender", "received_at"),
        # Its leading column serves the look-ups by Message-ID (threading, "handled?").
        UniqueConstraint(
            "message_key", "fingerprint", name="uq_mail_messages_message_key_fingerprint"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The Message-ID (no angle brackets), its ``sha256:`` when long, or ``raw-sha256:``
    #: of the bytes for a mail without one.
    message_key: Mapped[str] = mapped_column(String(KEY_CHARS), nullable=False)
    #: SHA-256 of the sender and the body: a true duplicate has the same, a different
    #: mail reusing the id another ('' on rows from before migration 0027: any).
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False, server_default="")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    #: The sender's address, lower case (the rate limit counts by it).
    sender: Mapped[str | None] = mapped_column(String(320))
    #: The mail's To and Cc addresses, lower case, one a line: who may thread a reply
    #: to it by its Message-ID (only they were told it).
    recipients: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
