"""Tickets with chosen timestamps for the report tests, and the figures they must give.

Tickets and comments are inserted with explicit columns (a lightweight table,
not the ORM model), so the data holds exactly the timestamps a test chose,
whatever defaults or lifecycle rules the tickets domain adds later. Users come
from the users service (``tests.factories``).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, Integer, SmallInteger, String, Text, column, insert, table
from sqlalchemy.orm import Session

from itsm.db.base import UTCDateTime
from itsm.reports.schemas import (
    Backlog,
    Breakdown,
    Durations,
    Satisfaction,
    ServiceReport,
    SlaCompliance,
    TechnicianMetrics,
)
from itsm.tickets.models import Category, Priority, Status
from tests.factories import make_user

_numbers = itertools.count(1)

TICKETS = table(
    "tickets",
    column("id", Integer),
    column("number", String),
    column("title", String),
    column("description", Text),
    column("category", String),
    column("priority", String),
    column("status", String),
    column("source", String),
    column("requester_id", Integer),
    column("assignee_id", Integer),
    column("first_response_due_at", UTCDateTime()),
    column("resolution_due_at", UTCDateTime()),
    column("first_response_at", UTCDateTime()),
    column("resolved_at", UTCDateTime()),
    column("closed_at", UTCDateTime()),
    column("satisfaction_rating", SmallInteger),
    column("created_at", UTCDateTime()),
    column("updated_at", UTCDateTime()),
)
COMMENTS = table(
    "ticket_comments",
    column("id", Integer),
    column("ticket_id", Integer),
    column("author_id", Integer),
    column("body", Text),
    column("is_internal", Boolean),
    column("time_spent_minutes", Integer),
    column("created_at", UTCDateTime()),
)


def add_ticket(
    session: Session,
    *,
    requester_id: int,
    created: datetime,
    category: str = "hardware",
    priority: str = "medium",
    status: str = "open",
    assignee_id: int | None = None,
    first_response: datetime | None = None,
    first_response_due: datetime | None = None,
    resolved: datetime | None = None,
    resolution_due: datetime | None = None,
    closed: datetime | None = None,
    rating: int | None = None,
) -> int:
    n = next(_numbers)
    values: dict[str, Any] = {
        "number": f"TKT-RPT-{n:07d}",
        "title": f"Report ticket {n}",
        "description": "",
        "category": category,
        "priority": priority,
        "status": status,
        "source": "cli",
        "requester_id": requester_id,
        "assignee_id": assignee_id,
        "first_response_due_at": first_response_due,
        "resolution_due_at": resolution_due,
        "first_response_at": first_response,
        "resolved_at": resolved,
        "closed_at": closed,
        "satisfaction_rating": rating,
        "created_at": created,
        "updated_at": created,
    }
    new_id = session.execute(insert(TICKETS).values(values).returning(TICKETS.c.id)).scalar_one()
    return int(new_id)


def add_comment(
    session: Session, *, ticket_id: int, author_id: int | None, at: datetime, minutes: int
) -> None:
    session.execute(
        insert(COMMENTS).values(
            ticket_id=ticket_id,
            author_id=author_id,
            body="Worked on it.",
            is_internal=False,
            time_spent_minutes=minutes,
            created_at=at,
        )
    )


# The hand-built scenario ----------------------------------------------------------

START = datetime(2025, 3, 1, tzinfo=UTC)
END = datetime(2025, 4, 1, tzinfo=UTC)


def at(month: int, day: int, hour: float = 0) -> datetime:
    return datetime(2025, month, day, tzinfo=UTC) + timedelta(hours=hour)


@dataclass(frozen=True)
class Scenario:
    alice: int
    bob: int
    requester: int


def build_scenario(session: Session) -> Scenario:
    """Eleven tickets around March 2025 (period ``[START, END)``); see :func:`expected`."""
    alice = make_user(session, role="technician", username="alice").id
    bob = make_user(session, role="technician", username="bob").id
    req = make_user(session).id

    def t(**fields: Any) -> int:
        return add_ticket(session, requester_id=req, **fields)

    # A: before the period, still open: backlog (960 h at END), alice's load.
    t(created=at(2, 20), assignee_id=alice)
    # B: TTA 1 h (met), TTR 10 h (met), closed in period, rating 5.
    b = t(
        created=at(3, 2),
        category="hardware",
        priority="high",
        status="closed",
        assignee_id=alice,
        first_response=at(3, 2, 1),
        first_response_due=at(3, 2, 4),
        resolved=at(3, 2, 10),
        resolution_due=at(3, 3),
        closed=at(3, 5),
        rating=5,
    )
    # C: TTA 3 h (breached), TTR 48 h (breached), rating 3.
    c = t(
        created=at(3, 3),
        category="software",
        priority="medium",
        status="resolved",
        assignee_id=alice,
        first_response=at(3, 3, 3),
        first_response_due=at(3, 3, 2),
        resolved=at(3, 5),
        resolution_due=at(3, 4),
        rating=3,
    )
    # D: TTA 2 h (met), TTR 24 h (met), not rated.
    d = t(
        created=at(3, 10),
        category="hardware",
        priority="low",
        status="resolved",
        assignee_id=bob,
        first_response=at(3, 10, 2),
        first_response_due=at(3, 10, 8),
        resolved=at(3, 11),
        resolution_due=at(3, 20),
    )
    # E: TTA 0.5 h (met), unresolved past its resolution due time (breached); backlog 288 h.
    t(
        created=at(3, 20),
        category="network",
        priority="critical",
        status="in_progress",
        assignee_id=bob,
        first_response=at(3, 20, 0.5),
        first_response_due=at(3, 20, 1),
        resolution_due=at(3, 20, 4),
    )
    # F: no response, due before END (breached); resolution due after END (pending); 24 h.
    t(
        created=at(3, 31),
        category="account",
        priority="critical",
        first_response_due=at(3, 31, 1),
        resolution_due=at(4, 2),
    )
    # G: response due after END (pending), no resolution target; backlog 168 h.
    t(
        created=at(3, 25),
        category="other",
        priority="medium",
        status="pending",
        first_response_due=at(4, 5),
    )
    # H: created before the period, resolved in it: TTR 108 h (breached), rating 4.
    t(
        created=at(2, 25),
        category="hardware",
        priority="medium",
        status="resolved",
        assignee_id=bob,
        first_response=at(2, 25, 1),
        resolved=at(3, 1, 12),
        resolution_due=at(2, 27),
        rating=4,
    )
    # I: TTA 6 h (no target), resolved after the period, after its due time (breached).
    t(
        created=at(3, 15),
        category="software",
        priority="high",
        status="resolved",
        assignee_id=alice,
        first_response=at(3, 15, 6),
        resolved=at(4, 2),
        resolution_due=at(3, 16),
    )
    # J: created after the period: not opened, not backlog; bob's load now.
    j = t(created=at(4, 5), category="network", priority="low", assignee_id=bob)
    # K: unassigned, resolved in the period (TTR 24 h), closed after it, rating 1.
    t(
        created=at(3, 28),
        category="hardware",
        priority="medium",
        status="closed",
        resolved=at(3, 29),
        closed=at(4, 3),
        rating=1,
    )
    add_comment(session, ticket_id=b, author_id=alice, at=at(3, 2, 1), minutes=30)
    add_comment(session, ticket_id=c, author_id=alice, at=at(2, 28), minutes=45)  # before
    add_comment(session, ticket_id=c, author_id=alice, at=at(3, 4), minutes=15)
    add_comment(session, ticket_id=d, author_id=bob, at=at(3, 10, 2), minutes=60)
    add_comment(session, ticket_id=j, author_id=bob, at=at(4, 5), minutes=20)  # after
    add_comment(session, ticket_id=d, author_id=req, at=at(3, 10, 3), minutes=0)
    return Scenario(alice=alice, bob=bob, requester=req)


def _row(key: str, opened: int, resolved: int, mean: float | None) -> Breakdown:
    return Breakdown(key=key, opened=opened, resolved=resolved, mean_time_to_resolve_hours=mean)


def expected(s: Scenario) -> ServiceReport:
    """The figures of :func:`build_scenario` over ``[START, END)``, worked out by hand."""
    return ServiceReport(
        start=START,
        end=END,
        opened=8,  # B C D E F G I K
        closed=1,  # B
        resolved=5,  # B C D H K
        opened_by_status={"open": 1, "in_progress": 1, "pending": 1, "resolved": 3, "closed": 2},
        # ages 24, 168, 288, 960 h
        backlog=Backlog(count=4, mean_age_hours=360.0, median_age_hours=228.0, max_age_hours=960.0),
        # 0.5 1 2 3 6: p90 at rank 3.6 -> 3 + 0.6 * (6 - 3)
        time_to_acknowledge=Durations(count=5, mean_hours=2.5, median_hours=2.0, p90_hours=4.8),
        # 10 24 24 48 108: p90 -> 48 + 0.6 * 60
        time_to_resolve=Durations(count=5, mean_hours=42.8, median_hours=24.0, p90_hours=84.0),
        first_response_sla=SlaCompliance(met=3, breached=2, pending=1, percent_met=60.0),
        resolution_sla=SlaCompliance(met=2, breached=3, pending=1, percent_met=40.0),
        satisfaction=Satisfaction(
            resolved=5, rated=4, average_rating=3.25, response_rate_percent=80.0
        ),
        technicians=[
            TechnicianMetrics(
                user_id=s.alice,
                username="alice",
                active_load=1,
                resolved=2,
                time_spent_minutes=45,
                sla_met=1,
                sla_breached=1,
                sla_percent_met=50.0,
            ),
            TechnicianMetrics(
                user_id=s.bob,
                username="bob",
                active_load=2,
                resolved=2,
                time_spent_minutes=60,
                sla_met=1,
                sla_breached=1,
                sla_percent_met=50.0,
            ),
            TechnicianMetrics(
                user_id=None,
                username=None,
                active_load=2,
                resolved=1,
                time_spent_minutes=0,
                sla_met=0,
                sla_breached=0,
                sla_percent_met=None,
            ),
        ],
        categories=[
            _row("hardware", 3, 4, 41.5),
            _row("software", 2, 1, 48.0),
            _row("network", 1, 0, None),
            _row("account", 1, 0, None),
            _row("other", 1, 0, None),
        ],
        priorities=[
            _row("critical", 2, 0, None),
            _row("high", 2, 1, 10.0),
            _row("medium", 3, 3, 60.0),
            _row("low", 1, 1, 24.0),
        ],
    )


# Random data for cross-database and agreement checks ---------------------------------


def build_random(session: Session, *, seed: int, count: int, now: datetime) -> list[int]:
    """``count`` tickets over the 90 days before ``now``, whole-second timestamps, many ties."""
    rng = random.Random(seed)
    techs = [make_user(session, role="technician", username=f"tech{seed}x{i}").id for i in range(3)]
    req = make_user(session, username=f"requester{seed}").id
    ids: list[int] = []
    base = now.replace(microsecond=0) - timedelta(days=90)
    for _ in range(count):
        created = base + timedelta(seconds=rng.randrange(0, 89 * 86400))
        status = rng.choice(list(Status))
        assignee = rng.choice([*techs, None])

        def later(lo_minutes: int, hi_minutes: int, base_at: datetime = created) -> datetime:
            # Whole minutes most of the time, so that equal durations (ties) are common.
            return base_at + timedelta(minutes=rng.randrange(lo_minutes, hi_minutes))

        responded = rng.random() < 0.8
        done = status in (Status.RESOLVED, Status.CLOSED)
        resolved = later(10, 20_000) if done else None
        ids.append(
            add_ticket(
                session,
                requester_id=req,
                created=created,
                category=rng.choice(list(Category)).value,
                priority=rng.choice(list(Priority)).value,
                status=status.value,
                assignee_id=assignee,
                first_response=later(0, 600) if responded or done else None,
                first_response_due=later(30, 480) if rng.random() < 0.7 else None,
                resolved=resolved,
                resolution_due=later(600, 10_000) if rng.random() < 0.7 else None,
                closed=later(0, 5000, resolved) if resolved and status == Status.CLOSED else None,
                rating=rng.randint(1, 5) if done and rng.random() < 0.5 else None,
            )
        )
    for ticket_id in rng.sample(ids, count // 4):
        add_comment(
            session,
            ticket_id=ticket_id,
            author_id=rng.choice(techs),
            at=base + timedelta(seconds=rng.randrange(0, 90 * 86400)),
            minutes=rng.choice([0, 5, 15, 30, 60]),
        )
    return ids
