"""Diagnostic reports: agents push them in batches (one transaction each); staff read them."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Path, Query
from pydantic import AwareDatetime

from itsm.api.deps import CallerDep, PersonDep
from itsm.diagnostics import service
from itsm.diagnostics.autoticket import policy_from
from itsm.diagnostics.findings import Check
from itsm.diagnostics.report import Report
from itsm.diagnostics.schemas import (
    MAX_BATCH,
    BatchItem,
    IngestedReport,
    IngestResult,
    ReportEnvelope,
    ReportRead,
    ReportSummary,
    TicketChanges,
)
from itsm.diagnostics.severity import Severity
from itsm.errors import InvalidInput
from itsm.server.deps import SessionDep, SettingsDep

router = APIRouter(prefix="/diagnostics", tags=["diagnostics"])


def _submission(item: Report | ReportEnvelope) -> service.Submission:
    if isinstance(item, ReportEnvelope):
        problems, recoveries = item.decisions()
        return service.Submission(item.report, problems, recoveries)
    return service.Submission(item)


def send_reports(
    batch: Annotated[list[BatchItem], Body(min_length=1, max_length=MAX_BATCH)],
    session: SessionDep,
    who: CallerDep,
    cfg: SettingsDep,
) -> IngestResult:
    diag = cfg.diagnostics
    processed = service.process_reports(
        session,
        submissions=[_submission(item) for item in batch],
        zone=cfg.zone,
        policy=policy_from(diag, cfg.sla),
        tickets_enabled=diag.tickets.enabled,
        sender=who,
    )
    results = [
        IngestedReport(
            id=p.id,
            report_id=UUID(p.report_id),
            status="duplicate" if p.duplicate else "stored",
            asset_id=p.asset_id,
            tickets=TicketChanges(**p.tickets.as_dict()),
        )
        for p in processed
    ]
    duplicates = sum(p.duplicate for p in processed)
    return IngestResult(
        received=len(processed),
        stored=len(processed) - duplicates,
        duplicates=duplicates,
        results=results,
    )


router.add_api_route(
    "/reports",
    send_reports,
    methods=["POST"],
    summary="Send diagnostic reports (agent tokens and admins); each report_id is stored once",
    response_description="One result per report, in the order sent; resends are 'duplicate'",
)


@router.get("/reports", summary="Stored reports, newest first; filter by host, severity, time")
def list_reports(
    session: SessionDep,
    who: PersonDep,
    host: Annotated[str | None, Query(max_length=255)] = None,
    severity: Severity | None = None,
    since: Annotated[
        AwareDatetime | None, Query(description="Only reports collected from then on.")
    ] = None,
    check: Annotated[
        Check | None, Query(description="Add this check's values per subject (a trend).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> list[ReportSummary]:
    if since is not None:
        try:
            since = since.astimezone(UTC)
        except OverflowError:
            raise InvalidInput("invalid since: out of range once in UTC") from None
    rows = service.history(session, who=who, host=host, severity=severity, since=since, limit=limit)
    wanted = check.value if check is not None else None
    return [
        ReportSummary.model_validate({**service.summary(r, check=wanted), "asset_id": r.asset_id})
        for r in rows
    ]


@router.get("/reports/{ref}", summary="One stored report, by id or report UUID")
def get_report(
    ref: Annotated[str, Path(max_length=64, description="Report id or report UUID.")],
    session: SessionDep,
    who: PersonDep,
) -> ReportRead:
    row = service.get_report(session, who=who, ref=ref)
    return ReportRead(
        id=row.id,
        report_id=UUID(row.report_id),
        host=row.host,
        asset_id=row.asset_id,
        collected_at=row.collected_at,
        created_at=row.created_at,
        severity=Severity(row.severity),
        report=Report.model_validate(row.report),
    )
