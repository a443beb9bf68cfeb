"""The shape of the service metrics report (see :mod:`itsm.reports` for definitions).

Durations are in hours, percentages in 0..100; a figure with nothing to
measure (a mean of no tickets) is ``None``, never 0.
"""

from __future__ import annotations

from datetime import datetime

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
