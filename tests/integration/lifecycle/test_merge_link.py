"""Merging a duplicate into another ticket, and linking related tickets."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from itsm.errors import InvalidInput
from itsm.tickets import service as tickets
from itsm.tickets import workflow
from itsm.tickets.errors import InvalidTransition
from itsm.tickets.models import Status, Ticket
from itsm.tickets.schemas import CommentCreate

from .support import ALWAYS, T0, Desk, event_rows, kinds, minutes, ticket_at


def _pair(session: Session, desk: Desk) -> tuple[Ticket, Ticket]:
    return (
        ticket_at(session, desk, created=T0, sla=ALWAYS, title="Mail is slow"),
        ticket_at(session, desk, created=T0, sla=ALWAYS, title="Outlook hangs"),
    )


def _comment(
    session: Session, ticket: Ticket, desk: Desk, body: str, *, internal: bool = False
) -> None:
    author = desk.tech if internal else desk.requester
    data = CommentCreate(body=body, is_internal=internal, time_spent_minutes=15 if internal else 0)
    tickets.add_comment(session, ref=ticket.id, data=data, actor=author)


def test_merge_copies_comments_and_closes_the_duplicate(session: Session, desk: Desk) -> None:
    duplicate, target = _pair(session, desk)
    _comment(session, target, desk, "Outlook hangs on start")
    _comment(session, duplicate, desk, "Mail takes minutes to arrive")
    _comment(session, duplicate, desk, "Mailbox is at 99 %", internal=True)
    kept = workflow.merge(
        session, duplicate_ref=duplicate.number, target_ref=target.id, actor=desk.tech, sla=ALWAYS
    )
    assert kept is target
    origin = duplicate.number
    assert [
        (
            c.copied_from,
            c.body,
            c.author.username if c.author else None,
            c.is_internal,
            c.time_spent_minutes,
        )
        for c in tickets.comments_of(session, ticket=target)
    ] == [
        (None, "Outlook hangs on start", "ana", False, 0),
        (origin, "Mail takes minutes to arrive", "ana", False, 0),
        (origin, "Mailbox is at 99 %", "tech", True, 0),  # the time stays counted once
    ]
    assert [c.body for c in tickets.comments_of(session, ticket=duplicate)] == [
        "Mail takes minutes to arrive",
        "Mailbox is at 99 %",
    ]
    session.refresh(duplicate)
    assert duplicate.status == Status.CLOSED
    assert duplicate.resolution_note is None  # the link names the target, no searched text
    assert duplicate.closed_at is not None
    assert target.status == Status.OPEN
    assert event_rows(session, duplicate)[-2:] == [
        ("merged", "merged_into", None, target.number, "tech"),
        ("status_changed", "status", "open", "closed", "tech"),
    ]
    assert kinds(session, target, "merged") == [
        ("merged", "merged_from", None, duplicate.number, "tech")
    ]
    assert workflow.links_of(session, ticket=duplicate) == [("merged_into", target.number)]
    assert workflow.links_of(session, ticket=target) == [("merged_from", duplicate.number)]


def test_merging_a_pending_duplicate_keeps_its_clock_stopped(session: Session, desk: Desk) -> None:
    duplicate, target = _pair(session, desk)
    tickets.change_status(
        session, ref=duplicate.id, status=Status.PENDING, actor=None, sla=ALWAYS, now=T0
    )
    workflow.merge(
        session, duplicate_ref=duplicate.id, target_ref=target.id, actor=None, sla=ALWAYS
    )
    session.refresh(duplicate)
    assert (duplicate.status, duplicate.sla_paused_at) == ("closed", T0)


def test_merge_refusals(session: Session, desk: Desk) -> None:
    duplicate, target = _pair(session, desk)
    closed = ticket_at(session, desk, created=T0, sla=ALWAYS)
    tickets.change_status(session, ref=closed.id, status=Status.CLOSED, actor=desk.tech)
    resolved = ticket_at(session, desk, created=T0, sla=ALWAYS)
    tickets.change_status(
        session, ref=resolved.id, status=Status.RESOLVED, actor=desk.tech, note="Fixed"
    )
    before = {t.id: event_rows(session, t) for t in (duplicate, target, closed, resolved)}

    with pytest.raises(InvalidInput, match=r"^a ticket cannot be merged into itself$"):
        workflow.merge(session, duplicate_ref=target.id, target_ref=target.number, actor=None)
    for gone, state in ((closed, "closed"), (resolved, "resolved")):
        with pytest.raises(InvalidTransition) as info:
            workflow.merge(session, duplicate_ref=duplicate.id, target_ref=gone.id, actor=None)
        assert info.value.message == (
            f"cannot merge into {gone.number}: it is {state}; reopen it first"
        )
    with pytest.raises(InvalidTransition, match=f"^{closed.number} is already closed$"):
        workflow.merge(session, duplicate_ref=closed.id, target_ref=target.id, actor=None)

    assert {t.id: event_rows(session, t) for t in (duplicate, target, closed, resolved)} == before
    assert tickets.comments_of(session, ticket=target) == []
    assert workflow.links_of(session, ticket=target) == []


def test_a_merged_duplicate_cannot_be_merged_again(session: Session, desk: Desk) -> None:
    duplicate, target = _pair(session, desk)
    other = ticket_at(session, desk, created=T0, sla=ALWAYS)
    workflow.merge(session, duplicate_ref=duplicate.id, target_ref=target.id, actor=None)
    with pytest.raises(InvalidTransition, match="already closed"):
        workflow.merge(session, duplicate_ref=duplicate.id, target_ref=other.id, actor=None)
    with pytest.raises(InvalidTransition, match="it is closed"):
        workflow.merge(session, duplicate_ref=other.id, target_ref=duplicate.id, actor=None)


def test_link_is_idempotent_and_shown_from_both_sides(session: Session, desk: Desk) -> None:
    first, second = _pair(session, desk)
    row = workflow.link(session, ref=second.number, other_ref=first.id, actor=desk.tech)
    assert workflow.link(session, ref=first.id, other_ref=second.id, actor=desk.admin) is row
    assert workflow.link(session, ref=second.id, other_ref=first.id, actor=None) is row
    assert workflow.links_of(session, ticket=first) == [("related", second.number)]
    assert workflow.links_of(session, ticket=second) == [("related", first.number)]
    assert kinds(session, first, "linked") == [("linked", "related", None, second.number, "tech")]
    assert kinds(session, second, "linked") == [("linked", "related", None, first.number, "tech")]


def test_a_ticket_cannot_be_linked_to_itself(session: Session, desk: Desk) -> None:
    ticket = ticket_at(session, desk, created=T0 + minutes(1), sla=ALWAYS)
    with pytest.raises(InvalidInput, match=r"^a ticket cannot be linked to itself$"):
        workflow.link(session, ref=ticket.id, other_ref=ticket.number, actor=None)
    assert workflow.links_of(session, ticket=ticket) == []


def test_related_and_merged_links_live_side_by_side(session: Session, desk: Desk) -> None:
    duplicate, target = _pair(session, desk)
    third = ticket_at(session, desk, created=T0, sla=ALWAYS)
    workflow.link(session, ref=duplicate.id, other_ref=target.id, actor=None)
    workflow.link(session, ref=target.id, other_ref=third.id, actor=None)
    workflow.merge(session, duplicate_ref=duplicate.id, target_ref=target.id, actor=None)
    assert workflow.links_of(session, ticket=duplicate) == [
        ("related", target.number),
        ("merged_into", target.number),
    ]
    assert workflow.links_of(session, ticket=target) == [
        ("related", duplicate.number),
        ("related", third.number),
        ("merged_from", duplicate.number),
    ]
    assert workflow.links_of(session, ticket=third) == [("related", target.number)]
