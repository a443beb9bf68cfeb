"""Outgoing webhooks: the ``webhooks`` table, and outbox rows addressed to one.

An outbox row now goes to a person (``recipient_id``) or to a webhook
(``webhook_id``), exactly one of the two (a CHECK), by the new channel
``webhook``. Existing rows are all people's and stay as they are. An index on
(ticket, recipient, id) serves the email channel's look-up of a message's previous
one. The downgrade drops the webhooks with their undelivered rows.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

_OLD_CHANNELS = "channel IN ('email', 'in_app', 'push')"
_NEW_CHANNELS = "channel IN ('email', 'in_app', 'push', 'webhook')"


def upgrade() -> None:
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("format IN ('generic', 'slack')", name=op.f("ck_webhooks_format_valid")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_webhooks_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
        sa.UniqueConstraint("name", name=op.f("uq_webhooks_name")),
    )
    # SQLite rebuilds the table (batch): nullability and CHECKs cannot be altered there.
    with op.batch_alter_table("notify_outbox") as batch:
        batch.alter_column("recipient_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("webhook_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_notify_outbox_webhook_id_webhooks"),
            "webhooks",
            ["webhook_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.drop_constraint(op.f("ck_notify_outbox_channel_valid"), type_="check")
        batch.create_check_constraint("channel_valid", sa.text(_NEW_CHANNELS))
        batch.create_check_constraint(
            "one_addressee", sa.text("(recipient_id IS NULL) <> (webhook_id IS NULL)")
        )
        batch.create_index("ix_notify_outbox_webhook_id", ["webhook_id"])
        # The email channel reads each message's previous one in its thread: without it,
        # a scan of the whole outbox per email.
        batch.create_index("ix_notify_outbox_thread", ["ticket_id", "recipient_id", "id"])


def downgrade() -> None:
    op.execute("DELETE FROM notify_outbox WHERE webhook_id IS NOT NULL")
    with op.batch_alter_table("notify_outbox") as batch:
        batch.drop_index("ix_notify_outbox_thread")
        batch.drop_index("ix_notify_outbox_webhook_id")
        batch.drop_constraint(op.f("ck_notify_outbox_one_addressee"), type_="check")
        batch.drop_constraint(op.f("ck_notify_outbox_channel_valid"), type_="check")
        batch.create_check_constraint("channel_valid", sa.text(_OLD_CHANNELS))
        batch.drop_constraint(op.f("fk_notify_outbox_webhook_id_webhooks"), type_="foreignkey")
        batch.drop_column("webhook_id")
        batch.alter_column("recipient_id", existing_type=sa.Integer(), nullable=False)
    op.drop_table("webhooks")
