"""A finding's ticket through its whole life, on SQLite and PostgreSQL (``session``).

Open once, stay quiet within the comment interval, remind once after it,
escalate on worsening, settle on recovery, and open a new ticket for a new
problem after the old one was resolved.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from itsm.db.base import utcnow
from itsm.diagnostics import autoticket
from itsm.diagnostics.rules import ticket_fields_for
from itsm.diagnostics.severity import Severity
from itsm.inventory.models import Asset
from itsm.tickets import events
from itsm.tickets.models import EventKind, Status, Ticket
from itsm.users import service as users
from tests.integration.diag_tickets.support import (
    HOUR,
    UTC,
    active_count,
    comment_bodies,
    disk,
    fingerprint_of,
    host,
    memory,
    process,
    tickets_with,
)

CRITICAL = disk(Severity.CRITICAL, 97.0)
WARNING = disk(Severity.WARNING, 91.0)
HEALTHY = disk(Severity.HEALTHY, 40.0)


def _only_ticket(session: Session, fp: str) -> Ticket:
    found = tickets_with(session, fp)
    assert len(found) == 1, [t.number for t in found]
    return found[0]


def test_critical_finding_opens_one_linked_ticket(session: Session) -> None:
    machine = host("ws-critical")
    processed = process(session, machine, CRITICAL, memory(Severity.HEALTHY, 20.0))

    fp = fingerprint_of(machine, CRITICAL)
    ticket = _only_ticket(session, fp)
    assert processed.tickets.opened == [ticket.number]
    assert processed.tickets.commented == processed.tickets.resolved == []
    assert ticket.source == "diagnostic"
    assert (
        (ticket.category, ticket.priority)
        == ticket_fields_for(CRITICAL)
        == (
            "hardware",
            "critical",
        )
    )
    assert ticket.status == Status.OPEN
    assert ticket.fingerprint == fp
    assert fp.startswith("diag:")
    asset = session.get(Asset, processed.asset_id)
    assert asset is not None
    assert ticket.asset_id == asset.id
    assert asset.machine_id == f"machine-id:{machine.machine_id}"
    assert asset.hostname == "ws-critical"
    agent = users.get_user(session, ref="itsm-agent")
    assert ticket.requester_id == agent.id
    assert ticket.title == "[CRITICAL] ws-critical: disk.usage /"
    assert "97.0" in ticket.description
    created = [e for e in events.history(session, ticket_id=ticket.id)]
    assert [(e.kind, e.actor_id) for e in created] == [(EventKind.CREATED, agent.id)]
    assert comment_bodies(session, ticket) == []


def test_warning_opens_a_high_priority_ticket(session: Session) -> None:
    machine = host()
    process(session, machine, WARNING)
    ticket = _only_ticket(session, fingerprint_of(machine, WARNING))
    assert (ticket.category, ticket.priority) == ("hardware", "high")


def test_same_finding_within_the_interval_adds_nothing(session: Session) -> None:
    machine = host()
    process(session, machine, CRITICAL)
    again = process(session, machine, CRITICAL)
    again2 = process(session, machine, CRITICAL)

    ticket = _only_ticket(session, fingerprint_of(machine, CRITICAL))
    assert (
        again.tickets.as_dict()
        == again2.tickets.as_dict()
        == {
            "opened": [],
            "commented": [],
            "escalated": [],
            "resolved": [],
        }
    )
    assert comment_bodies(session, ticket) == []


def test_after_the_interval_exactly_one_reminder(session: Session) -> None:
    machine = host()
    process(session, machine, CRITICAL)
    fp = fingerprint_of(machine, CRITICAL)
    ticket = _only_ticket(session, fp)

    # Through ``now``: one interval (and a second) after the ticket was opened.
    outcome = autoticket.apply(
        session,
        host="pc-01",
        host_identity=f"machine-id:{machine.machine_id}",
        asset_id=ticket.asset_id,
        problems=[CRITICAL],
        recoveries=[],
        policy=autoticket.Policy(comment_interval=HOUR),
        zone=UTC,
        now=utcnow() + HOUR + timedelta(seconds=1),
    )
    assert outcome.commented == [ticket.number]
    bodies = comment_bodies(session, ticket)
    assert len(bodies) == 1
    assert bodies[0].startswith("Still CRITICAL: ")
    assert CRITICAL.message in bodies[0]

    # The reminder counts as the last notice: a run right after it stays quiet.
    quiet = process(session, machine, CRITICAL)
    assert quiet.tickets.commented == []
    assert len(comment_bodies(session, ticket)) == 1

    # Through the policy: an interval of zero means every run may remind.
    zero = autoticket.Policy(comment_interval=timedelta(0))
    reminded = process(session, machine, CRITICAL, policy=zero)
    assert reminded.tickets.commented == [ticket.number]
    assert reminded.tickets.opened == []
    assert len(comment_bodies(session, ticket)) == 2
    assert len(tickets_with(session, fp)) == 1


def test_warning_to_critical_raises_priority_with_an_audit_event(session: Session) -> None:
    machine = host()
    process(session, machine, WARNING)
    ticket = _only_ticket(session, fingerprint_of(machine, WARNING))
    assert ticket.priority == "high"

    worse = process(session, machine, CRITICAL)

    assert worse.tickets.escalated == [ticket.number]
    assert worse.tickets.opened == []
    session.refresh(ticket)
    assert ticket.priority == "critical"
    agent = users.get_user(session, ref="itsm-agent")
    changes = [
        (e.field, e.old_value, e.new_value, e.actor_id)
        for e in events.history(session, ticket_id=ticket.id)
        if e.kind == EventKind.FIELD_CHANGED
    ]
    # The agent's "[SEVERITY]" title prefix follows the escalation, in the same change.
    assert changes == [
        ("title", ticket.title.replace("[CRITICAL]", "[WARNING]"), ticket.title, agent.id),
        ("priority", "high", "critical", agent.id),
    ]
    assert ticket.title.startswith("[CRITICAL] ")
    bodies = comment_bodies(session, ticket)
    assert len(bodies) == 1
    assert bodies[0].startswith("Worsened to CRITICAL: ")

    # Back to warning: a priority is never lowered behind a technician's back.
    better = process(session, machine, WARNING)
    assert better.tickets.escalated == better.tickets.opened == []
    session.refresh(ticket)
    assert ticket.priority == "critical"


def test_recovery_comments_and_resolves(session: Session) -> None:
    machine = host()
    process(session, machine, CRITICAL)
    fp = fingerprint_of(machine, CRITICAL)
    ticket = _only_ticket(session, fp)

    healed = process(session, machine, HEALTHY)

    assert healed.tickets.resolved == [ticket.number]
    session.refresh(ticket)
    assert ticket.status == Status.RESOLVED
    assert ticket.resolved_at is not None
    assert active_count(session, fp) == 0
    bodies = comment_bodies(session, ticket)
    assert len(bodies) == 1
    assert bodies[0].startswith("Recovered: ")
    assert HEALTHY.message in bodies[0]

    # Still healthy: nothing left to settle, nothing touched.
    calm = process(session, machine, HEALTHY)
    assert calm.tickets.as_dict() == {
        "opened": [],
        "commented": [],
        "escalated": [],
        "resolved": [],
    }
    assert len(comment_bodies(session, ticket)) == 1


def test_recovery_only_comments_when_so_configured(session: Session) -> None:
    machine = host()
    comment_only = autoticket.Policy(
        comment_interval=HOUR, on_recovery=autoticket.RecoveryAction.COMMENT
    )
    process(session, machine, CRITICAL, policy=comment_only)
    fp = fingerprint_of(machine, CRITICAL)
    ticket = _only_ticket(session, fp)

    healed = process(session, machine, HEALTHY, policy=comment_only)

    assert healed.tickets.commented == [ticket.number]
    assert healed.tickets.resolved == []
    session.refresh(ticket)
    assert ticket.status == Status.OPEN
    assert active_count(session, fp) == 1
    bodies = comment_bodies(session, ticket)
    assert len(bodies) == 1
    assert bodies[0].startswith("Recovered: ")

    # Staying healthy must not post "Recovered" again on every run.
    calm = process(session, machine, HEALTHY, policy=comment_only)
    assert calm.tickets.commented == []
    assert len(comment_bodies(session, ticket)) == 1


def test_new_problem_after_resolution_opens_a_new_ticket(session: Session) -> None:
    machine = host()
    first = process(session, machine, CRITICAL)
    process(session, machine, HEALTHY)
    second = process(session, machine, WARNING)

    fp = fingerprint_of(machine, CRITICAL)
    both = tickets_with(session, fp)
    assert [t.number for t in both] == [*first.tickets.opened, *second.tickets.opened]
    assert len(both) == 2
    assert [t.status for t in both] == [Status.RESOLVED, Status.OPEN]
    assert both[1].priority == "high"
    assert active_count(session, fp) == 1


def test_subjects_and_hosts_get_their_own_tickets(session: Session) -> None:
    one, two = host("alpha"), host("beta")
    home = disk(Severity.CRITICAL, 98.0, subject="/home")
    process(session, one, CRITICAL, home)
    process(session, two, CRITICAL)

    fps = {fingerprint_of(one, CRITICAL), fingerprint_of(one, home), fingerprint_of(two, CRITICAL)}
    assert len(fps) == 3
    assert all(len(tickets_with(session, fp)) == 1 for fp in fps)


def test_healthy_report_without_tickets_touches_nothing(session: Session) -> None:
    machine = host()
    processed = process(session, machine, HEALTHY, memory(Severity.HEALTHY, 10.0))
    assert processed.tickets.as_dict() == {
        "opened": [],
        "commented": [],
        "escalated": [],
        "resolved": [],
    }
    assert tickets_with(session, fingerprint_of(machine, HEALTHY)) == []
