"""Service metrics over HTTP, for technicians and admins: ``itsm report service`` as JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from itsm.api.deps import StaffDep
from itsm.db.base import utcnow
from itsm.reports.dashboard_cache import DashboardCache
from itsm.reports.period import resolve_period
from itsm.reports.schemas import Dashboard, ServiceReport
from itsm.reports.service import service_report
from itsm.server.deps import SessionDep

router = APIRouter(prefix="/reports", tags=["reports"])

_MOMENT = (
    "ISO date (2025-03-01, midnight UTC) or date-time (2025-03-01T08:30, UTC unless it"
    " carries an offset)."
)


@router.get(
    "/service",
    summary="Service metrics of [start, end): tickets, backlog, times, SLA, satisfaction",
    description="Without `end` the period ends now; without `start` it is the 30 days before.",
)
def service(
    session: SessionDep,
    who: StaffDep,
    start: Annotated[
        str | None, Query(min_length=1, max_length=64, description="Included. " + _MOMENT)
    ] = None,
    end: Annotated[
        str | None, Query(min_length=1, max_length=64, description="Excluded. " + _MOMENT)
    ] = None,
) -> ServiceReport:
    period = resolve_period(start, end, now=utcnow(), names=("start", "end"))
    return service_report(session, start=period.start, end=period.end)


@router.get(
    "/dashboard",
    summary="The live dashboard's figures: the queue now, today / 7 / 30 days, hosts",
    description=(
        "Active tickets by status and priority, unassigned, due within the hour, SLA breaches"
        " since midnight, each technician's active load; mean time to acknowledge and to"
        " resolve, SLA % and average rating of today, the last 7 and 30 days (each the"
        " service report of that period); opened, resolved and average rating per day for"
        " 30 days; each host's latest diagnostics severity. Days are in the configured time"
        " zone. After a change the last figures are served (their `at` says when they were"
        " computed) while new ones are computed once; the `dashboard.refreshed` event of"
        " `GET /api/v1/events` tells when they are in place: read them again then."
    ),
)
def dashboard(request: Request, session: SessionDep, who: StaffDep) -> Dashboard:
    # the web page's cache: one computation per change serves both
    cache: DashboardCache = request.app.state.dashboard
    return cache.figures(session, who=who, generation=request.app.state.live.generation)
