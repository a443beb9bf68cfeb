"""Imported tickets remember their source system's id: ``tickets.external_id``.

Nullable (tickets made in itsm have none) and unique when present, so importing
the same file again finds its rows instead of duplicating them. Existing tickets
get ``NULL``; the downgrade drops the ids.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("external_id", sa.String(length=100), nullable=True))
    # NULLs never collide in a unique index, on both databases.
    op.create_index("uq_tickets_external_id", "tickets", ["external_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_tickets_external_id", table_name="tickets")
    # Plain ALTER TABLE ... DROP COLUMN on both databases (SQLite >= 3.35), as 0003 does.
    op.execute("ALTER TABLE tickets DROP COLUMN external_id")
