"""The service report's time logged in a period reads an index only.

``ix_ticket_comments_time_spent``: ``(created_at, author_id, time_spent_minutes)``
of the comments that log time, so that the minutes logged per author in a period
(the report's eighth statement, three times per dashboard computation) no longer
scan every comment.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_ticket_comments_time_spent",
        "ticket_comments",
        ["created_at", "author_id", "time_spent_minutes"],
        postgresql_where=sa.text("time_spent_minutes > 0"),
        sqlite_where=sa.text("time_spent_minutes > 0"),
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_comments_time_spent", table_name="ticket_comments")
