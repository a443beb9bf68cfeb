"""System accounts are marked on the user row: ``users.system``.

The diagnostics agent's account was recognised by the setting
``diagnostics.tickets.agent_username`` alone, so changing the setting listed the old
account among people again. It is now a flag: the account the agent made for itself
(``itsm-agent`` by default, or any named "Diagnostics agent" without a password, as
the agent creates it) gets it.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from itsm.db.migrations.backfill import updated_at_kept

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("system", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    with updated_at_kept("users"):  # a flag filled in is not an edit
        op.execute(
            "UPDATE users SET system = true WHERE username = 'itsm-agent'"
            " OR (full_name = 'Diagnostics agent' AND password_hash IS NULL)"
        )


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN on both databases (SQLite >= 3.35), as 0014 does.
    op.execute("ALTER TABLE users DROP COLUMN system")
