"""Ticket lists: filters, sort orders and keyset pages that never skip nor repeat."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from itsm.tickets import queries
from itsm.tickets import service as tickets
from itsm.tickets.errors import InvalidCursor
from itsm.tickets.models import Category, Priority, Status, Ticket
from itsm.tickets.queries import Sort
from itsm.tickets.schemas import CommentCreate, TicketFilters
from itsm.users.errors import UserNotFound
from tests.factories import make_ticket, make_user

PRIORITIES = list(Priority)
CATEGORIES = list(Category)


@dataclass
class Queue:
    tickets: list[Ticket]
    by_ana: set[int]
    assigned_to_tech: set[int]
    in_progress: set[int]
    resolved: set[int]


@pytest.fixture
def queue(session: Session) -> Queue:
    """25 tickets: priorities, categories, requesters, assignees and statuses all mixed."""
    ana = make_user(session, username="ana")
    pedro = make_user(session, username="pedro")
    tech = make_user(session, role="technician", username="tech")
    made: list[Ticket] = []
    for i in range(25):
        made.append(
            make_ticket(
                session,
                requester=ana if i % 2 == 0 else pedro,
                title=f"Problem number {i}",
                priority=PRIORITIES[i % 4].value,
                category=CATEGORIES[i % 5].value,
                assignee_id=tech.id if i % 3 == 0 else None,
            )
        )
    for t in made[1::4]:
        tickets.change_status(session, ref=t.id, status=Status.IN_PROGRESS, actor=tech)
    for t in made[2::6]:
        tickets.change_status(session, ref=t.id, status=Status.RESOLVED, actor=tech, note="Fixed.")
    return Queue(
        tickets=made,
        by_ana={t.id for t in made[0::2]},
        assigned_to_tech={t.id for t in made[0::3]},
        in_progress={t.id for t in made[1::4]},
        resolved={t.id for t in made[2::6]},
    )


def _ids(session: Session, sort: Sort = Sort.NEWEST, limit: int = 500, **filters: Any) -> list[int]:
    rows, cursor = queries.list_page(
        session, filters=TicketFilters(**filters), sort=sort, limit=limit
    )
    assert cursor is None
    return [t.id for t in rows]


def _walk(session: Session, sort: Sort, limit: int, **filters: Any) -> tuple[list[int], int]:
    seen: list[int] = []
    pages = 0
    cursor: str | None = None
    while True:
        rows, cursor = queries.list_page(
            session, filters=TicketFilters(**filters), sort=sort, limit=limit, cursor=cursor
        )
        pages += 1
        assert len(rows) <= limit
        seen.extend(t.id for t in rows)
        if cursor is None:
            return seen, pages
        assert len(rows) == limit
        assert pages < 100


def _expected(queue: Queue, sort: Sort) -> list[int]:
    if sort is Sort.PRIORITY:
        ordered = sorted(queue.tickets, key=lambda t: (t.priority_rank, t.created_at, t.id))
    else:
        ordered = sorted(queue.tickets, key=lambda t: (t.created_at, t.id))
        if sort is Sort.NEWEST:
            ordered.reverse()
    return [t.id for t in ordered]


def test_sort_orders(session: Session, queue: Queue) -> None:
    newest = _ids(session, Sort.NEWEST)
    assert newest == [t.id for t in reversed(queue.tickets)]
    assert _ids(session, Sort.OLDEST) == [t.id for t in queue.tickets]
    by_priority = _ids(session, Sort.PRIORITY)
    assert by_priority == _expected(queue, Sort.PRIORITY)
    rank_of = {t.id: t.priority_rank for t in queue.tickets}
    ranks = [rank_of[i] for i in by_priority]
    assert ranks == sorted(ranks)
    assert ranks[0] == 1


@pytest.mark.parametrize("sort", list(Sort))
def test_pages_cover_every_ticket_once_in_order(session: Session, queue: Queue, sort: Sort) -> None:
    seen, pages = _walk(session, sort, limit=7)
    assert pages == 4  # 7 + 7 + 7 + 4
    assert len(seen) == len(set(seen)) == 25
    assert seen == _expected(queue, sort)


@pytest.mark.parametrize("sort", list(Sort))
def test_pages_survive_identical_creation_times(session: Session, queue: Queue, sort: Sort) -> None:
    # Three tickets in each instant: only the id tells them apart, and the cursor must use it.
    base = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
    for i, t in enumerate(queue.tickets):
        session.execute(
            update(Ticket)
            .where(Ticket.id == t.id)
            .values(created_at=base + timedelta(seconds=i // 3))
        )
    session.expire_all()
    for t in queue.tickets:
        session.refresh(t)
    seen, _ = _walk(session, sort, limit=4)
    assert seen == _expected(queue, sort)


def test_pages_with_a_filter(session: Session, queue: Queue) -> None:
    seen, pages = _walk(session, Sort.OLDEST, limit=3, requester="ana")
    assert seen == [t.id for t in queue.tickets if t.id in queue.by_ana]
    assert pages == 5  # 13 tickets


def test_exact_page_size_ends_without_an_empty_page(session: Session, queue: Queue) -> None:
    seen, pages = _walk(session, Sort.NEWEST, limit=25)
    assert (len(seen), pages) == (25, 1)


def test_filter_by_status(session: Session, queue: Queue) -> None:
    assert set(_ids(session, status=["in_progress"])) == queue.in_progress
    both = set(_ids(session, status=["in_progress", "resolved"]))
    assert both == queue.in_progress | queue.resolved


def test_filter_by_priority_and_category(session: Session, queue: Queue) -> None:
    critical = {t.id for t in queue.tickets if t.priority == "critical"}
    assert set(_ids(session, priority=["critical"])) == critical
    network = {t.id for t in queue.tickets if t.category == "network"}
    assert set(_ids(session, category=["network"])) == network
    both = set(_ids(session, priority=["critical"], category=["network"]))
    assert both == critical & network


def test_filter_by_people(session: Session, queue: Queue) -> None:
    assert set(_ids(session, assignee="TECH")) == queue.assigned_to_tech
    all_ids = {t.id for t in queue.tickets}
    assert set(_ids(session, unassigned=True)) == all_ids - queue.assigned_to_tech
    assert set(_ids(session, requester="ana")) == queue.by_ana
    ana_unassigned = set(_ids(session, requester="ana", unassigned=True))
    assert ana_unassigned == queue.by_ana - queue.assigned_to_tech


def test_filter_by_unknown_person_is_refused(session: Session, queue: Queue) -> None:
    with pytest.raises(UserNotFound):
        _ids(session, assignee="ghost")


def test_filter_by_text_includes_comment_matches(session: Session, queue: Queue) -> None:
    target = queue.tickets[4]
    tickets.add_comment(
        session, ref=target.id, data=CommentCreate(body="cable desenchufado"), actor=None
    )
    assert _ids(session, text="desenchufado") == [target.id]
    assert _ids(session, text="problem 12") == [queue.tickets[12].id]
    assert len(_ids(session, text="problem", status=["resolved"])) == len(queue.resolved)


def test_limit_is_clamped(session: Session, queue: Queue) -> None:
    rows, cursor = queries.list_page(session, filters=TicketFilters(), limit=0)
    assert len(rows) == 1
    assert cursor is not None


def _forged(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "%%%",
        _forged({"s": "newest", "k": ["2030-01-01T00:00:00", 1]}),  # naive time
        _forged({"s": "newest", "k": [1]}),
        _forged({"s": "newest"}),
    ],
)
def test_invalid_cursor_is_refused(session: Session, queue: Queue, cursor: str) -> None:
    with pytest.raises(InvalidCursor, match="invalid cursor: it is not one this list gave out"):
        queries.list_page(session, filters=TicketFilters(), cursor=cursor)


@pytest.mark.parametrize(
    ("made_for", "used_for"),
    [(Sort.NEWEST, Sort.OLDEST), (Sort.OLDEST, Sort.PRIORITY), (Sort.PRIORITY, Sort.NEWEST)],
)
def test_cursor_from_another_sort_is_refused(
    session: Session, queue: Queue, made_for: Sort, used_for: Sort
) -> None:
    _, cursor = queries.list_page(session, filters=TicketFilters(), sort=made_for, limit=5)
    assert cursor is not None
    with pytest.raises(InvalidCursor, match="cursor was made for another sort order"):
        queries.list_page(session, filters=TicketFilters(), sort=used_for, cursor=cursor)
