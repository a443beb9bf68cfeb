"""The watch loop's debouncing in front of the tickets, on SQLite and PostgreSQL.

``agent.debounced`` turns each sample into the problems and recoveries that
``process_report`` then applies, exactly as ``itsm diag watch`` wires them:
a problem must persist ``persist_samples`` samples before it opens a ticket,
and must clear below ``threshold * clear_ratio`` before its ticket resolves.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from itsm.config import Settings
from itsm.diagnostics import agent, autoticket, service
from itsm.diagnostics.config import DiagnosticsSettings, DiskSettings
from itsm.diagnostics.debounce import Debouncer
from itsm.diagnostics.findings import Check, Finding
from itsm.diagnostics.report import HostIdentity, Report
from itsm.diagnostics.severity import Severity
from itsm.tickets.models import Status, Ticket
from tests.integration.diag_tickets.support import (
    DEFAULT_POLICY,
    UTC,
    active_count,
    comment_bodies,
    fingerprint_of,
    host,
    memory,
    process,
    report,
    tickets_with,
)

NOTHING: dict[str, list[str]] = {"opened": [], "commented": [], "escalated": [], "resolved": []}


class Watcher:
    """One agent's memory (a debouncer) feeding the real services, sample by sample."""

    def __init__(self, session: Session, machine: HostIdentity, persist: int = 3) -> None:
        self.session = session
        self.machine = machine
        self.debouncer = Debouncer(persist_samples=persist, clear_ratio=0.9)

    def sample(self, *findings: Finding) -> dict[str, list[str]]:
        problems, recoveries = agent.debounced(self.debouncer, list(findings))
        processed = service.process_report(
            self.session,
            report=report(self.machine, findings),
            zone=UTC,
            policy=DEFAULT_POLICY,
            problems=problems,
            recoveries=recoveries,
        )
        return processed.tickets.as_dict()


def _ticket(session: Session, machine: HostIdentity) -> Ticket:
    found = tickets_with(session, fingerprint_of(machine, memory(Severity.HEALTHY, 1.0)))
    assert len(found) == 1, [t.number for t in found]
    return found[0]


def test_a_problem_opens_a_ticket_only_once_it_persisted(session: Session) -> None:
    machine = host("watched")
    watcher = Watcher(session, machine, persist=3)
    fp = fingerprint_of(machine, memory(Severity.WARNING, 90.0))

    assert watcher.sample(memory(Severity.WARNING, 90.0)) == NOTHING
    assert watcher.sample(memory(Severity.WARNING, 91.0)) == NOTHING
    assert tickets_with(session, fp) == []

    third = watcher.sample(memory(Severity.WARNING, 92.0))

    assert len(third["opened"]) == 1
    ticket = _ticket(session, machine)
    assert ticket.priority == "high"
    assert watcher.sample(memory(Severity.WARNING, 92.0)) == NOTHING  # within the interval


def test_a_short_spike_opens_nothing(session: Session) -> None:
    machine = host("spiky")
    watcher = Watcher(session, machine, persist=3)
    for value in (96.0, 97.0):
        assert watcher.sample(memory(Severity.CRITICAL, value)) == NOTHING
    assert watcher.sample(memory(Severity.HEALTHY, 30.0)) == NOTHING  # resets the streak
    for value in (96.0, 97.0):
        assert watcher.sample(memory(Severity.CRITICAL, value)) == NOTHING
    assert tickets_with(session, fingerprint_of(machine, memory(Severity.HEALTHY, 1.0))) == []
    # The reports themselves are all stored, debounced or not.
    assert len(service.history(session, who=None, host="spiky")) == 5


def test_recovery_needs_the_value_below_the_hysteresis_band(session: Session) -> None:
    machine = host("hovering")
    watcher = Watcher(session, machine, persist=2)
    watcher.sample(memory(Severity.WARNING, 88.0))
    opened = watcher.sample(memory(Severity.WARNING, 87.0))
    assert len(opened["opened"]) == 1
    ticket = _ticket(session, machine)

    # Healthy, but 80 is not below 85 * 0.9 = 76.5: still the same problem.
    assert watcher.sample(memory(Severity.HEALTHY, 80.0)) == NOTHING
    assert watcher.sample(memory(Severity.HEALTHY, 76.5)) == NOTHING  # strictly below
    session.refresh(ticket)
    assert ticket.status == Status.OPEN
    assert comment_bodies(session, ticket) == []

    settled = watcher.sample(memory(Severity.HEALTHY, 70.0))

    assert settled["resolved"] == [ticket.number]
    session.refresh(ticket)
    assert ticket.status == Status.RESOLVED
    assert comment_bodies(session, ticket)[-1].startswith("Recovered: ")
    assert watcher.sample(memory(Severity.HEALTHY, 70.0)) == NOTHING


def test_critical_must_persist_too_before_the_ticket_escalates(session: Session) -> None:
    machine = host("escalating")
    watcher = Watcher(session, machine, persist=2)
    watcher.sample(memory(Severity.WARNING, 90.0))
    watcher.sample(memory(Severity.WARNING, 90.0))
    ticket = _ticket(session, machine)
    assert ticket.priority == "high"

    assert watcher.sample(memory(Severity.CRITICAL, 96.0)) == NOTHING  # one critical sample
    session.refresh(ticket)
    assert ticket.priority == "high"

    escalated = watcher.sample(memory(Severity.CRITICAL, 97.0))

    assert escalated["escalated"] == [ticket.number]
    session.refresh(ticket)
    assert ticket.priority == "critical"


def test_a_fresh_agent_settles_a_ticket_left_open_by_an_earlier_one(session: Session) -> None:
    machine = host("restarted")
    process(session, machine, memory(Severity.CRITICAL, 97.0))  # e.g. a one-off diag run
    ticket = _ticket(session, machine)

    watcher = Watcher(session, machine, persist=3)  # new process: no memory of the problem
    assert watcher.sample(memory(Severity.HEALTHY, 84.0)) == NOTHING  # inside the band
    session.refresh(ticket)
    assert ticket.status == Status.OPEN

    settled = watcher.sample(memory(Severity.HEALTHY, 50.0))

    assert settled["resolved"] == [ticket.number]
    assert active_count(session, ticket.fingerprint or "") == 0


def test_watch_runs_cycles_with_the_real_probes(session: Session, tmp_path: Path) -> None:
    """Two real samples a second apart; the disk problem opens its ticket on the second."""
    diag = DiagnosticsSettings(
        disk=DiskSettings(
            warning=1, critical=2, warning_min_free_bytes=None, critical_min_free_bytes=None
        ),
        disabled_checks=frozenset({Check.CPU_UTILISATION, Check.CPU_LOAD}),
        persist_samples=2,
        sample_window_seconds=0.1,
        top_processes=0,
        resolve_fqdn=False,
    )
    settings = Settings(diagnostics=diag)
    policy = autoticket.policy_from(diag)
    cycles: list[agent.Cycle] = []

    def process_cycle(
        rep: Report, problems: list[Finding], recoveries: list[Finding]
    ) -> dict[str, list[str]]:
        done = service.process_report(
            session, report=rep, zone=UTC, policy=policy, problems=problems, recoveries=recoveries
        )
        return done.tickets.as_dict()

    ran = agent.watch(
        settings,
        process=process_cycle,
        interval=1,
        count=2,
        reports_dir=tmp_path / "reports",
        on_cycle=cycles.append,
    )

    assert ran == 2
    assert len(cycles) == 2
    first, second = cycles
    assert (second.report.collected_at - first.report.collected_at).total_seconds() >= 0.9
    root = [f for f in first.report.checks if f.check is Check.DISK_USAGE and f.subject == "/"]
    assert root, first.report.checks
    assert root[0].severity is Severity.CRITICAL, first.report.checks
    assert first.problems == []  # seen once: not yet a problem to ticket
    assert first.outcome["opened"] == []
    assert any(f.key == (Check.DISK_USAGE, "/") for f in second.problems)
    assert len(second.outcome["opened"]) >= 1
    assert {c.check for c in second.report.checks}.isdisjoint(
        {Check.CPU_UTILISATION, Check.CPU_LOAD}
    )
    machine = second.report.host
    assert machine.machine_id or machine.product_uuid or machine.hostname
    stored = [service.get_report(session, who=None, ref=str(c.report.report_id)) for c in cycles]
    assert stored[0].asset_id == stored[1].asset_id
    files = sorted((tmp_path / "reports").glob("diag-*.json"))
    assert [c.report_file for c in cycles] == files


def test_a_stop_request_ends_the_loop_after_the_current_cycle() -> None:
    diag = DiagnosticsSettings(sample_window_seconds=0.1, top_processes=0, resolve_fqdn=False)
    stop = agent.StopSignal()

    def stop_now(_cycle: agent.Cycle) -> None:
        stop.event.set()

    ran = agent.watch(
        Settings(diagnostics=diag),
        process=lambda _r, _p, _rec: {},
        interval=3600,
        on_cycle=stop_now,
        stop=stop,
    )
    assert ran == 1
