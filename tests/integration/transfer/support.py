"""Files to import, and checks of what an import left in the database."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from itsm.tickets.transfer import COLUMNS

Rows = Iterable[Mapping[str, Any]]


def write_csv(path: Path, rows: Rows, columns: Iterable[str] = COLUMNS) -> Path:
    names = list(columns)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(names)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row[c] for c in names])
    return path


def write_jsonl(path: Path, rows: Rows) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(dict(row), ensure_ascii=False) + "\n")
    return path


STATUSES = ("open", "in_progress", "pending", "resolved", "closed")
PRIORITIES = ("critical", "high", "medium", "low")
CATEGORIES = ("hardware", "software", "network", "account", "other")


def bulk_rows(
    n: int, *, requester: str, assignee: str | None = None, padding: int = 0
) -> Iterator[dict[str, Any]]:
    """``n`` varied, valid rows over a few days; ``padding`` extra characters of description."""
    for i in range(n):
        status = STATUSES[i % len(STATUSES)]
        day = 1 + i % 5
        row: dict[str, Any] = {
            "title": f"Bulk ticket {i} cafetera rota",
            "description": f"Row {i} of a bulk import. " + "x" * padding,
            "category": CATEGORIES[i % len(CATEGORIES)],
            "priority": PRIORITIES[i % len(PRIORITIES)],
            "status": status,
            "requester": requester,
            "assignee": assignee if i % 2 else None,
            "created_at": f"2026-03-0{day}T10:{i % 60:02d}:00+00:00",
        }
        if status in ("resolved", "closed"):
            row["resolved_at"] = f"2026-03-0{day}T12:00:00+00:00"
            row["resolution_note"] = "Replaced the part"
        if status == "closed":
            row["closed_at"] = f"2026-03-0{day}T13:00:00+00:00"
        yield row


def consistency(conn: Connection) -> dict[str, int]:
    """Counts that must hold after any import, finished or killed; fails loudly otherwise."""
    tickets = conn.scalar(text("SELECT count(*) FROM tickets")) or 0
    orphans = conn.scalar(
        text(
            "SELECT count(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM ticket_events e "
            "WHERE e.ticket_id = t.id AND e.kind = 'created' AND e.new_value = t.number)"
        )
    )
    assert orphans == 0, f"{orphans} tickets without their 'created' event"
    created = conn.scalar(text("SELECT count(*) FROM ticket_events WHERE kind = 'created'"))
    assert created == tickets
    # Gap-free numbering: every counter is exactly the count of its day's tickets.
    counters = {
        str(day): int(value)
        for day, value in conn.execute(text("SELECT day, last_value FROM ticket_counters"))
    }
    per_day: dict[str, int] = {}
    highest: dict[str, int] = {}
    for (number,) in conn.execute(text("SELECT number FROM tickets")):
        _, day, value = number.split("-")
        per_day[day] = per_day.get(day, 0) + 1
        highest[day] = max(highest.get(day, 0), int(value))
    assert counters == per_day
    assert highest == per_day
    if conn.dialect.name == "sqlite":
        conn.execute(text("INSERT INTO tickets_fts(tickets_fts) VALUES ('integrity-check')"))
        indexed = conn.scalar(text("SELECT count(*) FROM tickets_fts_docsize"))
        assert indexed == tickets, f"FTS indexes {indexed} rows for {tickets} tickets"
    return {"tickets": tickets, "events": conn.scalar(text("SELECT count(*) FROM ticket_events"))}
