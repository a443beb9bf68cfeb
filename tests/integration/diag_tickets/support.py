"""Builders and read helpers for the diagnostics-to-tickets integration tests.

Reports and findings are the real Pydantic models, built directly so that a
test controls every severity and value exactly; the services that consume
them (inventory, report store, tickets) all run for real.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itsm.db.base import utcnow
from itsm.diagnostics import autoticket, service
from itsm.diagnostics.findings import Check, Finding
from itsm.diagnostics.report import HostIdentity, Report
from itsm.diagnostics.rules import overall_severity
from itsm.diagnostics.severity import Severity
from itsm.tickets import service as tickets
from itsm.tickets.models import ACTIVE_STATUSES, Ticket

UTC = ZoneInfo("UTC")
HOUR = timedelta(hours=1)
DEFAULT_POLICY = autoticket.Policy(comment_interval=HOUR)


def host(hostname: str = "pc-01", machine_id: str | None = None) -> HostIdentity:
    """A host of its own: a random machine-id keeps tests apart from each other."""
    return HostIdentity(
        hostname=hostname,
        machine_id=machine_id or uuid.uuid4().hex,
        os="Debian GNU/Linux 12 (bookworm)",
        kernel="6.1.0",
        architecture="x86_64",
    )


def disk(severity: Severity, value: float, subject: str = "/") -> Finding:
    """A ``disk.usage`` finding graded against warning 90 / critical 95."""
    threshold = 95.0 if severity is Severity.CRITICAL else 90.0
    return Finding(
        check=Check.DISK_USAGE,
        subject=subject,
        severity=severity,
        value=value,
        threshold=threshold,
        unit="%",
        message=f"{subject} {value:.1f}% used ({severity} at {threshold:.1f}%)",
    )


def memory(severity: Severity, value: float) -> Finding:
    """A ``memory.available`` finding graded against warning 85 / critical 95."""
    threshold = 95.0 if severity is Severity.CRITICAL else 85.0
    return Finding(
        check=Check.MEMORY_AVAILABLE,
        subject="memory",
        severity=severity,
        value=value,
        threshold=threshold,
        unit="%",
        message=f"memory in use {value:.1f}%",
    )


def report(
    machine: HostIdentity, findings: Sequence[Finding], *, at: datetime | None = None
) -> Report:
    return Report(
        host=machine,
        collected_at=at or utcnow(),
        duration_seconds=1.0,
        severity=overall_severity(findings),
        checks=list(findings),
        probes={},
    )


def process(
    session: Session,
    machine: HostIdentity,
    *findings: Finding,
    policy: autoticket.Policy = DEFAULT_POLICY,
    at: datetime | None = None,
) -> service.Processed:
    """What ``itsm diag run`` does with one report, in the caller's session."""
    return service.process_report(
        session, report=report(machine, findings, at=at), zone=UTC, policy=policy
    )


def fingerprint_of(machine: HostIdentity, finding: Finding) -> str:
    return autoticket.fingerprint(f"machine-id:{machine.machine_id}", finding)


def tickets_with(session: Session, fp: str) -> list[Ticket]:
    return list(session.scalars(select(Ticket).where(Ticket.fingerprint == fp).order_by(Ticket.id)))


def active_count(session: Session, fp: str) -> int:
    stmt = (
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.fingerprint == fp, Ticket.status.in_(ACTIVE_STATUSES))
    )
    return session.scalar(stmt) or 0


def comment_bodies(session: Session, ticket: Ticket) -> list[str]:
    return [c.body for c in tickets.comments_of(session, ticket=ticket)]
