"""The ticket lifecycle: one transition rule, resolution notes, reopening and its window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from itsm.db.base import utcnow
from itsm.errors import ErrorKind, InvalidInput
from itsm.sla.config import SlaSettings
from itsm.tickets import service as tickets
from itsm.tickets import workflow
from itsm.tickets.errors import InvalidTransition
from itsm.tickets.models import Status, Ticket

from .support import ALWAYS, T0, Desk, event_rows, ticket_at

#: The lifecycle of the issue, written out independently of the code.
ALLOWED = {
    Status.OPEN: "in_progress, pending, resolved, closed",
    Status.IN_PROGRESS: "open, pending, resolved, closed",
    Status.PENDING: "open, in_progress, resolved, closed",
    Status.RESOLVED: "closed, open, in_progress",
    Status.CLOSED: "open",
}
NOTE = "Replaced the fuser unit"


def _move(session: Session, ticket: Ticket, status: Status, desk: Desk, **kw: object) -> Ticket:
    note = NOTE if status == Status.RESOLVED else None
    return tickets.change_status(
        session,
        ref=ticket.id,
        status=status,
        actor=desk.tech,
        note=note,
        sla=ALWAYS,
        **kw,  # type: ignore[arg-type]
    )


def test_the_whole_lifecycle_is_in_the_audit_trail(session: Session, desk: Desk) -> None:
    ticket = ticket_at(session, desk, created=T0, sla=ALWAYS)
    steps = [
        (Status.IN_PROGRESS, desk.tech, None),
        (Status.PENDING, desk.tech, None),
        (Status.IN_PROGRESS, desk.requester, None),
        (Status.RESOLVED, desk.tech, f"  {NOTE}\n"),
        (Status.CLOSED, desk.admin, None),
    ]
    for i, (status, actor, note) in enumerate(steps, start=1):
        tickets.change_status(
            session,
            ref=ticket.number,
            status=status,
            actor=actor,
            note=note,
            sla=ALWAYS,
            now=T0 + timedelta(hours=i),
        )
    session.refresh(ticket)
    assert ticket.status == Status.CLOSED
    assert ticket.resolved_at == T0 + timedelta(hours=4)
    assert ticket.closed_at == T0 + timedelta(hours=5)
    assert ticket.resolution_note == NOTE
    assert ticket.first_response_at == T0 + timedelta(hours=1)
    assert event_rows(session, ticket)[1:] == [
        ("status_changed", "status", "open", "in_progress", "tech"),
        ("status_changed", "status", "in_progress", "pending", "tech"),
        ("status_changed", "status", "pending", "in_progress", "ana"),
        ("status_changed", "status", "in_progress", "resolved", "tech"),
        ("field_changed", "resolution_note", None, NOTE, "tech"),
        ("status_changed", "status", "resolved", "closed", "boss"),
    ]


@pytest.mark.parametrize("current", list(Status))
def test_every_transition_follows_the_one_rule(
    session: Session, desk: Desk, current: Status
) -> None:
    ticket = ticket_at(session, desk, created=T0, sla=ALWAYS)
    if current != Status.OPEN:
        _move(session, ticket, current, desk)
    allowed = ALLOWED[current].split(", ")
    for target in Status:
        with session.begin_nested() as savepoint:
            if target in allowed:
                _move(session, ticket, target, desk, now=utcnow())
                assert ticket.status == target
            else:
                with pytest.raises(InvalidTransition) as info:
                    _move(session, ticket, target, desk)
                assert info.value.message == (
                    f"cannot change status from {current} to {target}; "
                    f"allowed from {current}: {ALLOWED[current]}"
                )
                assert info.value.kind is ErrorKind.CONFLICT
            savepoint.rollback()
        assert tickets.get_ticket(session, ref=ticket.id).status == current


@pytest.mark.parametrize("note", [None, "", "  \n\t"])
def test_resolving_needs_a_note(session: Session, desk: Desk, note: str | None) -> None:
    ticket = ticket_at(session, desk, created=T0, sla=ALWAYS)
    before = event_rows(session, ticket)
    with pytest.raises(InvalidInput) as info:
        tickets.change_status(
            session, ref=ticket.id, status=Status.RESOLVED, actor=desk.tech, note=note
        )
    assert info.value.message == "resolving a ticket needs a resolution note (what fixed it)"
    session.refresh(ticket)
    assert (ticket.status, ticket.resolved_at, ticket.resolution_note) == ("open", None, None)
    assert event_rows(session, ticket) == before


@pytest.mark.parametrize("status", [Status.IN_PROGRESS, Status.PENDING])
def test_a_resolution_note_is_refused_for_other_statuses(
    session: Session, desk: Desk, status: Status
) -> None:
    """Otherwise the audit trail would show a note the ticket never stored."""
    ticket = ticket_at(session, desk, created=T0, sla=ALWAYS)
    before = event_rows(session, ticket)
    with pytest.raises(InvalidInput, match=f"not {status}; add a comment instead"):
        tickets.change_status(session, ref=ticket.id, status=status, actor=desk.tech, note="x")
    assert event_rows(session, ticket) == before


@pytest.mark.parametrize("back_to", [Status.OPEN, Status.IN_PROGRESS])
def test_reopening_a_resolved_ticket_clears_its_resolution_time(
    session: Session, desk: Desk, back_to: Status
) -> None:
    ticket = ticket_at(session, desk, created=T0, sla=ALWAYS)
    _move(session, ticket, Status.RESOLVED, desk, now=T0 + timedelta(hours=1))
    assert ticket.resolved_at == T0 + timedelta(hours=1)
    tickets.change_status(session, ref=ticket.id, status=back_to, actor=desk.requester, sla=ALWAYS)
    session.refresh(ticket)
    state: tuple[object, ...] = (ticket.status, ticket.resolved_at, ticket.closed_at)
    assert state == (back_to, None, None)
    assert event_rows(session, ticket)[-1] == (
        "status_changed",
        "status",
        "resolved",
        str(back_to),
        "ana",
    )


def test_a_reopened_ticket_drops_the_resolution_that_did_not_hold_into_its_history(
    session: Session, desk: Desk
) -> None:
    """The note and the rating belong to one resolution: reopening moves them, whole,
    to the audit trail, and the next resolution is noted and rated afresh."""
    ticket = ticket_at(session, desk, created=T0, sla=ALWAYS)
    long_note = "Reseated the RAM. " * 60  # longer than an event's usual excerpt
    tickets.change_status(
        session, ref=ticket.id, status=Status.RESOLVED, actor=desk.tech, note=long_note
    )
    workflow.rate(session, ref=ticket.id, rating=2, comment="Came back", actor=desk.requester)
    _move(session, ticket, Status.CLOSED, desk)
    _move(session, ticket, Status.OPEN, desk)
    session.refresh(ticket)
    assert (
        ticket.resolution_note,
        ticket.satisfaction_rating,
        ticket.satisfaction_comment,
        ticket.satisfaction_rated_at,
    ) == (None, None, None, None)
    cleared = [row for row in event_rows(session, ticket) if row[0] == "field_changed"][-3:]
    assert cleared == [
        ("field_changed", "resolution_note", long_note.strip(), None, "tech"),
        ("field_changed", "satisfaction_rating", "2", None, "tech"),
        ("field_changed", "satisfaction_comment", "Came back", None, "tech"),
    ]
    _move(session, ticket, Status.RESOLVED, desk)
    workflow.rate(session, ref=ticket.id, rating=5, comment=None, actor=desk.requester)
    session.refresh(ticket)
    assert (ticket.resolution_note, ticket.satisfaction_rating) == (NOTE, 5)


def test_closing_keeps_the_resolution_and_closing_by_hand_needs_no_note(
    session: Session, desk: Desk
) -> None:
    resolved = ticket_at(session, desk, created=T0, sla=ALWAYS)
    _move(session, resolved, Status.RESOLVED, desk, now=T0 + timedelta(hours=1))
    _move(session, resolved, Status.CLOSED, desk, now=T0 + timedelta(hours=2))
    session.refresh(resolved)
    assert resolved.resolved_at == T0 + timedelta(hours=1)
    assert resolved.closed_at == T0 + timedelta(hours=2)
    assert resolved.resolution_note == NOTE

    spam = ticket_at(session, desk, created=T0, sla=ALWAYS)
    _move(session, spam, Status.CLOSED, desk, now=T0 + timedelta(hours=3))
    session.refresh(spam)
    assert spam.resolved_at == spam.closed_at == T0 + timedelta(hours=3)
    assert spam.resolution_note is None


def _closed_at_t0(session: Session, desk: Desk) -> Ticket:
    ticket = ticket_at(session, desk, created=T0, sla=ALWAYS)
    _move(session, ticket, Status.RESOLVED, desk, now=T0)
    _move(session, ticket, Status.CLOSED, desk, now=T0)
    return ticket


def test_reopening_a_closed_ticket_within_the_window(session: Session, desk: Desk) -> None:
    ticket = _closed_at_t0(session, desk)
    _move(session, ticket, Status.OPEN, desk, now=T0 + timedelta(days=14))  # the last moment
    session.refresh(ticket)
    assert (ticket.status, ticket.resolved_at, ticket.closed_at) == ("open", None, None)


def test_reopening_a_closed_ticket_after_the_window_is_refused(
    session: Session, desk: Desk
) -> None:
    ticket = _closed_at_t0(session, desk)
    late = T0 + timedelta(days=14, microseconds=1)
    with pytest.raises(InvalidTransition) as info:
        _move(session, ticket, Status.OPEN, desk, now=late)
    assert info.value.message == (
        "this ticket was closed 14 days ago and can be reopened only within 14 days; "
        "open a new ticket that refers to it"
    )
    session.refresh(ticket)
    assert ticket.status == Status.CLOSED


def test_the_reopen_window_is_configurable(session: Session, desk: Desk) -> None:
    ticket = _closed_at_t0(session, desk)
    short = SlaSettings(reopen_window_days=0.5)
    with pytest.raises(InvalidTransition, match=r"closed 0 days ago .* within 0\.5 days"):
        tickets.change_status(
            session,
            ref=ticket.id,
            status=Status.OPEN,
            actor=desk.tech,
            sla=short,
            now=T0 + timedelta(hours=13),
        )
    tickets.change_status(
        session,
        ref=ticket.id,
        status=Status.OPEN,
        actor=desk.tech,
        sla=short,
        now=T0 + timedelta(hours=12),
    )
    assert ticket.status == Status.OPEN


def test_the_window_counts_from_the_stored_closing_time(session: Session, desk: Desk) -> None:
    """Without ``now=``: the real clock against a closing time moved back in the database."""
    ticket = ticket_at(session, desk, created=T0, sla=ALWAYS)
    _move(session, ticket, Status.CLOSED, desk)
    session.execute(
        update(Ticket).where(Ticket.id == ticket.id).values(closed_at=utcnow() - timedelta(days=20))
    )
    session.expire_all()
    with pytest.raises(InvalidTransition, match="closed 20 days ago"):
        tickets.change_status(
            session, ref=ticket.id, status=Status.OPEN, actor=desk.tech, sla=SlaSettings()
        )
