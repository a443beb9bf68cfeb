"""Active queues by priority: the unassigned queue and a technician's, read in order.

``ix_tickets_active_assignee_priority`` serves a technician's queue (and SQLite's
unassigned one); PostgreSQL reads no index in order past an ``IS NULL`` column, so
``ix_tickets_active_unassigned`` has that condition in its predicate. A SQLite file
analysed before is analysed again: with statistics for the old indexes only, SQLite
sorted a technician's whole queue instead of using the new index.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


ACTIVE = "status IN ('open', 'in_progress', 'pending')"
UNASSIGNED = f"{ACTIVE} AND assignee_id IS NULL"


def upgrade() -> None:
    op.create_index(
        "ix_tickets_active_unassigned",
        "tickets",
        ["priority_rank", "created_at", "id"],
        postgresql_where=sa.text(UNASSIGNED),
        sqlite_where=sa.text(UNASSIGNED),
    )
    op.create_index(
        "ix_tickets_active_assignee_priority",
        "tickets",
        ["assignee_id", "priority_rank", "created_at", "id"],
        postgresql_where=sa.text(ACTIVE),
        sqlite_where=sa.text(ACTIVE),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and sa.inspect(bind).has_table("sqlite_stat1"):
        op.execute("ANALYZE tickets")


def downgrade() -> None:
    op.drop_index("ix_tickets_active_assignee_priority", table_name="tickets")
    op.drop_index("ix_tickets_active_unassigned", table_name="tickets")
