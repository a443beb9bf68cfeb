"""Backfills in migrations are not edits: a row's ``updated_at`` keeps its last real change."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
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


def refill_search_terms(
    table: str, sources: Sequence[str], terms: Callable[..., str | None], *, batch: int = 5000
) -> None:
    """Each row's ``search_terms`` made again by ``terms`` from its ``sources`` columns,
    in keyset batches by id; only rows whose terms change are written (a write
    re-indexes the row)."""
    rows_of = sa.table(
        table, sa.column("id"), sa.column("search_terms"), *(sa.column(c) for c in sources)
    )
    conn = op.get_bind()
    after = 0
    while rows := conn.execute(
        sa.select(rows_of).where(rows_of.c.id > after).order_by(rows_of.c.id).limit(batch)
    ).all():
        after = rows[-1].id
        changed = [
            {"row_id": r.id, "terms": made}
            for r in rows
            if (made := terms(*(getattr(r, c) for c in sources))) != r.search_terms
        ]
        if changed:
            conn.execute(
                rows_of.update()
                .where(rows_of.c.id == sa.bindparam("row_id"))
                .values(search_terms=sa.bindparam("terms")),
                changed,
            )
