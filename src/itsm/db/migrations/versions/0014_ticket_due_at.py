"""The queue by SLA due time: ``tickets.due_at`` and its index.

``due_at`` is the due time of the clock that runs next (``itsm.sla.due``): first
response until someone has responded, then resolution; ``NULL`` while no clock runs
(pending, resolved, closed, no SLA). Existing tickets get it from their stored due
times. ``ix_tickets_due`` holds only tickets with a running clock, in due order:
the queue by due time, and its due-soon and breached slices, are read from it. A
SQLite file analysed before is analysed again, as 0006 does, so that the planner
knows the new index.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from itsm.db.migrations.backfill import updated_at_kept

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# The rule of itsm.sla.due as it stands at this revision, in SQL.
BACKFILL = """
UPDATE tickets SET due_at = CASE
    WHEN first_response_at IS NULL AND first_response_due_at IS NOT NULL
        THEN first_response_due_at
    ELSE resolution_due_at
END
WHERE status IN ('open', 'in_progress') AND sla_paused_at IS NULL
"""


def upgrade() -> None:
    op.add_column("tickets", sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
    with updated_at_kept("tickets"):  # a due time filled in is not an edit
        op.execute(BACKFILL)
    op.create_index(
        "ix_tickets_due",
        "tickets",
        ["due_at", "id"],
        postgresql_where=sa.text("due_at IS NOT NULL"),
        sqlite_where=sa.text("due_at IS NOT NULL"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and sa.inspect(bind).has_table("sqlite_stat1"):
        op.execute("ANALYZE tickets")


def downgrade() -> None:
    op.drop_index("ix_tickets_due", table_name="tickets")
    # Plain ALTER TABLE ... DROP COLUMN on both databases (SQLite >= 3.35), as 0003 does.
    op.execute("ALTER TABLE tickets DROP COLUMN due_at")
