"""Figures of the help desk right now, for monitoring (``/metrics``): two GROUP BY queries.

1. every ticket, counted by status and priority;
2. active tickets, counted by source and priority, with how many are past their
   first-response or resolution SLA target (the flags ``itsm sla tick`` sets).

Every combination is present, zeros included, so that a time series never
vanishes when its count drops to nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, func, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from itsm.tickets.models import ACTIVE_STATUSES, Priority, Source, Status, Ticket

SLA_CLOCKS = ("first_response", "resolution")


@dataclass(frozen=True)
class Gauges:
    tickets: dict[tuple[Status, Priority], int]  # every ticket, by status and priority
    sla_breached: dict[tuple[str, Priority], int]  # active tickets past a target: (clock, p)
    diagnostic_findings: dict[Priority, int]  # active tickets of the diagnostics agent
    alerts: dict[Priority, int]  # active tickets of Alertmanager alerts


def snapshot(session: Session) -> Gauges:
    tickets = {(s, p): 0 for s in Status for p in Priority}
    for status, priority, count in session.execute(
        select(Ticket.status, Ticket.priority, func.count()).group_by(
            Ticket.status, Ticket.priority
        )
    ):
        key = (Status(status), Priority(priority))
        tickets[key] = tickets.get(key, 0) + int(count)
    breached = {(c, p): 0 for c in SLA_CLOCKS for p in Priority}
    by_source = {(s, p): 0 for s in (Source.DIAGNOSTIC, Source.ALERT) for p in Priority}
    rows = session.execute(
        select(
            Ticket.source,
            Ticket.priority,
            func.count(),
            func.sum(sql_cast(Ticket.first_response_breached, Integer)),
            func.sum(sql_cast(Ticket.resolution_breached, Integer)),
        )
        .where(Ticket.status.in_(ACTIVE_STATUSES))
        .group_by(Ticket.source, Ticket.priority)
    )
    for source, raw_priority, count, first_response, resolution in rows:
        priority = Priority(raw_priority)
        breached["first_response", priority] += int(first_response or 0)
        breached["resolution", priority] += int(resolution or 0)
        if (Source(source), priority) in by_source:
            by_source[Source(source), priority] += int(count)
    return Gauges(
        tickets=tickets,
        sla_breached=breached,
        diagnostic_findings={p: by_source[Source.DIAGNOSTIC, p] for p in Priority},
        alerts={p: by_source[Source.ALERT, p] for p in Priority},
    )
