"""The report's eight SQL statements, built once per database kind.

The period bounds are bound parameters (``start``, ``end``), so each statement
is constructed and compiled once per process and reused: a report costs its
queries, not their construction. See :mod:`itsm.reports.service` for what each
one feeds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from sqlalchemy import and_, bindparam, func, literal, or_, select, text
from sqlalchemy.orm import Session

from itsm.db.base import UTCDateTime
from itsm.reports.durations import seconds_between
from itsm.reports.percentiles import AnySelect, distribution_statement
from itsm.tickets.models import ACTIVE_STATUSES, Ticket, TicketComment

START = bindparam("start", type_=UTCDateTime())
END = bindparam("end", type_=UTCDateTime())
# Rendered as SQL literals, not bound: the partial index ix_tickets_active (WHERE status
# IN ('open', 'in_progress', 'pending')) then serves the backlog on both databases.
ACTIVE = [literal(s.value, literal_execute=True) for s in ACTIVE_STATUSES]
MEDIAN_P90 = (0.5, 0.9)


@dataclass(frozen=True)
class Statements:
    created: AnySelect
    resolved: AnySelect
    closed: AnySelect
    backlog: AnySelect
    time_to_acknowledge: AnySelect
    time_to_resolve: AnySelect
    load: AnySelect
    time_spent: AnySelect


@contextmanager
def custom_plans(session: Session) -> Iterator[None]:
    """On PostgreSQL, plan the report's statements for the period at hand.

    psycopg prepares a statement run five times on a connection; PostgreSQL may
    then keep one generic plan for any bounds. A plan made for a 30-day period
    (index range scans) costs twice as much as a sequential scan on a year, so
    the report asks for custom plans, in its transaction only, and puts the
    caller's setting back afterwards.
    """
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    previous = session.execute(
        text(
            "SELECT current_setting('plan_cache_mode'), "
            "set_config('plan_cache_mode', 'force_custom_plan', true)"
        )
    ).scalar_one()
    try:
        yield
    finally:
        session.execute(
            text("SELECT set_config('plan_cache_mode', :previous, true)"), {"previous": previous}
        )


@cache
def statements(dialect: str) -> Statements:
    t, c = Ticket, TicketComment
    count = func.count
    created_in = and_(t.created_at >= START, t.created_at < END)
    resolved_in = and_(t.resolved_at >= START, t.resolved_at < END)
    fr_at, fr_due = t.first_response_at, t.first_response_due_at
    res_at, res_due = t.resolved_at, t.resolution_due_at
    ttr = seconds_between(dialect, t.resolved_at, t.created_at)
    return Statements(
        # 1. Tickets created in the period: opened, and both SLA cohorts.
        created=select(
            t.category,
            t.priority,
            t.status,
            count().label("opened"),
            count(fr_due).label("fr_due"),
            count().filter(fr_at <= fr_due).label("fr_met"),
            count()
            .filter(or_(fr_at > fr_due, and_(fr_at.is_(None), fr_due < END)))
            .label("fr_breached"),
            count(res_due).label("res_due"),
            count().filter(res_at <= res_due).label("res_met"),
            count()
            .filter(or_(res_at > res_due, and_(res_at.is_(None), res_due < END)))
            .label("res_breached"),
        )
        .where(created_in)
        .group_by(t.category, t.priority, t.status),
        # 2. Tickets resolved in the period, by category, priority and assignee.
        resolved=select(
            t.category,
            t.priority,
            t.assignee_id,
            count().label("resolved"),
            func.sum(ttr).label("ttr_total"),
            count(t.satisfaction_rating).label("rated"),
            func.sum(t.satisfaction_rating).label("rating_total"),
            count(res_due).label("res_due"),
            count().filter(res_at <= res_due).label("res_met"),
            count().filter(res_at > res_due).label("res_breached"),
        )
        .where(resolved_in)
        .group_by(t.category, t.priority, t.assignee_id),
        # 3. Closed in the period.
        closed=select(count()).select_from(t).where(t.closed_at >= START, t.closed_at < END),
        # 4-6. Distributions: backlog age at END, time to acknowledge, time to resolve.
        backlog=distribution_statement(
            dialect,
            select(seconds_between(dialect, END, t.created_at).label("x")).where(
                t.status.in_(ACTIVE), t.created_at < END
            ),
            (0.5,),
        ),
        time_to_acknowledge=distribution_statement(
            dialect,
            select(seconds_between(dialect, fr_at, t.created_at).label("x")).where(
                created_in, fr_at.is_not(None)
            ),
            MEDIAN_P90,
        ),
        time_to_resolve=distribution_statement(
            dialect, select(ttr.label("x")).where(resolved_in), MEDIAN_P90
        ),
        # 7. Active tickets now, per assignee (NULL: unassigned).
        load=select(t.assignee_id, count()).where(t.status.in_(ACTIVE)).group_by(t.assignee_id),
        # 8. Minutes logged in the period, per comment author.
        time_spent=select(c.author_id, func.sum(c.time_spent_minutes))
        .where(c.created_at >= START, c.created_at < END, c.time_spent_minutes > 0)
        .group_by(c.author_id),
    )
