"""What the staff pages' tests share: a logged-in technician, and diagnostics reports
stored as an agent's are."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from itsm.config import Settings
from itsm.db.base import utcnow
from itsm.db.runtime import Database
from itsm.diagnostics import service as diagnostics
from itsm.diagnostics.autoticket import policy_from
from itsm.diagnostics.findings import Check, Finding
from itsm.diagnostics.report import HostIdentity, Report
from itsm.diagnostics.severity import Severity
from tests.e2e.web.support import Browser
from tests.live_server import Api

PASSWORD = "correct horse battery"


def report(
    hostname: str, machine: str, *, at: datetime, critical: bool, subject: str = "/"
) -> Report:
    """A report of one disk check on ``subject``: critical, or healthy."""
    severity = Severity.CRITICAL if critical else Severity.HEALTHY
    finding = Finding(
        check=Check.DISK_USAGE,
        subject=subject,
        severity=severity,
        value=97.0 if critical else 40.0,
        threshold=95.0 if critical else 85.0,
        unit="%",
        message=f"{subject} {'97.0' if critical else '40.0'}% used",
    )
    return Report(
        host=HostIdentity(hostname=hostname, machine_id=machine, os="Debian GNU/Linux 12"),
        collected_at=at,
        duration_seconds=0.5,
        severity=severity,
        checks=[finding],
        probes={},
    )


def send_reports(db: Database, cfg: Settings, reports: list[Report]) -> None:
    """Store ``reports`` as the local agent does (tickets opened for critical findings)."""
    with db.session() as session:
        diagnostics.process_reports(
            session,
            submissions=[diagnostics.Submission(r) for r in reports],
            zone=cfg.zone,
            policy=policy_from(cfg.diagnostics, cfg.sla),
        )


def history(hostname: str, count: int, *, subject: str = "/") -> list[Report]:
    """``count`` reports of one machine, an hour apart, the newest critical."""
    machine = uuid.uuid4().hex
    now = utcnow()
    return [
        report(
            hostname,
            machine,
            at=now - timedelta(hours=count - n),
            critical=n == count - 1,
            subject=subject,
        )
        for n in range(count)
    ]


def staff_browser(api: Api) -> Browser:
    """The technician ``tere``, logged in, reading English pages."""
    api.user("tere", role="technician", password=PASSWORD)
    browser = Browser(api, language="en")
    browser.login("tere", PASSWORD)
    return browser
