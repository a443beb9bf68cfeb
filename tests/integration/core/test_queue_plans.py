"""The queues' SQL is what the partial indexes were made for: SQLite reads each page
in order from its index, without sorting (statuses and ``IS NULL`` are literals).

PostgreSQL's choice depends on table statistics, so it is checked at a million
tickets instead (docs/performance.md, ticket_queries).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from itsm.tickets import queries
from itsm.tickets.schemas import TicketFilters
from tests.factories import make_ticket, make_user

ACTIVE = ["open", "in_progress", "pending"]


def _plan(session: Session, **page: Any) -> str:
    """SQLite's ``EXPLAIN QUERY PLAN`` of the statement ``list_page`` runs."""
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cur: Any, statement: str, params: Any, *_rest: Any) -> None:
        seen.append((statement, params))

    bind = session.connection()
    event.listen(bind, "before_cursor_execute", keep)
    try:
        queries.list_page(session, **page)
    finally:
        event.remove(bind, "before_cursor_execute", keep)
    statement, params = next((s, p) for s, p in seen if "FROM tickets" in s)
    raw = bind.connection.dbapi_connection
    assert raw is not None
    rows = raw.execute(f"EXPLAIN QUERY PLAN {statement}", params).fetchall()
    return "\n".join(str(r[-1]) for r in rows)


@pytest.fixture
def sqlite_session(backend: str, session: Session) -> Session:
    if backend != "sqlite":
        pytest.skip("plans of PostgreSQL are checked on the full-size data set")
    return session


def test_unassigned_queue_by_priority_is_read_in_index_order(sqlite_session: Session) -> None:
    make_ticket(sqlite_session, priority="high")
    filters = TicketFilters(status=ACTIVE, priority=["critical", "high"], unassigned=True)
    first, cursor = queries.list_page(
        sqlite_session, filters=filters, sort=queries.Sort.PRIORITY, limit=1
    )
    assert len(first) == 1
    assert cursor is None
    for page in ({}, {"cursor": queries.encode_cursor(queries.Sort.PRIORITY, first[0])}):
        plan = _plan(sqlite_session, filters=filters, sort=queries.Sort.PRIORITY, **page)
        # Without ANALYZE statistics (a database as itsm leaves it) SQLite takes the
        # technician's index with ``assignee_id IS NULL`` as its equality.
        assert "ix_tickets_active_assignee_priority (assignee_id=?" in plan
        assert "TEMP B-TREE" not in plan


def test_a_technicians_queue_by_priority_is_read_in_index_order(sqlite_session: Session) -> None:
    tech = make_user(sqlite_session, role="technician")
    filters = TicketFilters(status=ACTIVE, assignee=tech.username)
    plan = _plan(sqlite_session, filters=filters, sort=queries.Sort.PRIORITY)
    assert "ix_tickets_active_assignee_priority" in plan
    assert "TEMP B-TREE" not in plan
    newest = _plan(sqlite_session, filters=filters, sort=queries.Sort.NEWEST)
    assert "ix_tickets_active_assignee " in newest + " "
    assert "TEMP B-TREE" not in newest
