"""0022 on both databases: ``mail_messages`` comes and goes; existing rows stay."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from itsm.db import migrate
from tests.integration.migrations import seed

AT = "2026-12-01 10:00:00.000000"


def test_0022_adds_the_handled_mails_table_and_keeps_the_people(engine: Engine) -> None:
    migrate.upgrade(engine, "0021")
    with engine.begin() as conn:
        seed.user(conn, 1, "ana", at=AT)
    migrate.upgrade(engine, "0022")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO mail_messages (message_key, outcome, sender, received_at)"
                " VALUES ('m1@example.org', 'refused', 'zoe@example.net', :at)"
            ),
            {"at": AT},
        )
        assert conn.execute(text("SELECT username FROM users")).scalars().all() == ["ana"]
    indexes = {i["name"] for i in inspect(engine).get_indexes("mail_messages")}
    assert "ix_mail_messages_sender_received" in indexes
    migrate.downgrade(engine, "0021")
    assert "mail_messages" not in inspect(engine).get_table_names()
    migrate.upgrade(engine)
