"""Alembic environment: always driven programmatically by :mod:`itsm.db.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from itsm.db.models import Base

config = context.config
connection = config.attributes["connection"]


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Leave out what the migrations manage by hand: search columns, FTS tables."""
    if name is None:
        return True
    return not (name == "search_vector" or name.endswith("_search") or "_fts" in name)


context.configure(
    connection=connection,
    include_object=include_object,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)

with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        # Two processes upgrading at once: the second waits, then finds nothing to do.
        connection.execute(text("SELECT pg_advisory_xact_lock(712201)"))
    context.run_migrations()
