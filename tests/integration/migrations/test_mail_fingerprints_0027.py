"""0027 on both databases: handled mails keep their rows (matching any mail with their
id, as before), a reused id may now be recorded twice, people's emails are indexed by
``lower(email)``; the downgrade keeps one row per id and puts the old key back."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from itsm.db import migrate
from tests.integration.migrations import seed

AT = "2026-12-01 10:00:00.000000"
_OLD = (
    "INSERT INTO mail_messages (message_key, outcome, sender, received_at)"
    " VALUES ('m1@example.org', 'ticket', 'ana@example.org', :at)"
)
_NEW = (
    "INSERT INTO mail_messages (message_key, fingerprint, recipients, outcome, sender,"
    " received_at) VALUES ('m1@example.org', :print, 'help@example.org', 'ticket',"
    " 'ana@example.org', :at)"
)


def test_0027_keys_mails_by_id_and_fingerprint_and_indexes_emails(engine: Engine) -> None:
    migrate.upgrade(engine, "0026")
    with engine.begin() as conn:
        seed.user(conn, 1, "ana", at=AT)
        conn.execute(text(_OLD), {"at": AT})
    migrate.upgrade(engine, "0027")
    with engine.begin() as conn:
        old = conn.execute(text("SELECT fingerprint, recipients FROM mail_messages")).one()
        assert tuple(old) == ("", None)
        conn.execute(text(_NEW), {"print": "a" * 64, "at": AT})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(_NEW), {"print": "a" * 64, "at": AT})  # the very same mail
    assert "ix_users_email_lower" in _indexes(engine, "users")
    migrate.downgrade(engine, "0026")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM mail_messages")).scalar_one() == 1
        assert conn.execute(text("SELECT username FROM users")).scalars().all() == ["ana"]
    assert "fingerprint" not in {c["name"] for c in inspect(engine).get_columns("mail_messages")}
    migrate.upgrade(engine)


def _indexes(engine: Engine, table: str) -> set[str]:
    """The table's index names (SQLAlchemy does not reflect SQLite's expression ones)."""
    if engine.dialect.name != "sqlite":
        return {str(i["name"]) for i in inspect(engine).get_indexes(table)}
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"),
            {"t": table},
        )
        return set(rows.scalars())
