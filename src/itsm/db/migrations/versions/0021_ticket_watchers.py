"""Ticket watchers: ``ticket_watchers``, the people copied on a ticket (like Cc), and the
audit kinds ``watcher_added`` / ``watcher_removed``.

A watcher sees the ticket as its requester does and is told what the requester is
told. The downgrade drops the table and the audit rows of the new kinds.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

OLD_KINDS = (
    "created",
    "field_changed",
    "status_changed",
    "assigned",
    "commented",
    "sla_warning",
    "sla_breach",
    "merged",
    "linked",
    "rated",
)
NEW_KINDS = (*OLD_KINDS, "watcher_added", "watcher_removed")


def _kinds(kinds: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def upgrade() -> None:
    op.create_table(
        "ticket_watchers",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_watchers_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ticket_watchers_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_ticket_watchers_added_by_id_users")
        ),
        sa.PrimaryKeyConstraint("ticket_id", "user_id", name=op.f("pk_ticket_watchers")),
    )
    op.create_index("ix_ticket_watchers_user", "ticket_watchers", ["user_id", "ticket_id"])
    with op.batch_alter_table("ticket_events") as batch:
        batch.drop_constraint(op.f("ck_ticket_events_kind_valid"), type_="check")
        batch.create_check_constraint("kind_valid", sa.text(_kinds(NEW_KINDS)))


def downgrade() -> None:
    op.execute(f"DELETE FROM ticket_events WHERE NOT ({_kinds(OLD_KINDS)})")
    with op.batch_alter_table("ticket_events") as batch:
        batch.drop_constraint(op.f("ck_ticket_events_kind_valid"), type_="check")
        batch.create_check_constraint("kind_valid", sa.text(_kinds(OLD_KINDS)))
    op.drop_index("ix_ticket_watchers_user", table_name="ticket_watchers")
    op.drop_table("ticket_watchers")
