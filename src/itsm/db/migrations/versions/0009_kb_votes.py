"""Knowledge-base votes: ``kb_votes``, one per person and article, changeable.

An article's ``helpful_yes`` / ``helpful_no`` become counts of these rows, recounted
by every vote; no code could change them before, so existing articles keep their
zeros. The downgrade drops the votes and keeps the counts they left.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["knowledge_base.id"],
            name=op.f("fk_kb_votes_article_id_knowledge_base"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_kb_votes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_votes")),
        sa.UniqueConstraint("article_id", "user_id", name=op.f("uq_kb_votes_article_id")),
    )
    op.create_index(op.f("ix_kb_votes_user_id"), "kb_votes", ["user_id"])


def downgrade() -> None:
    op.drop_table("kb_votes")
