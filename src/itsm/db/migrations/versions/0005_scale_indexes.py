"""Indexes found missing at a million tickets: report periods, a technician's queue.

``ix_tickets_resolved_at`` (0003) is partial, ``status = 'resolved'``: it serves
the auto-close scan but not "resolved in the period" (closed tickets keep their
``resolved_at``), and nothing indexed ``closed_at``: plain indexes on both, so
that "closed in the last 30 days" is an index range scan, not a full scan.

``ix_tickets_active_assignee``: one technician's active tickets, newest first
(``itsm ticket list --assignee X --active``), read in order from the index
instead of sorting all of that technician's active tickets for every page.
See docs/performance.md (service_report, ticket_queries).

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
