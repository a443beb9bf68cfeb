"""The live dashboard's figures, read off the services that own each of them.

Period figures (MTTA, MTTR, SLA %, satisfaction) are
:func:`itsm.reports.service.service_report` of each period, and today's trend figures
are today's report; the past days of the trend are :mod:`itsm.reports.trend` (the
report's definitions, grouped by day in one query per measure); the counts of
right now are :func:`itsm.tickets.queries.active_counts` (the active tickets only);
host health is each host's latest diagnostics report. Nothing here computes a
metric of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from itsm.diagnostics import service as diagnostics
from itsm.reports.schemas import (
    Dashboard,
    DayFigures,
    HostHealth,
    PeriodFigures,
    ServiceReport,
    TechnicianLoad,
)
from itsm.reports.service import service_report
from itsm.reports.trend import day_figures
from itsm.tickets import queries
from itsm.users.policy import require_staff

if TYPE_CHECKING:
    from itsm.accounts.principal import Principal

TREND_DAYS = 30
DUE_SOON = timedelta(hours=1)
_INSTANT = timedelta(microseconds=1)  # "today" at the stroke of midnight: a period, if tiny


def dashboard(
    session: Session,
    *,
    who: Principal | None,
    now: datetime,
    zone: ZoneInfo,
    past_days: Sequence[DayFigures] | None = None,
) -> Dashboard:
    """The dashboard at ``now``; days begin at midnight in ``zone``. Staff only.

    ``past_days``: the trend's days before today, as :func:`past_days` gave them a
    moment ago (a caller that redraws on every change keeps them: only a rating of an
    old resolution changes them); read here when not given.
    """
    require_staff(who)
    midnight = _midnight(now, zone)
    today = service_report(session, start=midnight, end=max(now, midnight + _INSTANT))
    periods = {
        "today": today,
        "7d": service_report(session, start=now - timedelta(days=7), end=now),
        "30d": service_report(session, start=now - timedelta(days=30), end=now),
    }
    before = list(past_days) if past_days is not None else _past_days(session, midnight, zone)
    counts = queries.active_counts(session)
    active: dict[str, dict[str, int]] = {}
    for (status, priority), count in counts.by_status_priority.items():
        active.setdefault(status.value, {})[priority.value] = count
    return Dashboard(
        at=now,
        active=active,
        unassigned=counts.unassigned,
        due_within_hour=queries.due_between(session, start=now, end=now + DUE_SOON),
        breached_today=queries.breaches_since(session, since=midnight),
        technicians=[
            TechnicianLoad(user_id=t.user_id, username=t.username, active=t.active_load)
            for t in today.technicians
            if t.user_id is not None
        ],
        periods={name: _figures(report) for name, report in periods.items()},
        days=[*before, _day(midnight, today)],
        hosts=[
            HostHealth(
                host=h.host, asset_id=h.asset_id, severity=h.severity, collected_at=h.collected_at
            )
            for h in diagnostics.latest_by_host(session, who=who)
        ],
    )


def past_days(session: Session, *, now: datetime, zone: ZoneInfo) -> list[DayFigures]:
    """The trend's days before today (``TREND_DAYS - 1`` of them, oldest first)."""
    return _past_days(session, _midnight(now, zone), zone)


def _past_days(session: Session, midnight: datetime, zone: ZoneInfo) -> list[DayFigures]:
    starts = [_day_start(midnight, -back, zone) for back in range(TREND_DAYS - 1, -1, -1)]
    return day_figures(session, starts=starts)


def _midnight(now: datetime, zone: ZoneInfo) -> datetime:
    return _day_start(now.astimezone(zone), 0, zone)


def _day(start: datetime, report: ServiceReport) -> DayFigures:
    return DayFigures(
        day=start.date(),
        opened=report.opened,
        resolved=report.resolved,
        average_rating=report.satisfaction.average_rating,
    )


def _day_start(moment: datetime, offset: int, zone: ZoneInfo) -> datetime:
    """Midnight ``offset`` days from ``moment``'s day in ``zone`` (days are 23 to 25 hours)."""
    day = moment.astimezone(zone).date() + timedelta(days=offset)
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def _figures(report: ServiceReport) -> PeriodFigures:
    return PeriodFigures(
        start=report.start,
        end=report.end,
        mean_time_to_acknowledge_hours=report.time_to_acknowledge.mean_hours,
        mean_time_to_resolve_hours=report.time_to_resolve.mean_hours,
        first_response_sla_percent=report.first_response_sla.percent_met,
        resolution_sla_percent=report.resolution_sla.percent_met,
        average_rating=report.satisfaction.average_rating,
    )
