"""Agent tokens bound to one host: ``api_tokens.host_identity``.

The machine identity a bound token's reports must carry (``machine-id:<id>``,
``dmi:<uuid>`` or ``hostname:<name>``); ``NULL``, as existing tokens get, means any
host. The downgrade drops the bindings; the tokens stay valid for any host.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_tokens", sa.Column("host_identity", sa.String(length=128), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN on both databases (SQLite >= 3.35), as 0003 does.
    op.execute("ALTER TABLE api_tokens DROP COLUMN host_identity")
