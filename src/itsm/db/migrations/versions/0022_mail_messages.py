"""Email in: ``mail_messages``, the inbound mails already handled.

One row per mail ``itsm mail fetch`` handled, written in the transaction of the
ticket or comment it made: its Message-ID (or a hash), the outcome, the ticket,
the sender and when. The downgrade drops the table (mails would be read again).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_OUTCOMES = "'ticket', 'comment', 'refused', 'ignored', 'quarantined'"


def upgrade() -> None:
    op.create_table(
        "mail_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_key", sa.String(length=255), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("sender", sa.String(length=320), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            f"outcome IN ({_OUTCOMES})", name=op.f("ck_mail_messages_outcome_valid")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_mail_messages_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_messages")),
        sa.UniqueConstraint("message_key", name=op.f("uq_mail_messages_message_key")),
    )
    op.create_index("ix_mail_messages_sender_received", "mail_messages", ["sender", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_mail_messages_sender_received", table_name="mail_messages")
    op.drop_table("mail_messages")
