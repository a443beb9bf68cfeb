"""The service metrics report: every figure is a SQL aggregate over the period.

Eight queries, whatever the number of tickets; none returns ticket rows:

1. tickets created in the period, grouped by category, priority and status:
   opened, and both SLA cohorts (met / breached / due);
2. tickets resolved in the period, grouped by category, priority and assignee:
   resolved, summed time to resolve, ratings, resolution SLA of the assignee;
3. tickets closed in the period: a count;
4. the backlog at the end of the period: count, summed / maximum / median age;
5. time to acknowledge of the tickets created in the period: count, sum, p50, p90;
6. time to resolve of the tickets resolved in the period: count, sum, p50, p90;
7. active tickets now, per assignee;
8. minutes logged on comments in the period, per author.

Python only adds up the few dozen group rows of 1 and 2 and divides. Usernames
come from the users service, one lookup per technician in the report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from itsm.reports.durations import moment, seconds_between
from itsm.reports.percentiles import distribution
from itsm.reports.period import check_period
from itsm.reports.schemas import (
    Backlog,
    Breakdown,
    Durations,
    Satisfaction,
    ServiceReport,
    SlaCompliance,
    TechnicianMetrics,
)
from itsm.tickets.models import ACTIVE_STATUSES, Category, Priority, Status, Ticket, TicketComment
from itsm.users import service as users

HOUR = 3600.0
ACTIVE = [s.value for s in ACTIVE_STATUSES]


@dataclass
class _Sla:
    due: int = 0
    met: int = 0
    breached: int = 0

    def add(self, due: int, met: int, breached: int) -> None:
        self.due += due
        self.met += met
        self.breached += breached

    def read(self) -> SlaCompliance:
        judged = self.met + self.breached
        return SlaCompliance(
            met=self.met,
            breached=self.breached,
            pending=self.due - judged,
            percent_met=_percent(self.met, judged),
        )


@dataclass
class _Resolved:
    count: int = 0
    seconds: int = 0

    def mean_hours(self) -> float | None:
        return _hours(self.seconds / self.count) if self.count else None


@dataclass
class _Person:
    load: int = 0
    resolved: int = 0
    minutes: int = 0
    sla: _Sla = field(default_factory=_Sla)


def service_report(session: Session, *, start: datetime, end: datetime) -> ServiceReport:
    """Service metrics of ``[start, end)``; see :mod:`itsm.reports` for each definition."""
    period = check_period(start, end)
    start, end = period.start, period.end
    dialect = session.get_bind().dialect.name
    t = Ticket
    created_in = and_(t.created_at >= start, t.created_at < end)
    resolved_in = and_(t.resolved_at >= start, t.resolved_at < end)

    opened_by: dict[tuple[str, str], int] = defaultdict(int)
    by_status: dict[str, int] = defaultdict(int)
    first_response, resolution = _Sla(), _Sla()
    for row in session.execute(_created_cohort(created_in, end)):
        opened_by[row.category, row.priority] += row.opened
        by_status[row.status] += row.opened
        first_response.add(row.fr_due, row.fr_met, row.fr_breached)
        resolution.add(row.res_due, row.res_met, row.res_breached)

    resolved_by: dict[tuple[str, str], _Resolved] = defaultdict(_Resolved)
    people: dict[int | None, _Person] = defaultdict(_Person)
    rated = rating_total = 0
    for row in session.execute(_resolved_cohort(dialect, resolved_in)):
        group = resolved_by[row.category, row.priority]
        group.count += row.resolved
        group.seconds += int(row.ttr_total or 0)
        rated += row.rated
        rating_total += int(row.rating_total or 0)
        person = people[row.assignee_id]
        person.resolved += row.resolved
        person.sla.add(row.res_due, row.res_met, row.res_breached)

    closed = session.scalar(
        select(func.count()).select_from(t).where(t.closed_at >= start, t.closed_at < end)
    )
    backlog = distribution(
        session,
        select(seconds_between(dialect, moment(end), t.created_at).label("x")).where(
            t.status.in_(ACTIVE), t.created_at < end
        ),
        (0.5,),
    )
    tta = distribution(
        session,
        select(seconds_between(dialect, t.first_response_at, t.created_at).label("x")).where(
            created_in, t.first_response_at.is_not(None)
        ),
        (0.5, 0.9),
    )
    ttr = distribution(
        session,
        select(seconds_between(dialect, t.resolved_at, t.created_at).label("x")).where(resolved_in),
        (0.5, 0.9),
    )
    for assignee_id, load in session.execute(
        select(t.assignee_id, func.count()).where(t.status.in_(ACTIVE)).group_by(t.assignee_id)
    ):
        people[assignee_id].load += load
    c = TicketComment
    for author_id, minutes in session.execute(
        select(c.author_id, func.sum(c.time_spent_minutes))
        .where(c.created_at >= start, c.created_at < end, c.time_spent_minutes > 0)
        .group_by(c.author_id)
    ):
        people[author_id].minutes += int(minutes or 0)

    resolved_total = sum(g.count for g in resolved_by.values())
    return ServiceReport(
        start=start,
        end=end,
        opened=sum(opened_by.values()),
        closed=int(closed or 0),
        resolved=resolved_total,
        opened_by_status={s.value: by_status.get(s.value, 0) for s in Status},
        backlog=Backlog(
            count=backlog.count,
            mean_age_hours=_hours(backlog.mean),
            median_age_hours=_hours(backlog.quantiles[0]),
            max_age_hours=_hours(backlog.maximum),
        ),
        time_to_acknowledge=_durations(tta.count, tta.mean, tta.quantiles),
        time_to_resolve=_durations(ttr.count, ttr.mean, ttr.quantiles),
        first_response_sla=first_response.read(),
        resolution_sla=resolution.read(),
        satisfaction=Satisfaction(
            resolved=resolved_total,
            rated=rated,
            average_rating=round(rating_total / rated, 3) if rated else None,
            response_rate_percent=_percent(rated, resolved_total),
        ),
        technicians=_technicians(session, people),
        categories=_breakdown(Category, 0, opened_by, resolved_by),
        priorities=_breakdown(Priority, 1, opened_by, resolved_by),
    )


def _created_cohort(created_in: ColumnElement[bool], end: datetime) -> Any:
    """Query 1: opened and SLA outcomes of the tickets created in the period."""
    t = Ticket
    count = func.count
    fr_at, fr_due = t.first_response_at, t.first_response_due_at
    res_at, res_due = t.resolved_at, t.resolution_due_at
    return (
        select(
            t.category,
            t.priority,
            t.status,
            count().label("opened"),
            count(fr_due).label("fr_due"),
            count().filter(fr_at <= fr_due).label("fr_met"),
            count()
            .filter(or_(fr_at > fr_due, and_(fr_at.is_(None), fr_due < end)))
            .label("fr_breached"),
            count(res_due).label("res_due"),
            count().filter(res_at <= res_due).label("res_met"),
            count()
            .filter(or_(res_at > res_due, and_(res_at.is_(None), res_due < end)))
            .label("res_breached"),
        )
        .where(created_in)
        .group_by(t.category, t.priority, t.status)
    )


def _resolved_cohort(dialect: str, resolved_in: ColumnElement[bool]) -> Any:
    """Query 2: resolutions in the period by category, priority and assignee."""
    t = Ticket
    count = func.count
    return (
        select(
            t.category,
            t.priority,
            t.assignee_id,
            count().label("resolved"),
            func.sum(seconds_between(dialect, t.resolved_at, t.created_at)).label("ttr_total"),
            count(t.satisfaction_rating).label("rated"),
            func.sum(t.satisfaction_rating).label("rating_total"),
            count(t.resolution_due_at).label("res_due"),
            count().filter(t.resolved_at <= t.resolution_due_at).label("res_met"),
            count().filter(t.resolved_at > t.resolution_due_at).label("res_breached"),
        )
        .where(resolved_in)
        .group_by(t.category, t.priority, t.assignee_id)
    )


def _technicians(session: Session, people: Mapping[int | None, _Person]) -> list[TechnicianMetrics]:
    rows: list[TechnicianMetrics] = []
    for user_id, p in people.items():
        if not (p.load or p.resolved or p.minutes):
            continue
        sla = p.sla.read()
        rows.append(
            TechnicianMetrics(
                user_id=user_id,
                username=None if user_id is None else users.get_user(session, ref=user_id).username,
                active_load=p.load,
                resolved=p.resolved,
                time_spent_minutes=p.minutes,
                sla_met=sla.met,
                sla_breached=sla.breached,
                sla_percent_met=sla.percent_met,
            )
        )
    rows.sort(key=lambda r: (r.username is None, r.username or ""))
    return rows


def _breakdown(
    order: type[StrEnum],
    position: int,
    opened: Mapping[tuple[str, str], int],
    resolved: Mapping[tuple[str, str], _Resolved],
) -> list[Breakdown]:
    """Per category (``position`` 0) or priority (1), every value in the enum's order."""
    out: list[Breakdown] = []
    for member in order:
        mine = _Resolved()
        for key, group in resolved.items():
            if key[position] == member.value:
                mine.count += group.count
                mine.seconds += group.seconds
        out.append(
            Breakdown(
                key=member.value,
                opened=sum(n for key, n in opened.items() if key[position] == member.value),
                resolved=mine.count,
                mean_time_to_resolve_hours=mine.mean_hours(),
            )
        )
    return out


def _durations(count: int, mean: float | None, quantiles: Iterable[float | None]) -> Durations:
    median, p90 = quantiles
    return Durations(
        count=count, mean_hours=_hours(mean), median_hours=_hours(median), p90_hours=_hours(p90)
    )


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / HOUR, 4)


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None
