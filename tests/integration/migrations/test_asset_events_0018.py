"""0018 on both databases: the audit events of a ticket's inventory item name it by
asset tag (``asset``), not by id (``asset_id``); the downgrade gives the ids back."""

from __future__ import annotations

from sqlalchemy import Engine, text

from itsm.db import migrate
from tests.integration.migrations import seed

AT = "2026-12-01 10:00:00.000000"


def _events(engine: Engine) -> list[tuple[str, str | None, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT field, old_value, new_value FROM ticket_events ORDER BY id")
        )
        return [(f, o, n) for f, o, n in rows]


def test_0018_names_the_items_of_asset_events_by_tag(engine: Engine) -> None:
    migrate.upgrade(engine, "0017")
    with engine.begin() as conn:  # the 0017 tables, in their own SQL
        seed.user(conn, 1, "ana", role="technician", at=AT)
        for aid, tag in ((4, "PC-0004"), (7, "LT-0007")):
            conn.execute(
                text(
                    "INSERT INTO hardware_inventory (id, asset_tag, asset_type, status,"
                    " created_at, updated_at) VALUES (:id, :tag, 'desktop', 'in_use', :t, :t)"
                ),
                {"id": aid, "tag": tag, "t": AT},
            )
        conn.execute(
            text(
                "INSERT INTO tickets (id, number, title, description, category, priority,"
                " status, source, requester_id, created_at, updated_at) VALUES (1,"
                " 'TKT-20261201-0001', 'PC', '', 'hardware', 'low', 'open', 'cli', 1, :t, :t)"
            ),
            {"t": AT},
        )
        changes = [  # linked to 4, moved to 7, to 9 (deleted since), unlinked; a title
            ("asset_id", None, "4"),
            ("asset_id", "4", "7"),
            ("asset_id", "7", "9"),
            ("asset_id", "9", None),
            ("title", "Old", "PC"),
        ]
        for field, old, new in changes:
            conn.execute(
                text(
                    "INSERT INTO ticket_events (ticket_id, actor_id, kind, field, old_value,"
                    " new_value, created_at) VALUES (1, 1, 'field_changed', :f, :o, :n, :t)"
                ),
                {"f": field, "o": old, "n": new, "t": AT},
            )
    migrate.upgrade(engine, "0018")
    assert _events(engine) == [
        ("asset", None, "PC-0004"),
        ("asset", "PC-0004", "LT-0007"),
        ("asset", "LT-0007", "#9"),
        ("asset", "#9", None),
        ("title", "Old", "PC"),
    ]
    migrate.downgrade(engine, "0017")
    assert _events(engine) == changes
    migrate.upgrade(engine)
