"""Every statement the staff ticket page and the portal's "my tickets" run reads the
big tables (tickets, comments, audit events) through an index, on both databases.

A help desk of 5,000 tickets, each with a comment and an audit event, analysed
(``ANALYZE``) as the 1,000,000-ticket data set is; each statement the page's reads
run is captured and explained: no full scan of those tables, no sort of more than
one ticket's rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, text
from sqlalchemy.orm import Session

from itsm.attachments import service as attachments
from itsm.tickets import access, watchers
from itsm.tickets.models import ACTIVE_STATUSES, Status, Ticket, TicketComment, TicketEvent
from itsm.tickets.schemas import TicketFilters
from itsm.users.models import User
from tests.factories import make_user

COUNT = 5000
BIG = ("tickets", "ticket_comments", "ticket_events")


@pytest.fixture
def desk(session: Session) -> tuple[Session, User, User]:
    """The analysed help desk, its technician and a requester of every 25th ticket."""
    tech = make_user(session, role="technician")
    others = make_user(session)
    requester = make_user(session)
    now = datetime.now(UTC)
    session.execute(
        insert(Ticket),
        [
            {
                "number": f"TKT-20261201-{n:04d}",
                "title": f"plan {n}",
                "category": "other",
                "priority": ("critical", "high", "medium", "low")[n % 4],
                "status": "open" if n % 10 == 0 else "closed",
                "source": "cli",
                "requester_id": requester.id if n % 25 == 0 else others.id,
                "assignee_id": tech.id,
                "created_at": now - timedelta(minutes=n),
                "updated_at": now,
            }
            for n in range(1, COUNT + 1)
        ],
    )
    ids = session.scalars(text("SELECT id FROM tickets ORDER BY id")).all()
    session.execute(
        insert(TicketComment),
        [{"ticket_id": i, "author_id": tech.id, "body": "done", "created_at": now} for i in ids],
    )
    session.execute(
        insert(TicketEvent),
        [{"ticket_id": i, "actor_id": tech.id, "kind": "created", "created_at": now} for i in ids],
    )
    session.execute(text("ANALYZE"))
    return session, tech, requester


def _plans(session: Session, reads: Callable[[], object]) -> list[str]:
    """The plan (SQLite's ``EXPLAIN QUERY PLAN``, PostgreSQL's ``EXPLAIN``) of each
    ``SELECT`` that ``reads`` runs."""
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cur: Any, statement: str, params: Any, *_rest: Any) -> None:
        seen.append((statement, params))

    bind = session.connection()
    event.listen(bind, "before_cursor_execute", keep)
    try:
        reads()
    finally:
        event.remove(bind, "before_cursor_execute", keep)
    raw = bind.connection.dbapi_connection
    assert raw is not None
    explain = "EXPLAIN QUERY PLAN" if bind.dialect.name == "sqlite" else "EXPLAIN"
    plans = []
    for statement, params in seen:
        if not statement.lstrip().upper().startswith("SELECT"):
            continue
        cursor = raw.cursor()
        cursor.execute(f"{explain} {statement}", params)
        plans.append(statement + "\n" + "\n".join(str(r[-1]) for r in cursor.fetchall()))
    assert plans
    return plans


def _full_scans(plan: str) -> list[str]:
    """Steps that read a big table whole: SQLite's ``SCAN t`` (without an index),
    PostgreSQL's ``Seq Scan on t``."""
    tables = "|".join(BIG)
    found = re.findall(
        rf"(?:^|\n)\s*(?:SCAN ({tables})(?: AS \w+)?$|.*Seq Scan on ({tables})\b)", plan, re.M
    )
    return [a or b for a, b in found]


def test_the_staff_ticket_page_reads_by_index(desk: tuple[Session, User, User]) -> None:
    session, tech, _requester = desk
    number = "TKT-20261201-2500"

    def page() -> None:  # what web.routes.desk.page reads
        ticket = access.visible_ticket(session, ref=number, viewer=tech)
        access.ticket_view(session, viewer=tech, ticket=ticket)
        assert [c.body for c in access.comments(session, ref=number, viewer=tech)] == ["done"]
        assert len(access.history(session, ref=number, viewer=tech)) == 1
        access.links(session, ref=number, viewer=tech)
        attachments.attachment_reads(session, ref=number, viewer=tech)
        watchers.watcher_reads(session, ref=number, viewer=tech)

    for plan in _plans(session, page):
        assert not _full_scans(plan), plan


def test_the_portal_s_own_tickets_are_read_by_index(desk: tuple[Session, User, User]) -> None:
    session, _tech, requester = desk

    def my_tickets() -> None:  # what web.routes.portal.my_tickets reads
        mine = str(requester.id)
        for statuses in (list(ACTIVE_STATUSES), [Status.RESOLVED, Status.CLOSED]):
            filters = TicketFilters(status=statuses, requester=mine)
            rows, _ = access.list_page(session, viewer=requester, filters=filters, limit=50)
            assert rows
            access.ticket_views(session, viewer=requester, tickets=rows)
        watchers.watched_by(session, user=requester)

    for plan in _plans(session, my_tickets):
        assert not _full_scans(plan), plan
