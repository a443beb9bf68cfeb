"""0026 on both databases: the outbox's rows stay as they were, a row goes to a person
or a webhook (exactly one), a webhook's rows go with it; the downgrade goes back."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from itsm.db import migrate
from tests.integration.migrations import seed

AT = "2026-12-01 10:00:00.000000"
_ROW = (
    "INSERT INTO notify_outbox (id, token, recipient_id, {extra}channel, kind, payload, state,"
    " attempts, created_at, available_at) VALUES (:id, :token, :rid, {value}:channel, 'assigned',"
    " '{{}}', 'pending', 0, :t, :t)"
)


def _row(conn: object, rid: int | None, channel: str, n: int, hook: int | None = None) -> None:
    extra, value = ("webhook_id, ", ":hook, ") if hook is not None or rid is None else ("", "")
    sql = _ROW.format(extra=extra, value=value)
    params = {"id": n, "token": f"t{n}", "rid": rid, "channel": channel, "t": AT, "hook": hook}
    conn.execute(text(sql), params)  # type: ignore[attr-defined]


def test_0026_keeps_people_s_messages_and_addresses_webhooks(engine: Engine) -> None:
    migrate.upgrade(engine, "0025")
    with engine.begin() as conn:
        seed.user(conn, 1, "ana", at=AT)
        _row(conn, 1, "email", 1)
        _row(conn, 1, "in_app", 2)
    migrate.upgrade(engine, "0026")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, recipient_id, webhook_id, channel FROM notify_outbox ORDER BY id")
        ).all()
    assert [tuple(r) for r in rows] == [(1, 1, None, "email"), (2, 1, None, "in_app")]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO webhooks (id, name, url, events, secret, format, active,"
                " consecutive_failures, created_at, updated_at) VALUES (1, 'chat',"
                " 'https://chat.example.org/hooks/x', '[\"ticket.created\"]', 's', 'slack',"
                " true, 0, :t, :t)"
            ),
            {"t": AT},
        )
        _row(conn, None, "webhook", 3, hook=1)
    for rid, hook, channel in ((None, None, "webhook"), (1, 1, "webhook"), (1, None, "fax")):
        with pytest.raises(IntegrityError), engine.begin() as conn:
            _row(conn, rid, channel, 9, hook=hook if hook is not None else None)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM webhooks WHERE id = 1"))
        assert conn.execute(text("SELECT count(*) FROM notify_outbox")).scalar() == 2
    migrate.downgrade(engine, "0025")
    assert "webhooks" not in inspect(engine).get_table_names()
    assert "webhook_id" not in {c["name"] for c in inspect(engine).get_columns("notify_outbox")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM notify_outbox")).scalar() == 2
    migrate.upgrade(engine)
