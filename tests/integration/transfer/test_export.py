"""Exporting: the filters of `list`, a faithful round trip, and flat memory."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from itsm.config import Settings
from itsm.db.runtime import Database, open_database
from itsm.sla.config import SlaSettings
from itsm.tickets import queries, transfer
from itsm.tickets import service as tickets
from itsm.tickets.models import Status, Ticket
from itsm.tickets.schemas import TicketFilters
from itsm.tickets.transfer_export import EXPORTED
from tests.factories import make_ticket, make_user

from .conftest import UTC_ZONE, People, run_import
from .support import bulk_rows, consistency, write_csv

COMPARED = (
    "title",
    "description",
    "category",
    "priority",
    "status",
    "requester",
    "assignee",
    "created_at",
    "resolved_at",
    "closed_at",
    "resolution_note",
    "source",
)


def _export(session: Session, fmt: str, **filters: Any) -> str:
    out = io.StringIO()
    transfer.export_tickets(
        session, filters=TicketFilters(**filters), fmt=transfer.Format(fmt), out=out
    )
    return out.getvalue()


def _parse(text: str, fmt: str) -> list[dict[str, Any]]:
    if fmt == "csv":
        return [
            {k: (v or None) for k, v in row.items()}
            for row in csv.DictReader(io.StringIO(text, newline=""))
        ]
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def varied(session: Session, people: People, tmp_path: Path) -> list[Ticket]:
    """Tickets made both ways: imported in bulk, and through the service with changes."""
    odd = {
        "title": 'Comma, "quotes" and ünïcödé',
        "description": "Line one\r\nline two\n\ttabbed, 'single' \"double\"\n",
        "category": "account",
        "requester": "req",
    }
    run_import(
        session,
        write_csv(tmp_path / "seed.csv", [odd, *bulk_rows(40, requester="req", assignee="tec")]),
        actor=people.admin,
    )
    made = make_ticket(session, requester=people.requester, title="Service made")
    tickets.assign(session, ref=made.id, assignee_ref="tec", actor=people.admin)
    tickets.change_status(
        session, ref=made.id, status=Status.RESOLVED, actor=people.tech, note="Fixed it"
    )
    reopened = make_ticket(session, requester=people.requester, title="Reopened")
    tickets.change_status(
        session, ref=reopened.id, status=Status.RESOLVED, actor=people.tech, note="Try this"
    )
    tickets.change_status(session, ref=reopened.id, status=Status.OPEN, actor=people.requester)
    return list(session.scalars(select(Ticket).order_by(Ticket.id)).unique())


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_has_every_column_in_id_order(
    session: Session, varied: list[Ticket], fmt: str
) -> None:
    rows = _parse(_export(session, fmt), fmt)
    assert [int(r["id"]) for r in rows] == [t.id for t in varied]
    assert list(rows[0]) == list(EXPORTED)
    first = rows[0]
    assert first["title"] == 'Comma, "quotes" and ünïcödé'
    assert first["description"] == "Line one\r\nline two\n\ttabbed, 'single' \"double\"\n"
    assert first["requester"] == "req"
    assert first["assignee"] is None
    made = next(r for r in rows if r["title"] == "Service made")
    assert (made["status"], made["assignee"], made["resolution_note"]) == (
        "resolved",
        "tec",
        "Fixed it",
    )
    ticket = next(t for t in varied if t.title == "Service made")
    assert made["created_at"] == ticket.created_at.isoformat()
    assert ticket.resolved_at is not None
    assert made["resolved_at"] == ticket.resolved_at.isoformat()


@pytest.mark.parametrize(
    "filters",
    [
        {"status": ["open", "pending"]},
        {"priority": ["critical"], "category": ["hardware", "network"]},
        {"assignee": "tec"},
        {"requester": "req", "unassigned": True},
        {"text": "cafetera"},
        {"text": "Reopened"},
    ],
)
def test_export_filters_are_those_of_list(
    session: Session, varied: list[Ticket], filters: dict[str, Any]
) -> None:
    shown, _ = queries.list_page(
        session, filters=TicketFilters(**filters), sort=queries.Sort.OLDEST, limit=500
    )
    exported = [int(r["id"]) for r in _parse(_export(session, "jsonl", **filters), "jsonl")]
    assert exported == sorted(t.id for t in shown)
    assert exported


@pytest.fixture
def other_db(settings: Settings) -> Iterator[Database]:
    """A second, empty database (the fixture ``session`` holds the first one)."""
    database = open_database(settings)
    yield database
    database.dispose()


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_round_trip_into_a_fresh_database(
    session: Session, varied: list[Ticket], other_db: Database, tmp_path: Path, fmt: str
) -> None:
    path = tmp_path / f"export.{fmt}"
    path.write_text(_export(session, fmt), encoding="utf-8", newline="")
    with other_db.session() as target:
        admin = make_user(target, username="ana", role="admin")
        make_user(target, username="tec", role="technician")
        make_user(target, username="req")
        result = transfer.import_tickets(
            target,
            path=path,
            fmt=transfer.Format(fmt),
            actor=admin,
            zone=UTC_ZONE,
            sla=SlaSettings(),
        )
        assert (result.imported, result.skipped) == (len(varied), 0)
    with other_db.session(write=False) as target:
        again = _parse(_export(target, fmt), fmt)
        consistency(target.connection())
    original = _parse(_export(session, fmt), fmt)
    assert [{k: r[k] for k in COMPARED} for r in again] == [
        {k: r[k] for k in COMPARED} for r in original
    ]


def test_export_streams_in_flat_memory(session: Session, people: People, tmp_path: Path) -> None:
    count = 20_000
    rows = bulk_rows(count, requester="req", assignee="tec", padding=1000)
    source = write_csv(tmp_path / "big.csv", rows)
    result = run_import(session, source, actor=people.admin, sla=SlaSettings(enabled=False))
    assert result.imported == count
    target = tmp_path / "export.csv"
    with target.open("w", encoding="utf-8", newline="") as out:
        tracemalloc.start()
        try:
            written = transfer.export_tickets(
                session, filters=TicketFilters(), fmt=transfer.Format.CSV, out=out
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert written == count
    size = target.stat().st_size
    assert size > 20 * 2**20  # holding the rows at once would take more than the limit
    assert peak < 20 * 2**20, f"peak {peak / 2**20:.1f} MiB exporting {size / 2**20:.1f} MiB"
