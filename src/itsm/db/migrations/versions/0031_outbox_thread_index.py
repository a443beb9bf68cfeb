"""The outbox's thread index names the channel and state too: the email channel's
look-up of a message's previous sent email to the same person is then one index
probe, where it stepped over every message of that thread not yet sent (a backlog
of a few thousand made each look-up read them all).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-08
"""

from __future__ import annotations

from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_notify_outbox_thread", table_name="notify_outbox")
    op.create_index(
        "ix_notify_outbox_thread",
        "notify_outbox",
        ["ticket_id", "recipient_id", "channel", "state", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_notify_outbox_thread", table_name="notify_outbox")
    op.create_index("ix_notify_outbox_thread", "notify_outbox", ["ticket_id", "recipient_id", "id"])
