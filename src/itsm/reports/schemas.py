"""The shape of the service metrics report (see :mod:`itsm.reports` for definitions).

Durations are in hours, percentages in 0..100; a figure with nothing to
measure (a mean of no tickets) is ``None``, never 0.
"""

from __future__ import annotations

from datetime import date, datetime

from itsm.schema import Schema


class Durations(Schema):
    """How long something took, over ``count`` tickets."""

    count: int
    mean_hours: float | None
    median_hours: float | None
    p90_hours: float | None


class Backlog(Schema):
    """Tickets active at the end of the period and how old they were then."""

    count: int
    mean_age_hours: float | None
    median_age_hours: float | None
    max_age_hours: float | None


class SlaCompliance(Schema):
    """Targets met and breached; ``pending`` ones were not yet due and are not judged."""

    met: int
    breached: int
    pending: int
    percent_met: float | None


class Satisfaction(Schema):
    resolved: int
    rated: int
    average_rating: float | None
    response_rate_percent: float | None


class TechnicianMetrics(Schema):
    """One assignee; ``user_id`` ``None`` is the row of unassigned tickets."""

    user_id: int | None
    username: str | None
    active_load: int
    resolved: int
    time_spent_minutes: int
    sla_met: int
    sla_breached: int
    sla_percent_met: float | None


class Breakdown(Schema):
    """Opened and resolved tickets of one category or priority."""

    key: str
    opened: int
    resolved: int
    mean_time_to_resolve_hours: float | None


class ServiceReport(Schema):
    start: datetime
    end: datetime
    opened: int
    closed: int
    resolved: int
    opened_by_status: dict[str, int]
    backlog: Backlog
    time_to_acknowledge: Durations
    time_to_resolve: Durations
    first_response_sla: SlaCompliance
    resolution_sla: SlaCompliance
    satisfaction: Satisfaction
    technicians: list[TechnicianMetrics]
    categories: list[Breakdown]
    priorities: list[Breakdown]


class PeriodFigures(Schema):
    """The dashboard's headline figures of one period, read off its service report."""

    start: datetime
    end: datetime
    mean_time_to_acknowledge_hours: float | None
    mean_time_to_resolve_hours: float | None
    first_response_sla_percent: float | None
    resolution_sla_percent: float | None
    average_rating: float | None


class DayFigures(Schema):
    """One day (in the configured zone) of the 30-day trend."""

    day: date
    opened: int
    resolved: int
    average_rating: float | None


class TechnicianLoad(Schema):
    user_id: int
    username: str | None
    active: int


class HostHealth(Schema):
    host: str
    asset_id: int | None
    severity: str
    collected_at: datetime


class Dashboard(Schema):
    """The live dashboard: the help desk right now, and how it did lately."""

    at: datetime
    active: dict[str, dict[str, int]]  # status -> priority -> active tickets
    unassigned: int
    due_within_hour: int
    breached_today: int
    technicians: list[TechnicianLoad]
    periods: dict[str, PeriodFigures]  # "today", "7d", "30d"
    days: list[DayFigures]  # oldest first
    hosts: list[HostHealth]
