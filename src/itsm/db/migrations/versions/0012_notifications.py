"""Notifications: the outbox, per-user preferences and in-app notifications.

``notify_outbox`` holds one row per message to one person by one channel, written
in the transaction of the change it tells; the worker delivers and marks it.
``notify_prefs`` holds only the choices people made (no row: the channel's
default). ``notifications`` is what the in-app channel delivered. The downgrade
drops the three tables: undelivered messages are lost with them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_KINDS = (
    "'ticket_created', 'new_ticket', 'assigned', 'comment', 'status', 'reopened', "
    "'sla_warning', 'sla_breach', 'escalated', 'alert_ticket'"
)
_CHANNELS = "'email', 'in_app', 'push'"


def upgrade() -> None:
    op.create_table(
        "notify_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=36), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint(f"kind IN ({_KINDS})", name=op.f("ck_notify_outbox_kind_valid")),
        sa.CheckConstraint(
            f"channel IN ({_CHANNELS})", name=op.f("ck_notify_outbox_channel_valid")
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'sent', 'dead')", name=op.f("ck_notify_outbox_state_valid")
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["users.id"],
            name=op.f("fk_notify_outbox_recipient_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_notify_outbox_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_outbox")),
        sa.UniqueConstraint("token", name=op.f("uq_notify_outbox_token")),
    )
    op.create_index("ix_notify_outbox_state_due", "notify_outbox", ["state", "available_at", "id"])
    op.create_table(
        "notify_prefs",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.CheckConstraint(f"kind IN ({_KINDS})", name=op.f("ck_notify_prefs_kind_valid")),
        sa.CheckConstraint(f"channel IN ({_CHANNELS})", name=op.f("ck_notify_prefs_channel_valid")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notify_prefs_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", "channel", name=op.f("pk_notify_prefs")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("outbox_token", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"kind IN ({_KINDS})", name=op.f("ck_notifications_kind_valid")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_notifications_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("outbox_token", name=op.f("uq_notifications_outbox_token")),
    )
    op.create_index("ix_notifications_user_id_id", "notifications", ["user_id", "id"])


def downgrade() -> None:
    op.drop_table("notifications")
    op.drop_table("notify_prefs")
    op.drop_table("notify_outbox")
