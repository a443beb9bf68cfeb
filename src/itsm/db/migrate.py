"""Schema migrations (Alembic, shipped in the package) run from code, not an ini file."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from itsm.errors import DatabaseNotMigrated

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.connect() as conn:
        command.upgrade(_config(conn), revision)
        conn.commit()


def downgrade(engine: Engine, revision: str) -> None:
    with engine.connect() as conn:
        command.downgrade(_config(conn), revision)
        conn.commit()


def require_current(engine: Engine) -> None:
    """Refuse to work on a database whose schema is not the one this code expects."""
    current = current_revision(engine)
    head = head_revision()
    if current != head:
        state = "has no itsm schema" if current is None else f"is at revision {current}"
        raise DatabaseNotMigrated(
            f"the database {state}, this itsm needs {head}; run 'itsm db upgrade'"
        )
