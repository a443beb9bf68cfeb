"""Domain events: told once, after commit, by every producer; never for a rolled-back change."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itsm.db.runtime import Database
from itsm.diagnostics import service
from itsm.diagnostics.severity import Severity
from itsm.events.domain import HOST_REPORTED, DomainEvent
from itsm.integrations import alertmanager
from itsm.integrations.config import AlertmanagerSettings
from itsm.integrations.schemas import WebhookPayload
from itsm.tickets import creation, workflow
from itsm.tickets import service as tickets
from itsm.tickets.errors import DuplicateFingerprint
from itsm.tickets.models import Status, Ticket
from itsm.tickets.schemas import CommentCreate, TicketCreate
from tests.factories import UTC, make_ticket, make_user
from tests.integration.diag_tickets import support


class RolledBack(Exception):
    pass


@pytest.fixture
def heard(db: Database) -> list[DomainEvent]:
    """Every event the database's sessions told after their commit, in order."""
    told: list[DomainEvent] = []
    db.bus.after_commit.append(told.extend)
    return told


def _kinds(events: Sequence[DomainEvent]) -> list[str]:
    return [e.kind for e in events]


def _of_tickets(events: Sequence[DomainEvent]) -> list[DomainEvent]:
    """The ticket events alone (a factory's user, an alert's account: ``user.created``)."""
    return [e for e in events if e.kind.startswith("ticket.")]


def test_a_ticket_is_told_after_commit_with_its_ids(db: Database, heard: list[DomainEvent]) -> None:
    with db.session() as session:
        requester = make_user(session)
        ticket = make_ticket(session, requester=requester)
        session.flush()
        assert heard == []  # not before the commit
    assert _of_tickets(heard) == [
        DomainEvent(
            kind="ticket.created",
            ticket_id=ticket.id,
            requester_id=requester.id,
            source="cli",
        )
    ]


def _move_then_fail(db: Database, ticket_id: int) -> None:
    with db.session() as session:
        tickets.change_status(session, ref=ticket_id, status=Status.IN_PROGRESS, actor=None)
        raise RolledBack


def test_a_rolled_back_change_tells_nothing(db: Database, heard: list[DomainEvent]) -> None:
    with db.session() as session:
        ticket = make_ticket(session)
    heard.clear()
    with pytest.raises(RolledBack):
        _move_then_fail(db, ticket.id)
    assert heard == []
    with db.session() as session:  # a later change is told alone, without the lost one
        tickets.change_status(session, ref=ticket.id, status=Status.PENDING, actor=None)
    assert _kinds(heard) == ["ticket.status_changed"]


def test_a_savepoint_rolled_back_drops_only_its_events(
    db: Database, heard: list[DomainEvent]
) -> None:
    with db.session() as session:
        first = make_ticket(session, fingerprint="fp-1")
        requester = first.requester_id
    heard.clear()
    with db.session() as session:
        kept = make_ticket(session)
        with pytest.raises(DuplicateFingerprint):
            creation.create_ticket(
                session,
                data=TicketCreate(
                    title="again",
                    description="d",
                    category="hardware",
                    priority="low",
                    requester_id=requester,
                    fingerprint="fp-1",
                ),
                actor=None,
                zone=UTC,
            )
        count = session.scalar(select(func.count()).select_from(Ticket))
    assert [(e.kind, e.ticket_id) for e in _of_tickets(heard)] == [("ticket.created", kept.id)]
    assert count == 2


def test_every_ticket_change_is_told_once(db: Database, heard: list[DomainEvent]) -> None:
    with db.session() as session:
        tech = make_user(session, role="technician")
        ticket = make_ticket(session)
        other = make_ticket(session)
    heard.clear()
    with db.session() as session:
        tickets.assign(session, ref=ticket.id, assignee_ref=tech.id, actor=tech)
        tickets.add_comment(
            session, ref=ticket.id, data=CommentCreate(body="note", is_internal=True), actor=tech
        )
        tickets.add_comment(session, ref=ticket.id, data=CommentCreate(body="reply"), actor=tech)
        workflow.merge(session, duplicate_ref=other.id, target_ref=ticket.id, actor=tech)
    told = [(e.kind, e.ticket_id, e.internal) for e in heard]
    assert told[:3] == [
        ("ticket.assigned", ticket.id, False),
        ("ticket.commented", ticket.id, True),
        ("ticket.commented", ticket.id, False),
    ]
    assert {(k, t) for k, t, _ in told[3:]} >= {("ticket.merged", other.id)}
    assert len(told) == len(set(told))


def test_a_before_commit_subscriber_runs_in_the_transaction(
    db: Database, heard: list[DomainEvent]
) -> None:
    """What the outbox needs: a subscriber before commit that fails fails the change."""
    seen_open: list[bool] = []

    def refuse(session: Session, events: Sequence[DomainEvent]) -> None:
        seen_open.append(session.in_transaction())
        raise RolledBack

    db.bus.before_commit.append(refuse)
    with pytest.raises(RolledBack), db.session() as session:
        make_ticket(session)
    db.bus.before_commit.remove(refuse)
    assert seen_open == [True]
    assert heard == []
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_a_stored_report_and_its_ticket_are_told(db: Database, heard: list[DomainEvent]) -> None:
    machine = support.host("pc-live")
    report = support.report(machine, [support.disk(Severity.CRITICAL, 97.0)])
    with db.session() as session:
        processed = service.process_report(
            session, report=report, zone=UTC, policy=support.DEFAULT_POLICY
        )
    assert processed.tickets.opened
    reported = [e for e in heard if e.kind == HOST_REPORTED]
    assert reported == [
        DomainEvent(kind=HOST_REPORTED, asset_id=processed.asset_id, severity="critical")
    ]
    assert [e.source for e in heard if e.kind == "ticket.created"] == ["diagnostic"]
    heard.clear()
    with db.session() as session:  # the same report again: a duplicate that changes nothing
        again = service.process_report(
            session, report=report, zone=UTC, policy=support.DEFAULT_POLICY
        )
    assert again.duplicate
    assert heard == []


def _alert(status: str) -> WebhookPayload:
    labels = {"alertname": "DiskFull", "instance": "db1"}
    return WebhookPayload.model_validate(
        {
            "version": "4",
            "status": status,
            "receiver": "itsm",
            "externalURL": "http://alertmanager:9093",
            "alerts": [
                {
                    "status": status,
                    "labels": labels,
                    "annotations": {"summary": "/var is full"},
                    "startsAt": "2026-03-01T10:00:00Z",
                    "endsAt": "0001-01-01T00:00:00Z",
                    "fingerprint": alertmanager.labels_fingerprint(labels),
                }
            ],
        }
    )


def test_an_alert_ticket_opened_and_closed_is_told(db: Database, heard: list[DomainEvent]) -> None:
    config = AlertmanagerSettings()
    with db.session() as session:
        alertmanager.receive(session, payload=_alert("firing"), settings=config, zone=UTC)
    assert [(e.kind, e.source) for e in _of_tickets(heard)] == [("ticket.created", "alert")]
    opened = _of_tickets(heard)[0].ticket_id
    heard.clear()
    with db.session() as session:
        alertmanager.receive(session, payload=_alert("resolved"), settings=config, zone=UTC)
    assert ("ticket.status_changed", opened, "alert") in [
        (e.kind, e.ticket_id, e.source) for e in heard
    ]
