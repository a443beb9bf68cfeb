"""0020 on both databases: the agent's existing account gets ``users.system``, people
do not; ``updated_at`` is kept."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from itsm.db import migrate
from tests.integration.migrations import seed

AT = "2026-12-01 10:00:00.000000"


def test_0020_marks_the_agent_s_accounts_as_system(engine: Engine) -> None:
    migrate.upgrade(engine, "0019")
    with engine.begin() as conn:  # the 0019 tables, in their own SQL
        seed.user(conn, 1, "ana", at=AT)
        seed.user(conn, 2, "itsm-agent", role="technician", at=AT)  # promoted by mistake
        # The agent's, made under another name; and a person who signs in, named like it.
        seed.user(conn, 3, "diag-bot", at=AT, full_name="Diagnostics agent")
        seed.user(conn, 4, "dora", at=AT, full_name="Diagnostics agent", password_hash="x")
    migrate.upgrade(engine, "0020")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT username, system, updated_at FROM users ORDER BY id"))
        found = [(name, bool(system), str(at)[:19]) for name, system, at in rows]
    assert found == [
        ("ana", False, AT[:19]),
        ("itsm-agent", True, AT[:19]),
        ("diag-bot", True, AT[:19]),
        ("dora", False, AT[:19]),
    ]
    migrate.downgrade(engine, "0019")
    assert "system" not in {c["name"] for c in inspect(engine).get_columns("users")}
    migrate.upgrade(engine)
