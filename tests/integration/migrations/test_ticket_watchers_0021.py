"""0021 on both databases: the ``ticket_watchers`` table and the watcher audit kinds come,
existing tickets and events stay; the downgrade drops both."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from itsm.db import migrate
from tests.integration.migrations import seed

AT = "2026-12-01 10:00:00.000000"


def test_0021_adds_watchers_and_their_audit_kinds(engine: Engine) -> None:
    migrate.upgrade(engine, "0020")
    with engine.begin() as conn:  # the 0020 tables, in their own SQL
        seed.user(conn, 1, "ana", at=AT)
        seed.user(conn, 2, "cora", at=AT)
        conn.execute(
            text(
                "INSERT INTO tickets (id, number, title, description, category, priority,"
                " status, source, requester_id, created_at, updated_at) VALUES (1,"
                " 'TKT-20261201-0001', 'Printer', '', 'hardware', 'low', 'open', 'cli', 1,"
                " :t, :t)"
            ),
            {"t": AT},
        )
        conn.execute(
            text(
                "INSERT INTO ticket_events (ticket_id, actor_id, kind, created_at)"
                " VALUES (1, 1, 'created', :t)"
            ),
            {"t": AT},
        )
    migrate.upgrade(engine, "0021")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ticket_watchers (ticket_id, user_id, added_by_id, created_at)"
                " VALUES (1, 2, 1, :t)"
            ),
            {"t": AT},
        )
        conn.execute(
            text(
                "INSERT INTO ticket_events (ticket_id, actor_id, kind, field, new_value,"
                " created_at) VALUES (1, 1, 'watcher_added', 'watcher', 'cora', :t)"
            ),
            {"t": AT},
        )
    with engine.connect() as conn:
        kinds = conn.execute(text("SELECT kind FROM ticket_events ORDER BY id")).scalars().all()
        assert kinds == ["created", "watcher_added"]
        watching = conn.execute(text("SELECT ticket_id, user_id FROM ticket_watchers")).all()
        assert [tuple(r) for r in watching] == [(1, 2)]
    with pytest.raises(IntegrityError), engine.begin() as conn:  # the CHECK still holds
        conn.execute(
            text(
                "INSERT INTO ticket_events (ticket_id, kind, created_at)"
                " VALUES (1, 'no_such_kind', :t)"
            ),
            {"t": AT},
        )
    migrate.downgrade(engine, "0020")
    assert "ticket_watchers" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        kinds = conn.execute(text("SELECT kind FROM ticket_events")).scalars().all()
        assert kinds == ["created"]
    migrate.upgrade(engine)
