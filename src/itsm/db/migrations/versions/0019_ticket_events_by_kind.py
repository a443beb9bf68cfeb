"""An index on the audit trail by kind and time: ``ix_ticket_events_kind_at``.

The dashboard counts the SLA breaches since midnight (``ticket_events`` of kind
``sla_breach``) on every computation; without it that count read the whole trail.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ticket_events_kind_at", "ticket_events", ["kind", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_ticket_events_kind_at", table_name="ticket_events")
