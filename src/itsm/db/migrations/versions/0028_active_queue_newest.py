"""The "all active" queue newest (or oldest) first, read in order from its own index.

``ix_tickets_active`` leads with the priority rank, so a queue of every active ticket
by creation time was sorted whole for each page (SQLite sorted them all; PostgreSQL
walked ``ix_tickets_created`` past the closed tickets). ``ix_tickets_active_created``
holds only the active tickets, by creation time. A SQLite file analysed before is
analysed again, as 0006 does, so that the planner knows the new index.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

ACTIVE = "status IN ('open', 'in_progress', 'pending')"


def upgrade() -> None:
    op.create_index(
        "ix_tickets_active_created",
        "tickets",
        ["created_at", "id"],
        postgresql_where=sa.text(ACTIVE),
        sqlite_where=sa.text(ACTIVE),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and sa.inspect(bind).has_table("sqlite_stat1"):
        op.execute("ANALYZE tickets")


def downgrade() -> None:
    op.drop_index("ix_tickets_active_created", table_name="tickets")
