"""Agent token scopes: ``api_tokens.scopes`` (``alerts``, ``reports``, space-separated).

Existing agent tokens keep what they could do: one bound to no host both scopes,
a host-bound one ``reports`` (it was already refused alerts). Personal tokens have
none (``NULL``). The downgrade drops the column: every agent token may send both.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_tokens", sa.Column("scopes", sa.String(length=32), nullable=True))
    op.execute(
        "UPDATE api_tokens SET scopes = 'alerts reports'"
        " WHERE kind = 'agent' AND host_identity IS NULL"
    )
    op.execute(
        "UPDATE api_tokens SET scopes = 'reports' WHERE kind = 'agent' AND host_identity IS NOT NULL"
    )


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN on both databases (SQLite >= 3.35), as 0007 does.
    op.execute("ALTER TABLE api_tokens DROP COLUMN scopes")
