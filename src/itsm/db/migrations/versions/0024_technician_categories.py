"""Technicians' categories: ``technician_categories`` (user, category), the ticket
categories a technician works on. A technician with none is told of every category,
so existing installations notify as before.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

CATEGORIES = ("hardware", "software", "network", "account", "other")


def upgrade() -> None:
    op.create_table(
        "technician_categories",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "category IN (" + ", ".join(f"'{c}'" for c in CATEGORIES) + ")",
            name=op.f("ck_technician_categories_category_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_technician_categories_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "category", name=op.f("pk_technician_categories")),
    )


def downgrade() -> None:
    op.drop_table("technician_categories")
