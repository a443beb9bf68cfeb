"""Active queues by priority: the unassigned queue and a technician's, read in order.

Without these, the dispatcher's queue (``itsm ticket list --active --unassigned
--sort priority``, with category or priority filters on top) read every
unassigned active ticket (~20,000 of 1,000,000) and sorted them for each page,
on both databases; a technician's queue by priority sorted all of theirs.

``ix_tickets_active_assignee_priority (assignee_id, priority_rank, created_at,
id) WHERE active``: a technician's queue by priority; on SQLite also the
unassigned queue, as SQLite reads ``assignee_id IS NULL`` as an equality on the
index's first column (and picks this index even without ``ANALYZE`` statistics).

``ix_tickets_active_unassigned (priority_rank, created_at, id) WHERE active AND
assignee_id IS NULL``: the unassigned queue on PostgreSQL, which cannot read an
index in the order of the columns after one tested with ``IS NULL``, and so
needs the condition in the index's predicate instead.

On SQLite, a database analysed before (``sqlite_stat1`` exists) is analysed
again for ``tickets``: with statistics for the old indexes and none for the
new ones, SQLite sorted a technician's whole active queue (31 ms instead of
2 ms at a million tickets). ``ANALYZE tickets`` takes a few seconds there.

See docs/performance.md (ticket_queries).

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
