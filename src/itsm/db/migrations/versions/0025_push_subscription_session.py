"""Web push subscriptions tied to the web login that made them: ``web_session_id``
(``web_sessions``, deleted with it), so a logout forgets the browser and the next
person on a shared computer is not sent the previous one's notifications.

Existing rows keep a null session (as subscriptions made through the API do): they
stay until switched off, as before. The downgrade drops the column only.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite adds a foreign key only by copying the table.
    with op.batch_alter_table("push_subscriptions") as batch:
        batch.add_column(sa.Column("web_session_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_push_subscriptions_web_session_id_web_sessions"),
            "web_sessions",
            ["web_session_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index("ix_push_subscriptions_web_session_id", ["web_session_id"])


def downgrade() -> None:
    with op.batch_alter_table("push_subscriptions") as batch:
        batch.drop_index("ix_push_subscriptions_web_session_id")
        batch.drop_constraint(
            op.f("fk_push_subscriptions_web_session_id_web_sessions"), type_="foreignkey"
        )
        batch.drop_column("web_session_id")
