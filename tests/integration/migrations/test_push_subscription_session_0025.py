"""0025 on both databases: existing browsers stay (no login: as the API's), a browser
tied to a web login goes with that login's row, and the downgrade keeps the browsers."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from itsm.db import migrate
from tests.integration.migrations import seed

AT = "2026-12-01 10:00:00.000000"
ROW = (
    "INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, created_at)"
    " VALUES (1, :endpoint, 'BKey', 'auth', :at)"
)
LOGIN = (
    "INSERT INTO web_sessions (id, user_id, secret_hash, csrf_token, address, created_at,"
    " last_seen_at, expires_at) VALUES (:id, 1, :hash, 'csrf', '127.0.0.1', :at, :at, :at)"
)


def _endpoints(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        found = conn.execute(text("SELECT endpoint FROM push_subscriptions ORDER BY endpoint"))
        return list(found.scalars())


def test_0025_ties_browsers_to_the_web_login_and_keeps_existing_ones(engine: Engine) -> None:
    migrate.upgrade(engine, "0024")
    with engine.begin() as conn:
        seed.user(conn, 1, "ana", at=AT)
        conn.execute(text(ROW), {"endpoint": "https://push.example.org/old", "at": AT})
    migrate.upgrade(engine, "0025")
    assert _endpoints(engine) == ["https://push.example.org/old"]
    with engine.begin() as conn:
        conn.execute(text(LOGIN), {"id": 7, "hash": "a" * 64, "at": AT})
        conn.execute(text(ROW), {"endpoint": "https://push.example.org/kiosk", "at": AT})
        conn.execute(
            text("UPDATE push_subscriptions SET web_session_id = 7 WHERE endpoint LIKE '%kiosk'")
        )
    assert _endpoints(engine) == ["https://push.example.org/kiosk", "https://push.example.org/old"]
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("PRAGMA foreign_keys = ON"))
        conn.execute(text("DELETE FROM web_sessions WHERE id = 7"))
    assert _endpoints(engine) == ["https://push.example.org/old"]
    migrate.downgrade(engine, "0024")
    columns = {c["name"] for c in inspect(engine).get_columns("push_subscriptions")}
    assert "web_session_id" not in columns
    assert _endpoints(engine) == ["https://push.example.org/old"]
    migrate.upgrade(engine)
    columns = {c["name"] for c in inspect(engine).get_columns("push_subscriptions")}
    assert "web_session_id" in columns
