"""A merge copy's origin in its own column: ``ticket_comments.copied_from``.

A merge copied each comment of the duplicate into the target with its body prefixed
``[from TKT-…] ``; the full-text index then held the other ticket's number, so an end
user's search for its parts (``0005``) found their ticket through a ticket they may
not open. The origin now lives in ``copied_from`` (the number of the ticket the
comment was written on), outside the searched body. Existing copies are moved over:
the prefix is parsed out of the body, in batches by id. The downgrade puts it back.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BATCH = 5000
_PREFIX = re.compile(r"\[from (TKT-\d{8}-\d{4,})\] (.+)\Z", re.ASCII | re.DOTALL)
_comments = sa.table(
    "ticket_comments",
    sa.column("id", sa.Integer()),
    sa.column("body", sa.Text()),
    sa.column("copied_from", sa.String()),
)


def upgrade() -> None:
    op.add_column("ticket_comments", sa.Column("copied_from", sa.String(length=32), nullable=True))
    conn = op.get_bind()
    c = _comments.c
    after = 0
    while True:
        # Keyset batches over the primary key; the LIKE only narrows what is read.
        rows = conn.execute(
            sa.select(c.id, c.body)
            .where(c.id > after, c.body.like("[from TKT-%"))
            .order_by(c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        after = rows[-1].id
        moved = [
            {"row_id": row.id, "origin": m.group(1), "rest": m.group(2)}
            for row in rows
            if (m := _PREFIX.match(row.body)) is not None
        ]
        if moved:
            conn.execute(
                _comments.update()
                .where(c.id == sa.bindparam("row_id"))
                .values(copied_from=sa.bindparam("origin"), body=sa.bindparam("rest")),
                moved,
            )


def downgrade() -> None:
    c = _comments.c
    op.execute(
        _comments.update()
        .where(c.copied_from.is_not(None))
        .values(body="[from " + c.copied_from + "] " + c.body)
    )
    # Plain ALTER TABLE ... DROP COLUMN on both databases (SQLite >= 3.35), as 0007 does.
    op.execute("ALTER TABLE ticket_comments DROP COLUMN copied_from")
