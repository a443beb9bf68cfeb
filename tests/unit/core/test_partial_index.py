"""Partial indexes: one declaration, a predicate on both databases, SQLite without PG."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import Column, Dialect, Index, Integer, MetaData, String, Table
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateIndex

from itsm.db.base import Base
from itsm.db.partial_index import enable_postgresql, partial_index
from itsm.tickets import models as _models  # noqa: F401  (registers the tickets table)

POSTGRESQL: Dialect = make_url("postgresql+psycopg://").get_dialect()()
SQLITE: Dialect = make_url("sqlite://").get_dialect()()
TICKETS = Base.metadata.tables["tickets"]


def _ddl(index: Index, dialect: Dialect) -> str:
    return str(CreateIndex(index).compile(dialect=dialect))


def test_ticket_partial_indexes_carry_their_predicate_on_both_databases() -> None:
    enable_postgresql()
    index = next(i for i in TICKETS.indexes if i.name == "uq_tickets_active_fingerprint")
    for dialect in (POSTGRESQL, SQLITE):
        ddl = _ddl(index, dialect)
        assert ddl.startswith("CREATE UNIQUE INDEX uq_tickets_active_fingerprint ON tickets")
        assert ddl.endswith(
            "WHERE fingerprint IS NOT NULL AND status IN ('open', 'in_progress', 'pending')"
        )


def test_an_index_declared_after_enabling_gets_the_postgresql_predicate() -> None:
    enable_postgresql()
    table = Table("t", MetaData(), Column("id", Integer), Column("state", String))
    index = partial_index("ix_t_open", table.c.id, where="state = 'open'")
    assert _ddl(index, POSTGRESQL).endswith("WHERE state = 'open'")
    assert _ddl(index, SQLITE).endswith("WHERE state = 'open'")


def test_importing_the_models_and_a_sqlite_engine_leaves_postgresql_unloaded() -> None:
    code = (
        "import sys\n"
        "from itsm.config import Settings\n"
        "from itsm.db.engine import build_engine\n"
        "import itsm.tickets.creation, itsm.diagnostics.service\n"
        "from sqlalchemy.orm import configure_mappers\n"
        "configure_mappers()\n"
        "engine = build_engine(Settings(database_url='sqlite://'))\n"
        "engine.connect().close()\n"
        "print(sorted(m for m in sys.modules if 'dialects.postgresql' in m))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
