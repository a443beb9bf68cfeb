"""Email in, closer: a handled mail is known by its Message-ID and a fingerprint,
its recipients are kept, and people are found by ``lower(email)`` through an index.

``mail_messages`` gains ``fingerprint`` (SHA-256 of the sender and the body; '' on
existing rows, which then match any mail with their id, as before) and
``recipients`` (To and Cc, one a line; null on existing rows: nobody copied on them
is made a watcher by a reply to them); its unique key becomes (message_key,
fingerprint), so a different mail reusing an id is taken. ``users`` gains
``ix_users_email_lower``. The downgrade keeps one row per id (the oldest) to put the
old unique key back.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite changes a unique constraint only by copying the table.
    with op.batch_alter_table("mail_messages") as batch:
        batch.add_column(
            sa.Column("fingerprint", sa.String(length=64), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("recipients", sa.Text(), nullable=True))
        batch.drop_constraint(op.f("uq_mail_messages_message_key"), type_="unique")
        batch.create_unique_constraint(
            "uq_mail_messages_message_key_fingerprint", ["message_key", "fingerprint"]
        )
    op.create_index("ix_users_email_lower", "users", [sa.text("lower(email)")])


def downgrade() -> None:
    op.drop_index("ix_users_email_lower", table_name="users")
    op.execute(
        "DELETE FROM mail_messages WHERE id NOT IN"
        " (SELECT min(id) FROM mail_messages GROUP BY message_key)"
    )
    with op.batch_alter_table("mail_messages") as batch:
        batch.drop_constraint("uq_mail_messages_message_key_fingerprint", type_="unique")
        batch.create_unique_constraint(op.f("uq_mail_messages_message_key"), ["message_key"])
        batch.drop_column("recipients")
        batch.drop_column("fingerprint")
