"""Importing valid files: numbering, audit trail, search, statistics, lifecycle, SLA."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from itsm.sla import clock
from itsm.sla.config import SlaSettings
from itsm.tickets import events, queries, transfer_write
from itsm.tickets.models import Ticket
from itsm.tickets.numbering import numbering_day
from tests.factories import make_ticket

from .conftest import NOW, People, run_import
from .support import bulk_rows, consistency, write_csv, write_jsonl

UTC_ZONE = ZoneInfo("UTC")


def _rows(people: People, today: datetime) -> list[dict[str, Any]]:
    at = today.isoformat()
    return [
        {
            "title": "Impresora atascada en la planta dos",
            "description": 'Papel "atascado",\nen la bandeja; ñandú',
            "category": "hardware",
            "priority": "high",
            "requester": "req",
            "assignee": "tec",
            "created_at": at,
        },
        {
            "title": "Búsqueda lenta en el portal",
            "category": "software",
            "requester": people.requester.id,  # ids work as well as usernames
            "status": "resolved",
            "created_at": "2026-03-01T09:00:00+01:00",
            "resolved_at": "2026-03-01T10:30:00+01:00",
            "resolution_note": "Rebuilt the index",
        },
        {
            "title": "VPN drops every hour",
            "category": "network",
            "priority": "LOW",  # case does not matter for choices
            "requester": "REQ",  # nor for usernames
            "created_at": at,
            "source": "email",
        },
    ]


def _today(session: Session, people: People) -> tuple[Ticket, datetime]:
    """A ticket created the normal way: today's counter is at 1 before the import."""
    first = make_ticket(session, requester=people.requester)
    assert first.number.endswith("-0001")
    return first, first.created_at + timedelta(microseconds=1)


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_import_numbers_audit_search_and_stats(
    session: Session, people: People, tmp_path: Path, kind: str
) -> None:
    first, today = _today(session, people)
    rows = _rows(people, today)
    path = tmp_path / f"tickets.{kind}"
    if kind == "csv":
        write_csv(path, rows)
    else:
        write_jsonl(
            path, [{k: v for k, v in r.items() if k != "source"} | {"id": None} for r in rows]
        )
    stats_before = queries.stats(session)

    result = run_import(session, path, actor=people.admin)

    day = first.number[4:12]
    assert (result.imported, result.skipped, result.problems) == (3, 0, [])
    assert result.first_number == f"TKT-{day}-0002"
    assert result.last_number == f"TKT-{day}-0003"
    got = (
        session.execute(select(Ticket).where(Ticket.id > first.id).order_by(Ticket.id))
        .scalars()
        .all()
    )
    assert [t.number for t in got] == [f"TKT-{day}-0002", "TKT-20260301-0001", f"TKT-{day}-0003"]
    printer, search_slow, vpn = got
    assert printer.description == rows[0]["description"]
    assert (printer.priority, printer.status, printer.assignee_id) == (
        "high",
        "open",
        people.tech.id,
    )
    assert printer.created_at == printer.updated_at == today
    assert printer.source == "api"
    assert search_slow.resolved_at == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert search_slow.resolution_note == "Rebuilt the index"
    assert vpn.priority == "low"
    assert vpn.source == ("email" if kind == "csv" else "api")
    assert vpn.requester_id == people.requester.id

    trail = {
        t.number: [
            (e.kind, e.field, e.old_value, e.new_value, e.actor_id, e.created_at)
            for e in events.history(session, ticket_id=t.id)
        ]
        for t in got
    }
    admin = people.admin.id
    assert trail[printer.number] == [
        ("created", None, None, printer.number, admin, today),
        ("assigned", "assignee", None, "tec", admin, today),
    ]
    resolved = search_slow.resolved_at
    assert trail[search_slow.number] == [
        ("created", None, None, search_slow.number, admin, search_slow.created_at),
        ("status_changed", "status", "open", "resolved", admin, resolved),
        ("field_changed", "resolution_note", None, "Rebuilt the index", admin, resolved),
    ]
    assert trail[vpn.number] == [("created", None, None, vpn.number, admin, today)]

    found, total = queries.search(session, query="busqueda")
    assert ([t.id for t, _ in found], total) == ([search_slow.id], 1)
    # Imported rows get their search terms too: the number, and the resolution note.
    found, total = queries.search(session, query=search_slow.number)
    assert ([t.id for t, _ in found], total) == ([search_slow.id], 1)
    found, _ = queries.search(session, query="rebuilt")
    assert [t.id for t, _ in found] == [search_slow.id]
    found, _ = queries.search(session, query="ÑANDU atascado")
    assert [t.id for t, _ in found] == [printer.id]

    stats = queries.stats(session)
    assert stats.total == stats_before.total + 3
    assert stats.by_status["resolved"] == stats_before.by_status.get("resolved", 0) + 1
    assert stats.by_category["network"] == stats_before.by_category.get("network", 0) + 1
    consistency(session.connection())


def test_numbering_day_is_the_settings_time_zone(
    session: Session, people: People, tmp_path: Path
) -> None:
    madrid = ZoneInfo("Europe/Madrid")
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # already 2 March in Madrid
    path = write_csv(
        tmp_path / "t.csv",
        [
            {"title": "Late", "category": "other", "requester": "req", "created_at": late},
            {"title": "Naive", "category": "other", "requester": "req", "created_at": "2026-03-01"},
        ],
    )
    result = run_import(session, path, actor=None, zone=madrid)
    assert result.first_number == f"TKT-{numbering_day(late, madrid)}-0001" == "TKT-20260302-0001"
    assert result.last_number == "TKT-20260301-0001"  # naive means UTC: 01:00 in Madrid
    actors = session.scalars(
        text(
            "SELECT actor_id FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
            "WHERE t.number IN ('TKT-20260302-0001', 'TKT-20260301-0001')"
        )
    ).all()
    assert actors == [None, None]  # nobody acting: recorded as the system


def test_lifecycle_defaults_and_sla(session: Session, people: People, tmp_path: Path) -> None:
    created = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    base = {"category": "hardware", "requester": "req", "created_at": created.isoformat()}
    path = write_jsonl(
        tmp_path / "t.jsonl",
        [
            base | {"title": "open one", "priority": "critical"},
            base | {"title": "pending one", "status": "pending"},
            base | {"title": "closed, no times", "status": "closed"},
            base
            | {
                "title": "closed, resolved given",
                "status": "closed",
                "resolved_at": "2026-11-21T10:00:00Z",
                "resolution_note": "done",
            },
            base | {"title": "resolved, no time", "status": "resolved", "resolution_note": "ok"},
            base | {"title": "old requester, closed", "status": "closed", "requester": "former"},
            base | {"title": "old tech, closed", "status": "closed", "assignee": "oldtech"},
        ],
    )
    sla = SlaSettings()
    run_import(session, path, actor=people.admin, sla=sla, now=NOW)
    got = {t.title: t for t in session.scalars(select(Ticket).where(Ticket.created_at == created))}

    probe = Ticket(priority="critical", first_response_at=None, resolved_at=None)
    clock.start_clock(probe, sla, since=created)
    opened = got["open one"]
    assert opened.first_response_due_at == probe.first_response_due_at is not None
    assert opened.resolution_due_at == probe.resolution_due_at
    assert opened.resolution_warn_at == probe.resolution_warn_at
    assert opened.sla_paused_at is None
    assert got["pending one"].sla_paused_at == created
    assert got["pending one"].resolution_due_at is not None
    # The queue's due time: the running first-response clock; none while pending or done.
    assert opened.due_at == opened.first_response_due_at
    assert [got[t].due_at for t in ("pending one", "closed, no times")] == [None, None]
    # Closed history is not judged: its first response and pauses are unknown.
    assert got["closed, no times"].resolution_due_at is None
    assert got["closed, no times"].first_response_due_at is None
    # As when a ticket is closed now: closing stamps the time, and resolved too.
    assert got["closed, no times"].closed_at == got["closed, no times"].resolved_at == NOW
    given = got["closed, resolved given"]
    assert (given.resolved_at, given.closed_at) == (datetime(2026, 11, 21, 10, tzinfo=UTC), NOW)
    assert got["resolved, no time"].resolved_at == NOW
    assert got["old requester, closed"].requester_id == people.former.id
    assert got["old tech, closed"].assignee_id == people.former_tech.id
    closing = [
        (e.kind, e.old_value, e.new_value, e.created_at)
        for e in events.history(session, ticket_id=given.id)
        if e.kind == "status_changed"
    ]
    assert closing == [("status_changed", "open", "closed", NOW)]


def test_empty_file_imports_nothing(session: Session, people: People, tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    (tmp_path / "header.csv").write_text("title,category,requester\r\n\r\n", encoding="utf-8")
    (tmp_path / "blank.jsonl").write_text("\n  \n", encoding="utf-8")
    for name in ("empty.csv", "header.csv", "blank.jsonl"):
        result = run_import(session, tmp_path / name, actor=people.admin)
        assert (result.imported, result.skipped, result.first_number) == (0, 0, None)
    assert session.scalar(text("SELECT count(*) FROM ticket_counters")) == 0


def test_bom_and_crlf_and_header_case(session: Session, people: People, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffTitle , CATEGORY,Requester\r\nExcel row,account,req\r\n".encode())
    result = run_import(session, path, actor=people.admin)
    assert result.imported == 1
    ticket = session.scalar(select(Ticket).where(Ticket.number == result.first_number))
    assert ticket is not None
    assert (ticket.title, ticket.category) == ("Excel row", "account")


def test_staged_rows_spilled_to_disk_and_written_in_batches(
    session: Session, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tiny bounds: the staged rows go to a temporary file in several chunks, and are
    # written in several batches whose ends fall inside a day's run of numbers.
    monkeypatch.setattr(transfer_write, "SPOOL_MEMORY", 1)
    monkeypatch.setattr(transfer_write, "_CHUNK", 7)
    monkeypatch.setattr(transfer_write, "BATCH", 10)
    rows = list(bulk_rows(45, requester="req", assignee="tec"))
    rows[3]["category"] = "nonsense"  # skipped: not staged, takes no number
    rows[30]["requester"] = "nobody"
    path = write_csv(tmp_path / "many.csv", rows)
    result = run_import(session, path, actor=people.admin, skip_invalid=True)

    assert (result.imported, result.skipped) == (43, 2)
    got = session.execute(select(Ticket).order_by(Ticket.id)).scalars().all()
    kept = [r for i, r in enumerate(rows) if i not in (3, 30)]
    assert [t.title for t in got] == [r["title"] for r in kept]
    seen: dict[str, int] = {}
    for ticket in got:  # file order is number order, day by day, without gaps
        day = numbering_day(ticket.created_at, UTC_ZONE)
        seen[day] = seen.get(day, 0) + 1
        assert ticket.number == f"TKT-{day}-{seen[day]:04d}"
    assert (result.first_number, result.last_number) == (got[0].number, got[-1].number)
    trail = events.history(session, ticket_id=got[-1].id)
    assert trail[0].new_value == got[-1].number
    assert {e.actor_id for e in trail} == {people.admin.id}
    trails = sum(
        1
        + (r["assignee"] is not None)
        + (r["status"] != "open")
        + (r["status"] in ("resolved", "closed"))  # and its resolution note
        for r in kept
    )
    assert consistency(session.connection()) == {"tickets": 43, "events": trails}


def test_clocks_already_past_are_imported_missed_and_the_tick_leaves_them(
    session: Session, people: People, tmp_path: Path
) -> None:
    """A backlog imported overdue is marked warned/breached at import: the next
    `itsm sla tick` neither records it again nor escalates every imported ticket."""
    from itsm.sla import service as sla_service

    base = {"category": "hardware", "requester": "req", "priority": "high"}
    path = write_jsonl(
        tmp_path / "t.jsonl",
        [
            base | {"title": "a month old", "created_at": (NOW - timedelta(days=30)).isoformat()},
            base
            | {"title": "a minute old", "created_at": (NOW - timedelta(minutes=1)).isoformat()},
            base
            | {
                "title": "old but pending",
                "status": "pending",
                "created_at": (NOW - timedelta(days=30)).isoformat(),
            },
        ],
    )
    sla = SlaSettings()
    run_import(session, path, actor=people.admin, sla=sla, now=NOW)
    got = {
        t.title: t
        for t in session.scalars(
            select(Ticket).where(
                Ticket.title.in_(["a month old", "a minute old", "old but pending"])
            )
        )
    }
    old, new, pending = got["a month old"], got["a minute old"], got["old but pending"]
    flags = [f"{c}_{s}" for c in ("first_response", "resolution") for s in ("warned", "breached")]
    assert [getattr(old, f) for f in flags] == [True, True, True, True]
    assert [getattr(new, f) for f in flags] == [False, False, False, False]
    assert [getattr(pending, f) for f in flags] == [False, False, False, False]

    result = sla_service.tick(session, sla=sla, now=NOW, actor=people.admin)
    assert old.number not in " ".join(result.breached + result.warned + result.escalated)
    assert old.priority == "high"  # not escalated
    # the recent one is judged as usual once its time comes
    later = sla_service.tick(session, sla=sla, now=NOW + timedelta(days=30), actor=people.admin)
    assert f"{new.number}:resolution" in later.breached
