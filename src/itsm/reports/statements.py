"""The report's eight SQL statements, built once per process.

The period bounds are bound parameters (``start``, ``end``), so each statement
is constructed once and reused (and, but for the three distributions, compiled
once per database): a report costs its queries, not their construction. See
:mod:`itsm.reports.service` for what each one feeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Executable, and_, bindparam, func, literal, or_, select

from itsm.db.base import UTCDateTime
from itsm.db.dialects import AnySelect, seconds_between
from itsm.reports.percentiles import distribution_statement
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
    backlog: Executable
    time_to_acknowledge: Executable
    time_to_resolve: Executable
    load: AnySelect
    time_spent: AnySelect


def created_in(start: Any, end: Any) -> ColumnElement[bool]:
    """Opened in ``[start, end)``: what the report and the dashboard's trend count."""
    return and_(Ticket.created_at >= start, Ticket.created_at < end)


def resolved_in(start: Any, end: Any) -> ColumnElement[bool]:
    """Resolved in ``[start, end)``; ratings belong to the period of the resolution."""
    return and_(Ticket.resolved_at >= start, Ticket.resolved_at < end)


def rating_sums() -> tuple[ColumnElement[int], ColumnElement[int | None]]:
    """``rated`` and ``rating_total`` of the resolved tickets a statement groups."""
    rating = Ticket.satisfaction_rating
    return func.count(rating).label("rated"), func.sum(rating).label("rating_total")


@cache
def statements() -> Statements:
    t, c = Ticket, TicketComment
    count = func.count
    fr_at, fr_due = t.first_response_at, t.first_response_due_at
    res_at, res_due = t.resolved_at, t.resolution_due_at
    ttr = seconds_between(t.resolved_at, t.created_at)
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
        .where(created_in(START, END))
        .group_by(t.category, t.priority, t.status),
        # 2. Tickets resolved in the period, by category, priority and assignee.
        resolved=select(
            t.category,
            t.priority,
            t.assignee_id,
            count().label("resolved"),
            func.sum(ttr).label("ttr_total"),
            *rating_sums(),
            count(res_due).label("res_due"),
            count().filter(res_at <= res_due).label("res_met"),
            count().filter(res_at > res_due).label("res_breached"),
        )
        .where(resolved_in(START, END))
        .group_by(t.category, t.priority, t.assignee_id),
        # 3. Closed in the period.
        closed=select(count()).select_from(t).where(t.closed_at >= START, t.closed_at < END),
        # 4-6. Distributions: backlog age at END, time to acknowledge, time to resolve.
        backlog=distribution_statement(
            select(seconds_between(END, t.created_at).label("x")).where(
                t.status.in_(ACTIVE), t.created_at < END
            ),
            (0.5,),
        ),
        time_to_acknowledge=distribution_statement(
            select(seconds_between(fr_at, t.created_at).label("x")).where(
                created_in(START, END), fr_at.is_not(None)
            ),
            MEDIAN_P90,
        ),
        time_to_resolve=distribution_statement(
            select(ttr.label("x")).where(resolved_in(START, END)), MEDIAN_P90
        ),
        # 7. Active tickets now, per assignee (NULL: unassigned).
        load=select(t.assignee_id, count()).where(t.status.in_(ACTIVE)).group_by(t.assignee_id),
        # 8. Minutes logged in the period, per comment author.
        time_spent=select(c.author_id, func.sum(c.time_spent_minutes))
        .where(c.created_at >= START, c.created_at < END, c.time_spent_minutes > 0)
        .group_by(c.author_id),
    )
