"""0028 on both databases: the "all active" queue's index by creation time comes and
goes, a SQLite file analysed before knows it after, and the tickets stay as they were."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from itsm.db import migrate
from tests.integration.migrations import seed

INDEX = "ix_tickets_active_created"
AT = "2026-12-01 10:00:00.000000"


def _indexes(engine: Engine) -> set[str]:
    return {str(ix["name"]) for ix in inspect(engine).get_indexes("tickets")}


def test_0028_indexes_the_active_tickets_by_creation_time(engine: Engine) -> None:
    migrate.upgrade(engine, "0027")
    assert INDEX not in _indexes(engine)
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as conn:
        seed.user(conn, 1, "ana", at=AT)
        for n, status in enumerate(("open", "pending", "closed"), start=1):
            conn.execute(
                text(
                    "INSERT INTO tickets (id, number, title, description, category, priority,"
                    " status, source, requester_id, created_at, updated_at) VALUES (:id,"
                    " :number, 't', 'd', 'other', 'low', :status, 'cli', 1, :at, :at)"
                ),
                {"id": n, "number": f"TKT-20261201-000{n}", "status": status, "at": AT},
            )
        if sqlite:  # analysed before: 0028 analyses tickets again, the new index included
            conn.exec_driver_sql("ANALYZE")
    migrate.upgrade(engine, "0028")
    assert INDEX in _indexes(engine)
    with engine.connect() as conn:
        if sqlite:
            analysed = {str(r[0]) for r in conn.exec_driver_sql("SELECT idx FROM sqlite_stat1")}
            assert INDEX in analysed
        active = conn.execute(
            text(
                "SELECT id FROM tickets WHERE status IN ('open', 'in_progress', 'pending')"
                " ORDER BY created_at DESC, id DESC"
            )
        ).scalars()
        assert list(active) == [2, 1]
    migrate.downgrade(engine, "0027")
    assert INDEX not in _indexes(engine)
