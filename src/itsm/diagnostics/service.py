"""Diagnostics use cases: store a report, record the host, turn findings into tickets.

``process_report`` is what a local ``itsm diag run`` and (later) the server's
agent endpoint both call, so a report is handled the same wherever it came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from itsm.diagnostics import autoticket
from itsm.diagnostics.errors import ReportNotFound
from itsm.diagnostics.findings import Finding
from itsm.diagnostics.hostfacts import host_facts
from itsm.diagnostics.models import DiagnosticReport
from itsm.diagnostics.report import Report
from itsm.diagnostics.severity import Severity
from itsm.inventory import service as inventory


@dataclass
class Processed:
    stored: DiagnosticReport
    asset_id: int
    tickets: autoticket.Outcome
    duplicate: bool = False


def store_report(
    session: Session, *, report: Report, asset_id: int | None
) -> tuple[DiagnosticReport, bool]:
    """Store once per ``report_id``; returns the row and whether it was already there."""
    key = str(report.report_id)
    existing = session.scalar(select(DiagnosticReport).where(DiagnosticReport.report_id == key))
    if existing is not None:
        return existing, True
    row = DiagnosticReport(
        report_id=key,
        host=report.host.hostname,
        asset_id=asset_id,
        collected_at=report.collected_at,
        severity=report.severity,
        report=report.model_dump(mode="json"),
    )
    session.add(row)
    session.flush()
    return row, False


def process_report(
    session: Session,
    *,
    report: Report,
    zone: ZoneInfo,
    policy: autoticket.Policy,
    tickets_enabled: bool = True,
    problems: Sequence[Finding] | None = None,
    recoveries: Sequence[Finding] | None = None,
) -> Processed:
    """Upsert the host in the inventory, store the report, open/update/resolve tickets.

    ``problems``/``recoveries`` default to the report's own warning+critical and
    healthy findings; the watch loop passes its debounced lists instead.
    """
    facts = host_facts(report)
    asset = inventory.upsert_host(session, facts=facts, seen_at=report.collected_at)
    stored, duplicate = store_report(session, report=report, asset_id=asset.id)
    outcome = autoticket.Outcome()
    if tickets_enabled and not duplicate:
        if problems is None or recoveries is None:
            problems, recoveries = autoticket.problems_and_recoveries(report.checks)
        outcome = autoticket.apply(
            session,
            host=report.host.hostname,
            host_identity=facts.identity,
            asset_id=asset.id,
            problems=problems,
            recoveries=recoveries,
            policy=policy,
            zone=zone,
        )
    return Processed(stored=stored, asset_id=asset.id, tickets=outcome, duplicate=duplicate)


def get_report(session: Session, *, ref: str) -> DiagnosticReport:
    text = ref.strip()
    row = None
    if text.isdigit():
        row = session.get(DiagnosticReport, int(text))
    if row is None:
        row = session.scalar(select(DiagnosticReport).where(DiagnosticReport.report_id == text))
    if row is None:
        raise ReportNotFound(text)
    return row


def history(
    session: Session,
    *,
    host: str | None = None,
    severity: Severity | None = None,
    since: datetime | None = None,
    limit: int = 50,
) -> Sequence[DiagnosticReport]:
    """Newest reports first, filtered by host, overall severity and time."""
    stmt = select(DiagnosticReport).order_by(
        DiagnosticReport.collected_at.desc(), DiagnosticReport.id.desc()
    )
    if host:
        stmt = stmt.where(DiagnosticReport.host == host)
    if severity:
        stmt = stmt.where(DiagnosticReport.severity == severity)
    if since:
        stmt = stmt.where(DiagnosticReport.collected_at >= since)
    return session.scalars(stmt.limit(max(1, min(limit, 1000)))).all()


def prune(session: Session, *, older_than: datetime) -> int:
    """Delete stored reports collected before ``older_than``; returns how many."""
    result = session.execute(
        delete(DiagnosticReport).where(DiagnosticReport.collected_at < older_than)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def summary(row: DiagnosticReport, *, check: str | None = None) -> dict[str, object]:
    """A history line: when, host, overall severity, problem count; a check's values if asked."""
    checks = row.report.get("checks", [])
    line: dict[str, object] = {
        "id": row.id,
        "report_id": row.report_id,
        "host": row.host,
        "collected_at": row.collected_at.isoformat(),
        "severity": row.severity,
        "problems": sum(1 for c in checks if c.get("severity") in ("warning", "critical")),
    }
    if check is not None:
        line["check"] = {
            str(c.get("subject")): {"severity": c.get("severity"), "value": c.get("value")}
            for c in checks
            if c.get("check") == check
        }
    return line
