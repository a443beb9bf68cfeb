"""0030 on both databases: ``notify_events`` comes empty (existing changes have their
outbox rows), its rows go with their ticket, and the downgrade drops it."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from itsm.db import migrate
from tests.integration.migrations import seed

AT = "2026-12-01 10:00:00.000000"
TICKET = (
    "INSERT INTO tickets (id, number, title, description, category, priority, status, source,"
    " requester_id, created_at, updated_at) VALUES (1, 'TKT-20261201-0001', 't', 'd', 'other',"
    " 'low', 'open', 'cli', 1, :at, :at)"
)
EVENT = (
    "INSERT INTO notify_events (kind, ticket_id, internal, breached, source, created_at)"
    " VALUES ('commented', :ticket, false, false, 'web', :at)"
)


def _events(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM notify_events")).scalar_one())


def test_0030_adds_the_told_events_table_and_drops_it_on_downgrade(engine: Engine) -> None:
    migrate.upgrade(engine, "0029")
    with engine.begin() as conn:
        seed.user(conn, 1, "ana", at=AT)
        conn.execute(text(TICKET), {"at": AT})
    migrate.upgrade(engine, "0030")
    assert _events(engine) == 0
    with engine.begin() as conn:
        conn.execute(text(EVENT), {"ticket": 1, "at": AT})
    assert _events(engine) == 1
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("PRAGMA foreign_keys = ON"))
        conn.execute(text("DELETE FROM tickets WHERE id = 1"))
    assert _events(engine) == 0
    migrate.downgrade(engine, "0029")
    assert "notify_events" not in inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert "notify_events" in inspect(engine).get_table_names()
