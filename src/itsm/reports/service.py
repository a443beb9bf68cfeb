"""The service metrics report: every figure is a SQL aggregate over the period.

Eight queries (:mod:`itsm.reports.statements`) whatever the number of tickets;
none returns ticket rows, and Python only adds up a few dozen group rows. On
PostgreSQL they run with custom plans (:func:`itsm.db.dialects.custom_plans`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Executable, Result
from sqlalchemy.orm import Session

from itsm.db.dialects import custom_plans
from itsm.reports.percentiles import read_distribution
from itsm.reports.period import Period, check_period
from itsm.reports.schemas import (
    Backlog,
    Breakdown,
    Durations,
    Satisfaction,
    ServiceReport,
    SlaCompliance,
    TechnicianMetrics,
)
from itsm.reports.statements import statements
from itsm.tickets.models import Category, Priority, Status
from itsm.users import service as users
from itsm.users.models import STAFF_ROLES

HOUR = 3600.0


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
    """Service metrics of ``[start, end)``; each figure is defined in docs/cli.md ("Reports")."""
    period = check_period(start, end)
    with custom_plans(session):
        return _report(session, period)


def _report(session: Session, period: Period) -> ServiceReport:
    q = statements()
    bounds = {"start": period.start, "end": period.end}

    def run(stmt: Executable) -> Result[*tuple[Any, ...]]:
        return session.execute(stmt, bounds)

    opened_by: dict[tuple[str, str], int] = defaultdict(int)
    by_status: dict[str, int] = defaultdict(int)
    first_response, resolution = _Sla(), _Sla()
    for row in run(q.created):
        opened_by[row.category, row.priority] += row.opened
        by_status[row.status] += row.opened
        first_response.add(row.fr_due, row.fr_met, row.fr_breached)
        resolution.add(row.res_due, row.res_met, row.res_breached)

    resolved_by: dict[tuple[str, str], _Resolved] = defaultdict(_Resolved)
    people: dict[int | None, _Person] = defaultdict(_Person)
    rated = rating_total = 0
    for row in run(q.resolved):
        group = resolved_by[row.category, row.priority]
        group.count += row.resolved
        group.seconds += int(row.ttr_total or 0)
        rated += row.rated
        rating_total += int(row.rating_total or 0)
        person = people[row.assignee_id]
        person.resolved += row.resolved
        person.sla.add(row.res_due, row.res_met, row.res_breached)

    closed = run(q.closed).scalar_one()
    backlog = read_distribution(run(q.backlog).one())
    tta = read_distribution(run(q.time_to_acknowledge).one())
    ttr = read_distribution(run(q.time_to_resolve).one())
    for assignee_id, load in run(q.load):
        people[assignee_id].load += load
    for author_id, minutes in run(q.time_spent):
        people[author_id].minutes += int(minutes or 0)

    resolved_total = sum(g.count for g in resolved_by.values())
    return ServiceReport(
        start=period.start,
        end=period.end,
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
            average_rating=average_rating(rating_total, rated),
            response_rate_percent=_percent(rated, resolved_total),
        ),
        technicians=_technicians(session, people),
        categories=_breakdown(Category, 0, opened_by, resolved_by),
        priorities=_breakdown(Priority, 1, opened_by, resolved_by),
    )


def _usernames(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Usernames of ``ids``: staff in one query per staff role, anyone else one by one."""
    names = {
        user.id: user.username
        for role in sorted(STAFF_ROLES)
        for user in users.list_users(session, who=None, role=role, include_inactive=True)
    }
    for user_id in ids:
        if user_id not in names:
            names[user_id] = users.get_user(session, ref=user_id).username
    return names


def _technicians(session: Session, people: Mapping[int | None, _Person]) -> list[TechnicianMetrics]:
    shown = {k: p for k, p in people.items() if p.load or p.resolved or p.minutes}
    names = _usernames(session, (k for k in shown if k is not None))
    rows: list[TechnicianMetrics] = []
    for user_id, p in shown.items():
        sla = p.sla.read()
        rows.append(
            TechnicianMetrics(
                user_id=user_id,
                username=None if user_id is None else names[user_id],
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


def average_rating(total: int, rated: int) -> float | None:
    """The mean of ``rated`` ratings adding up to ``total`` (None: nothing rated)."""
    return round(total / rated, 3) if rated else None


def _durations(count: int, mean: float | None, quantiles: Iterable[float | None]) -> Durations:
    median, p90 = quantiles
    return Durations(
        count=count, mean_hours=_hours(mean), median_hours=_hours(median), p90_hours=_hours(p90)
    )


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / HOUR, 4)


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None
