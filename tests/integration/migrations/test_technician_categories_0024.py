"""0024 on both databases: ``technician_categories`` comes with its category CHECK and
goes with its user; existing people stay (with none set: every category)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from itsm.db import migrate
from tests.integration.migrations import seed

AT = "2026-12-01 10:00:00.000000"


def test_0024_adds_technician_categories(engine: Engine) -> None:
    migrate.upgrade(engine, "0023")
    with engine.begin() as conn:
        seed.user(conn, 1, "tere", role="technician", at=AT)
    migrate.upgrade(engine, "0024")
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO technician_categories (user_id, category) VALUES (1, 'network')")
        )
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            text("INSERT INTO technician_categories (user_id, category) VALUES (1, 'printers')")
        )
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT user_id, category FROM technician_categories")).all()
        assert [tuple(r) for r in rows] == [(1, "network")]
        assert conn.execute(text("SELECT username FROM users")).scalars().all() == ["tere"]
    migrate.downgrade(engine, "0023")
    assert "technician_categories" not in inspect(engine).get_table_names()
    migrate.upgrade(engine)
