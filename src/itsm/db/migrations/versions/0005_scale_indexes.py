"""Indexes found missing at a million tickets: report periods, a technician's queue.

Plain indexes on ``resolved_at`` and ``closed_at`` (the partial one of 0003 serves
only the auto-close scan), and ``ix_tickets_active_assignee`` for one technician's
active tickets, newest first. See docs/performance.md (ticket_queries).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


ACTIVE = "status IN ('open', 'in_progress', 'pending')"


def upgrade() -> None:
    op.create_index("ix_tickets_resolved", "tickets", ["resolved_at"])
    op.create_index("ix_tickets_closed", "tickets", ["closed_at"])
    op.create_index(
        "ix_tickets_active_assignee",
        "tickets",
        ["assignee_id", "created_at", "id"],
        postgresql_where=sa.text(ACTIVE),
        sqlite_where=sa.text(ACTIVE),
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_active_assignee", table_name="tickets")
    op.drop_index("ix_tickets_closed", table_name="tickets")
    op.drop_index("ix_tickets_resolved", table_name="tickets")
