"""Service metrics over HTTP, for technicians and admins: ``itsm report service`` as JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from itsm.api.deps import SessionDep, StaffDep
from itsm.db.base import utcnow
from itsm.reports.period import resolve_period
from itsm.reports.schemas import ServiceReport
from itsm.reports.service import service_report

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
