"""0023 on both databases: ``push_subscriptions`` comes with one browser per endpoint,
people's rows stay, and a person's removal takes their browsers with them."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from itsm.db import migrate
from tests.integration.migrations import seed

AT = "2026-12-01 10:00:00.000000"
ROW = (
    "INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, created_at)"
    " VALUES (:user, :endpoint, 'BKey', 'auth', :at)"
)


def test_0023_adds_the_browsers_of_each_person(engine: Engine) -> None:
    migrate.upgrade(engine, "0022")
    with engine.begin() as conn:
        seed.user(conn, 1, "ana", at=AT)
        seed.user(conn, 2, "bob", at=AT)
    migrate.upgrade(engine, "0023")
    with engine.begin() as conn:
        conn.execute(text(ROW), {"user": 1, "endpoint": "https://push.example.org/a", "at": AT})
        conn.execute(text(ROW), {"user": 2, "endpoint": "https://push.example.org/b", "at": AT})
    with pytest.raises(IntegrityError), engine.begin() as conn:  # one browser, one row
        conn.execute(text(ROW), {"user": 2, "endpoint": "https://push.example.org/a", "at": AT})
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("PRAGMA foreign_keys = ON"))
        conn.execute(text("DELETE FROM users WHERE id = 2"))
    with engine.connect() as conn:
        left = conn.execute(text("SELECT user_id, endpoint FROM push_subscriptions")).all()
        names = conn.execute(text("SELECT username FROM users ORDER BY id")).scalars().all()
    assert [tuple(r) for r in left] == [(1, "https://push.example.org/a")]
    assert names == ["ana"]
    migrate.downgrade(engine, "0022")
    assert "push_subscriptions" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 1
    migrate.upgrade(engine)
    assert "push_subscriptions" in inspect(engine).get_table_names()
