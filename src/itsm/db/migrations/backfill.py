"""Backfills in migrations are not edits: a row's ``updated_at`` keeps its last real change."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op


@contextmanager
def updated_at_kept(table: str) -> Iterator[None]:
    """Turn off ``table``'s ``<table>_set_updated_at`` trigger (0001) while the block runs.

    PostgreSQL disables it in the migration's transaction; SQLite has no such switch,
    so the trigger is dropped and created again from its own stored SQL.
    """
    name = f"{table}_set_updated_at"
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        found = bind.execute(sa.text("SELECT 1 FROM pg_trigger WHERE tgname = :n"), {"n": name})
        if found.first() is None:
            yield
            return
        op.execute(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
        yield
        op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {name}")
        return
    sql = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"), {"n": name}
    ).scalar()
    if sql is None:
        yield
        return
    op.execute(f"DROP TRIGGER {name}")
    yield
    op.execute(sql)
