"""The whole life of a ticket driven by this machine's real readings.

No synthetic findings here: every report comes from the real probes, and the
thresholds are what moves the machine between healthy, warning and critical
(memory in use is always above 0.1 % and below 99 %; the root filesystem is
always above 2 % and below 100 % used). Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from itsm.diagnostics import autoticket, service
from itsm.diagnostics.collect import collect_snapshot
from itsm.diagnostics.config import DiagnosticsSettings, DiskSettings, MemorySettings
from itsm.diagnostics.findings import Check, Finding
from itsm.diagnostics.hostfacts import machine_identity
from itsm.diagnostics.report import Report, build_report
from itsm.diagnostics.rules import evaluate
from itsm.diagnostics.severity import Severity
from itsm.inventory.models import Asset
from itsm.tickets import events
from itsm.tickets.models import EventKind, Status, Ticket
from tests.integration.diag_tickets.support import UTC, comment_bodies, tickets_with

QUIET = frozenset({Check.CPU_UTILISATION, Check.CPU_LOAD})  # other processes load this machine
NO_FLOOR = {"warning_min_free_bytes": None, "critical_min_free_bytes": None}


def _settings(memory: tuple[float, float], disk: tuple[float, float]) -> DiagnosticsSettings:
    return DiagnosticsSettings(
        memory=MemorySettings(warning=memory[0], critical=memory[1]),
        disk=DiskSettings(warning=disk[0], critical=disk[1], **NO_FLOOR),
        disabled_checks=QUIET,
        sample_window_seconds=0.1,
        top_processes=0,
        resolve_fqdn=False,
    )


def _run(session: Session, diag: DiagnosticsSettings) -> tuple[Report, service.Processed]:
    snapshot = collect_snapshot(diag)
    report = build_report(snapshot, evaluate(snapshot, diag))
    processed = service.process_report(
        session, report=report, zone=UTC, policy=autoticket.policy_from(diag)
    )
    return report, processed


def _finding(report: Report, check: Check, subject: str) -> Finding:
    found = [f for f in report.checks if f.check is check and f.subject == subject]
    assert len(found) == 1, report.checks
    return found[0]


def _ticket(session: Session, report: Report, finding: Finding) -> Ticket:
    fp = autoticket.fingerprint(machine_identity(report), finding)
    found = tickets_with(session, fp)
    assert len(found) == 1, [t.number for t in found]
    return found[0]


def test_real_readings_open_escalate_and_resolve(session: Session) -> None:
    # 1. Memory over a tiny warning level, the root filesystem over a tiny critical one.
    first, opened = _run(session, _settings(memory=(0.1, 100), disk=(1, 2)))
    mem = _finding(first, Check.MEMORY_AVAILABLE, "memory")
    root = _finding(first, Check.DISK_USAGE, "/")
    assert (mem.severity, root.severity) == (Severity.WARNING, Severity.CRITICAL)
    assert first.severity is Severity.CRITICAL
    mem_ticket = _ticket(session, first, mem)
    root_ticket = _ticket(session, first, root)
    assert {mem_ticket.number, root_ticket.number} <= set(opened.tickets.opened)
    assert (mem_ticket.priority, root_ticket.priority) == ("high", "critical")
    assert mem_ticket.source == root_ticket.source == "diagnostic"
    assert mem_ticket.asset_id == root_ticket.asset_id == opened.asset_id

    asset = session.get(Asset, opened.asset_id)
    assert asset is not None
    assert asset.machine_id == machine_identity(first)
    assert asset.hostname == first.host.hostname
    assert asset.ram_bytes
    assert asset.ram_bytes > 0
    assert asset.disks
    assert any(d["mountpoint"] == "/" for d in asset.disks)

    # 2. Memory now crosses a critical level too: the same ticket, priority raised.
    second, worse = _run(session, _settings(memory=(0.1, 0.2), disk=(1, 2)))
    assert _finding(second, Check.MEMORY_AVAILABLE, "memory").severity is Severity.CRITICAL
    assert worse.tickets.opened == []
    assert worse.tickets.escalated == [mem_ticket.number]
    session.refresh(mem_ticket)
    assert mem_ticket.priority == "critical"
    assert [
        (e.field, e.old_value, e.new_value)
        for e in events.history(session, ticket_id=mem_ticket.id)
        if e.kind == EventKind.FIELD_CHANGED
    ] == [
        ("title", mem_ticket.title.replace("[CRITICAL]", "[WARNING]"), mem_ticket.title),
        ("priority", "high", "critical"),
    ]
    assert comment_bodies(session, root_ticket) == []  # within the comment interval

    # 3. Thresholds back to sane values: both findings recover, both tickets resolve.
    third, healed = _run(session, _settings(memory=(99, 100), disk=(99.9, 100)))
    assert _finding(third, Check.MEMORY_AVAILABLE, "memory").severity is Severity.HEALTHY
    assert _finding(third, Check.DISK_USAGE, "/").severity is Severity.HEALTHY
    assert set(healed.tickets.resolved) >= {mem_ticket.number, root_ticket.number}
    for ticket in (mem_ticket, root_ticket):
        session.refresh(ticket)
        assert ticket.status == Status.RESOLVED
        assert comment_bodies(session, ticket)[-1].startswith("Recovered: ")

    # One inventory row throughout, last seen at the latest report.
    assert healed.asset_id == worse.asset_id == opened.asset_id
    session.refresh(asset)
    assert asset.last_seen_at == third.collected_at
    assert len(service.history(session, who=None, host=first.host.hostname, limit=1000)) >= 3
