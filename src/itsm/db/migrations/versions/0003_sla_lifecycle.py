"""SLA clock and lifecycle: warning times, pause, breach flags, resolution note,
merges, related-ticket links, satisfaction timestamp, new audit event kinds.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OLD_KINDS = ("created", "field_changed", "status_changed", "assigned", "commented")
NEW_KINDS = (*OLD_KINDS, "sla_warning", "sla_breach", "merged", "linked", "rated")
FLAGS = (
    "first_response_warned",
    "first_response_breached",
    "resolution_warned",
    "resolution_breached",
)


def _kinds(kinds: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def upgrade() -> None:
    for name in (
        "satisfaction_rated_at",
        "first_response_warn_at",
        "resolution_warn_at",
        "sla_paused_at",
    ):
        op.add_column("tickets", sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    for name in FLAGS:
        op.add_column(
            "tickets",
            sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False),
        )
    op.add_column("tickets", sa.Column("resolution_note", sa.Text(), nullable=True))
    # What `itsm sla tick` scans: running clocks of active tickets.
    active = "status IN ('open', 'in_progress')"
    op.create_index(
        "ix_tickets_sla_resolution",
        "tickets",
        ["resolution_warn_at"],
        postgresql_where=sa.text(active),
        sqlite_where=sa.text(active),
    )
    op.create_index(
        "ix_tickets_sla_first_response",
        "tickets",
        ["first_response_warn_at"],
        postgresql_where=sa.text(f"{active} AND first_response_at IS NULL"),
        sqlite_where=sa.text(f"{active} AND first_response_at IS NULL"),
    )
    op.create_index(
        "ix_tickets_resolved_at",
        "tickets",
        ["resolved_at"],
        postgresql_where=sa.text("status = 'resolved'"),
        sqlite_where=sa.text("status = 'resolved'"),
    )
    op.create_table(
        "ticket_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('related', 'merged_into')", name=op.f("ck_ticket_links_kind_valid")
        ),
        sa.CheckConstraint("ticket_id <> other_id", name=op.f("ck_ticket_links_distinct_tickets")),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_ticket_links_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["other_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_links_other_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_links_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_links")),
    )
    op.create_index(
        "uq_ticket_links_pair", "ticket_links", ["ticket_id", "other_id", "kind"], unique=True
    )
    op.create_index("ix_ticket_links_other", "ticket_links", ["other_id"])
    with op.batch_alter_table("ticket_events") as batch:
        batch.drop_constraint(op.f("ck_ticket_events_kind_valid"), type_="check")
        batch.create_check_constraint("kind_valid", sa.text(_kinds(NEW_KINDS)))


def downgrade() -> None:
    op.execute(f"DELETE FROM ticket_events WHERE NOT ({_kinds(OLD_KINDS)})")
    with op.batch_alter_table("ticket_events") as batch:
        batch.drop_constraint(op.f("ck_ticket_events_kind_valid"), type_="check")
        batch.create_check_constraint("kind_valid", sa.text(_kinds(OLD_KINDS)))
    op.drop_table("ticket_links")
    op.drop_index("ix_tickets_resolved_at", table_name="tickets")
    op.drop_index("ix_tickets_sla_first_response", table_name="tickets")
    op.drop_index("ix_tickets_sla_resolution", table_name="tickets")
    for name in (
        "resolution_note",
        *FLAGS,
        "sla_paused_at",
        "resolution_warn_at",
        "first_response_warn_at",
        "satisfaction_rated_at",
    ):
        # Plain ALTER TABLE ... DROP COLUMN on both databases: a batch rebuild of
        # tickets on SQLite would lose its generated column, triggers and FTS sync.
        op.execute(f"ALTER TABLE tickets DROP COLUMN {name}")
