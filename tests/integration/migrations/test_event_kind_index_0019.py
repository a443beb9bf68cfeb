"""0019 on both databases: the audit trail's index by kind and time comes and goes, and
the dashboard's count of SLA breaches since midnight reads it instead of the whole trail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, inspect, text
from sqlalchemy.orm import Session

from itsm.config import Settings
from itsm.db import migrate
from itsm.db.engine import build_engine
from itsm.tickets import queries
from tests.integration.migrations import seed

INDEX = "ix_ticket_events_kind_at"
AT = "2026-12-01 10:00:00.000000"


@pytest.fixture
def engine(empty_db_url: str) -> Iterator[Engine]:
    engine = build_engine(Settings(database_url=empty_db_url))
    yield engine
    engine.dispose()


def _indexes(engine: Engine) -> set[str]:
    return {str(ix["name"]) for ix in inspect(engine).get_indexes("ticket_events")}


def _breaches_plan(engine: Engine) -> str:
    """The plan of the statement ``queries.breaches_since`` runs."""
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cur: Any, statement: str, params: Any, *_rest: Any) -> None:
        seen.append((statement, params))

    with engine.connect() as conn:
        event.listen(conn, "before_cursor_execute", keep)
        queries.breaches_since(Session(bind=conn), since=datetime(2026, 12, 1, tzinfo=UTC))
        event.remove(conn, "before_cursor_execute", keep)
        statement, params = next((s, p) for s, p in seen if "ticket_events" in s)
        raw = conn.connection.dbapi_connection
        assert raw is not None
        explain = "EXPLAIN QUERY PLAN" if engine.dialect.name == "sqlite" else "EXPLAIN"
        cursor = raw.cursor()
        cursor.execute(f"{explain} {statement}", params)
        return "\n".join(str(r[-1]) for r in cursor.fetchall())


def test_0019_indexes_the_trail_by_kind_for_the_breach_count(engine: Engine) -> None:
    migrate.upgrade(engine, "0018")
    assert INDEX not in _indexes(engine)
    with engine.begin() as conn:  # a trail long enough that an index pays on PostgreSQL
        seed.user(conn, 1, "ana", role="technician", at=AT)
        conn.execute(
            text(
                "INSERT INTO tickets (id, number, title, description, category, priority,"
                " status, source, requester_id, created_at, updated_at) VALUES (1,"
                " 'TKT-20261201-0001', 't', 'd', 'other', 'low', 'open', 'cli', 1, :at, :at)"
            ),
            {"at": AT},
        )
        conn.execute(
            text(
                "INSERT INTO ticket_events (ticket_id, actor_id, kind, created_at)"
                " VALUES (1, 1, :kind, :at)"
            ),
            [
                {"kind": "sla_breach" if n % 500 == 0 else "commented", "at": AT}
                for n in range(5000)
            ],
        )
    migrate.upgrade(engine, "0019")
    assert INDEX in _indexes(engine)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE ticket_events"))
    assert INDEX in _breaches_plan(engine)
    migrate.downgrade(engine, "0018")
    assert INDEX not in _indexes(engine)
