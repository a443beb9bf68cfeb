"""Changing tickets: lookup, audit trail, assignment, lifecycle, first response, comments."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from itsm.errors import ErrorKind, InvalidInput
from itsm.inventory import service as inventory
from itsm.inventory.schemas import AssetCreate
from itsm.tickets import service as tickets
from itsm.tickets.errors import InvalidTransition, TicketNotFound
from itsm.tickets.models import Status, Ticket
from itsm.tickets.schemas import CommentCreate, TicketUpdate
from itsm.users.errors import InactiveUser, NotStaff, UserNotFound
from itsm.users.models import User
from itsm.validation import validated
from tests.factories import make_ticket, make_user

from .support import event_count, event_rows


@dataclass
class Desk:
    requester: User
    tech: User
    admin: User
    ticket: Ticket


@pytest.fixture
def desk(session: Session) -> Desk:
    requester = make_user(session, username="ana")
    tech = make_user(session, role="technician", username="tech")
    admin = make_user(session, role="admin", username="boss")
    ticket = make_ticket(session, requester=requester, title="Printer jam", priority="low")
    return Desk(requester, tech, admin, ticket)


def test_get_ticket_by_id_and_by_number_in_any_case(session: Session, desk: Desk) -> None:
    ticket = desk.ticket
    assert tickets.get_ticket(session, ref=ticket.id) is ticket
    assert tickets.get_ticket(session, ref=f" {ticket.id} ") is ticket
    assert tickets.get_ticket(session, ref=ticket.number) is ticket
    assert tickets.get_ticket(session, ref=ticket.number.lower()) is ticket


@pytest.mark.parametrize("ref", [999_999, "TKT-20990101-0001", "tkt-1-2", "printer", ""])
def test_unknown_ticket_is_not_found(session: Session, desk: Desk, ref: int | str) -> None:
    with pytest.raises(TicketNotFound) as info:
        tickets.get_ticket(session, ref=ref)
    assert info.value.message.startswith(f"ticket {str(ref).strip()!r} does not exist")
    assert "TKT-YYYYMMDD-NNNN" in info.value.message
    assert info.value.kind is ErrorKind.NOT_FOUND


def test_every_change_is_in_the_audit_trail(session: Session, desk: Desk) -> None:
    ref = desk.ticket.id
    tickets.assign(session, ref=ref, assignee_ref="tech", actor=desk.admin)
    tickets.change_status(session, ref=ref, status=Status.IN_PROGRESS, actor=desk.tech)
    tickets.update_ticket(
        session,
        ref=ref,
        data=TicketUpdate(title="Printer jam on floor 2", priority="high"),
        actor=desk.tech,
    )
    tickets.update_ticket(
        session, ref=ref, data=TicketUpdate(description="Longer story"), actor=desk.tech
    )
    public = tickets.add_comment(
        session, ref=ref, data=CommentCreate(body="On my way"), actor=desk.tech
    )
    note = tickets.add_comment(
        session, ref=ref, data=CommentCreate(body="Toner?", is_internal=True), actor=desk.tech
    )
    tickets.assign(session, ref=ref, assignee_ref=desk.admin.id, actor=desk.admin)
    tickets.assign(session, ref=ref, assignee_ref=None, actor=desk.admin)
    assert event_rows(session, desk.ticket) == [
        ("created", None, None, desk.ticket.number, "ana"),
        ("assigned", "assignee", None, "tech", "boss"),
        ("status_changed", "status", "open", "in_progress", "tech"),
        ("field_changed", "title", "Printer jam", "Printer jam on floor 2", "tech"),
        ("field_changed", "priority", "low", "high", "tech"),
        ("field_changed", "description", None, None, "tech"),  # text itself not copied
        ("commented", "public", None, str(public.id), "tech"),
        ("commented", "internal", None, str(note.id), "tech"),
        ("assigned", "assignee", "tech", "boss", "boss"),
        ("assigned", "assignee", "boss", None, "boss"),
    ]
    session.expire_all()
    stored = tickets.get_ticket(session, ref=ref)
    assert (stored.title, stored.priority, stored.priority_rank) == (
        "Printer jam on floor 2",
        "high",
        2,
    )
    assert stored.description == "Longer story"
    assert stored.assignee_id is None


def test_changes_without_an_actor_are_recorded_as_the_system(session: Session, desk: Desk) -> None:
    tickets.change_status(session, ref=desk.ticket.id, status=Status.PENDING, actor=None)
    assert event_rows(session, desk.ticket)[-1] == (
        "status_changed",
        "status",
        "open",
        "pending",
        None,
    )


def test_update_with_unchanged_values_records_nothing(session: Session, desk: Desk) -> None:
    before = event_count(session)
    same = TicketUpdate(
        title="Printer jam", priority="low", category="hardware", description="Something is broken."
    )
    tickets.update_ticket(session, ref=desk.ticket.id, data=same, actor=desk.tech)
    tickets.update_ticket(session, ref=desk.ticket.id, data=TicketUpdate(), actor=desk.tech)
    tickets.assign(session, ref=desk.ticket.id, assignee_ref=None, actor=desk.tech)
    assert event_count(session) == before


def test_assigning_to_the_current_assignee_records_nothing(session: Session, desk: Desk) -> None:
    tickets.assign(session, ref=desk.ticket.id, assignee_ref="tech", actor=desk.admin)
    before = event_count(session)
    tickets.assign(session, ref=desk.ticket.id, assignee_ref="TECH", actor=desk.admin)
    assert event_count(session) == before


def test_assign_to_an_end_user_is_refused_and_writes_nothing(session: Session, desk: Desk) -> None:
    before = event_count(session)
    with pytest.raises(NotStaff, match="'ana' is a user; tickets can be assigned to: admin"):
        tickets.assign(session, ref=desk.ticket.id, assignee_ref="ana", actor=desk.admin)
    session.expire_all()
    assert tickets.get_ticket(session, ref=desk.ticket.id).assignee_id is None
    assert event_count(session) == before


def test_assign_to_inactive_or_unknown_people_is_refused(session: Session, desk: Desk) -> None:
    desk.tech.is_active = False
    with pytest.raises(InactiveUser):
        tickets.assign(session, ref=desk.ticket.id, assignee_ref="tech", actor=desk.admin)
    with pytest.raises(UserNotFound):
        tickets.assign(session, ref=desk.ticket.id, assignee_ref="nobody", actor=desk.admin)
    with pytest.raises(TicketNotFound):
        tickets.assign(session, ref=424242, assignee_ref="boss", actor=desk.admin)
    assert desk.ticket.assignee_id is None


def test_resolving_closing_and_reopening_set_and_clear_the_times(
    session: Session, desk: Desk
) -> None:
    ref = desk.ticket.id
    t = tickets.change_status(session, ref=ref, status=Status.IN_PROGRESS, actor=desk.tech)
    assert (t.resolved_at, t.closed_at) == (None, None)
    t = tickets.change_status(session, ref=ref, status=Status.PENDING, actor=desk.tech)
    t = tickets.change_status(
        session, ref=ref, status=Status.RESOLVED, actor=desk.tech, note="Fixed."
    )
    resolved_at = t.resolved_at
    assert resolved_at is not None
    assert resolved_at.tzinfo is not None
    assert t.closed_at is None
    t = tickets.change_status(session, ref=ref, status=Status.CLOSED, actor=desk.tech)
    assert t.closed_at is not None
    assert t.closed_at >= resolved_at
    assert t.resolved_at == resolved_at  # closing keeps the resolution time
    t = tickets.change_status(session, ref=ref, status=Status.OPEN, actor=desk.requester)
    assert (t.status, t.resolved_at, t.closed_at) == (Status.OPEN, None, None)
    session.expire_all()
    stored = tickets.get_ticket(session, ref=ref)
    assert (stored.status, stored.resolved_at, stored.closed_at) == ("open", None, None)


def test_closing_an_open_ticket_also_marks_it_resolved(session: Session, desk: Desk) -> None:
    t = tickets.change_status(session, ref=desk.ticket.id, status=Status.CLOSED, actor=desk.tech)
    assert t.resolved_at is not None
    assert t.resolved_at == t.closed_at


def test_reopening_a_resolved_ticket_into_progress_clears_resolved_at(
    session: Session, desk: Desk
) -> None:
    tickets.change_status(
        session, ref=desk.ticket.id, status=Status.RESOLVED, actor=desk.tech, note="Fixed."
    )
    t = tickets.change_status(
        session, ref=desk.ticket.id, status=Status.IN_PROGRESS, actor=desk.tech
    )
    assert t.resolved_at is None


@pytest.mark.parametrize(
    ("path", "target", "allowed"),
    [
        ([], Status.OPEN, "in_progress, pending, resolved, closed"),
        ([Status.CLOSED], Status.RESOLVED, "open"),
        ([Status.CLOSED], Status.IN_PROGRESS, "open"),
        ([Status.RESOLVED], Status.PENDING, "closed, open, in_progress"),
    ],
)
def test_invalid_transition_is_refused_and_lists_what_is_allowed(
    session: Session, desk: Desk, path: list[Status], target: Status, allowed: str
) -> None:
    for step in path:
        tickets.change_status(
            session, ref=desk.ticket.id, status=step, actor=desk.tech, note="Fixed."
        )
    current = desk.ticket.status
    before = event_count(session)
    with pytest.raises(InvalidTransition) as info:
        tickets.change_status(session, ref=desk.ticket.id, status=target, actor=desk.tech)
    assert info.value.message == (
        f"cannot change status from {current} to {target}; allowed from {current}: {allowed}"
    )
    assert info.value.kind is ErrorKind.CONFLICT
    session.expire_all()
    assert tickets.get_ticket(session, ref=desk.ticket.id).status == current
    assert event_count(session) == before


def test_first_response_ignores_the_requester_and_internal_notes(
    session: Session, desk: Desk
) -> None:
    ref = desk.ticket.id
    tickets.add_comment(
        session, ref=ref, data=CommentCreate(body="Any news?"), actor=desk.requester
    )
    tickets.add_comment(
        session, ref=ref, data=CommentCreate(body="Check toner", is_internal=True), actor=desk.tech
    )
    tickets.add_comment(session, ref=ref, data=CommentCreate(body="Robot"), actor=None)
    assert tickets.get_ticket(session, ref=ref).first_response_at is None
    reply = tickets.add_comment(session, ref=ref, data=CommentCreate(body="On it"), actor=desk.tech)
    first = tickets.get_ticket(session, ref=ref).first_response_at
    assert first == reply.created_at
    tickets.add_comment(session, ref=ref, data=CommentCreate(body="Done?"), actor=desk.admin)
    session.expire_all()
    assert tickets.get_ticket(session, ref=ref).first_response_at == first  # set only once


def test_first_response_is_set_by_a_staff_status_change(session: Session, desk: Desk) -> None:
    ref = desk.ticket.id
    tickets.change_status(session, ref=ref, status=Status.PENDING, actor=desk.requester)
    assert desk.ticket.first_response_at is None
    tickets.change_status(session, ref=ref, status=Status.IN_PROGRESS, actor=desk.tech)
    assert desk.ticket.first_response_at is not None


def test_staff_replying_to_their_own_ticket_is_not_a_first_response(session: Session) -> None:
    tech = make_user(session, role="technician")
    ticket = make_ticket(session, requester=tech)
    tickets.add_comment(session, ref=ticket.id, data=CommentCreate(body="Note to self"), actor=tech)
    tickets.change_status(session, ref=ticket.id, status=Status.IN_PROGRESS, actor=tech)
    assert ticket.first_response_at is None


def test_internal_comments_are_hidden_on_request(session: Session, desk: Desk) -> None:
    ref = desk.ticket.id
    a = tickets.add_comment(session, ref=ref, data=CommentCreate(body="Hello"), actor=desk.tech)
    b = tickets.add_comment(
        session,
        ref=ref,
        data=CommentCreate(body="User is grumpy", is_internal=True, time_spent_minutes=5),
        actor=desk.tech,
    )
    c = tickets.add_comment(
        session, ref=ref, data=CommentCreate(body="Thanks"), actor=desk.requester
    )
    everything = tickets.comments_of(session, ticket=desk.ticket)
    assert [x.id for x in everything] == [a.id, b.id, c.id]
    public = tickets.comments_of(session, ticket=desk.ticket, include_internal=False)
    assert [x.id for x in public] == [a.id, c.id]
    assert everything[1].is_internal
    assert everything[1].time_spent_minutes == 5
    assert everything[1].author is not None
    assert everything[1].author.username == "tech"


def test_comment_on_unknown_ticket_is_refused(session: Session, desk: Desk) -> None:
    with pytest.raises(TicketNotFound):
        tickets.add_comment(
            session, ref="TKT-20000101-0001", data=CommentCreate(body="x"), actor=None
        )


def test_an_asset_is_linked_and_unlinked_with_both_in_the_history(
    session: Session, desk: Desk
) -> None:
    asset = inventory.create_asset(
        session, data=AssetCreate.model_validate({"asset_tag": "PC-0042", "asset_type": "desktop"})
    )
    link = TicketUpdate.model_validate({"asset_id": asset.id})
    tickets.update_ticket(session, ref=desk.ticket.id, data=link, actor=desk.tech)
    assert desk.ticket.asset_id == asset.id
    unlink = TicketUpdate.model_validate({"asset_id": None})
    tickets.update_ticket(session, ref=desk.ticket.id, data=unlink, actor=desk.tech)
    assert desk.ticket.asset_id is None
    # The trail names the item by its asset tag, as it names people by username.
    changes = [row for row in event_rows(session, desk.ticket) if row[1] == "asset"]
    assert changes == [
        ("field_changed", "asset", None, "PC-0042", "tech"),
        ("field_changed", "asset", "PC-0042", None, "tech"),
    ]
    # Unlinking what is not linked changes nothing and records nothing.
    tickets.update_ticket(session, ref=desk.ticket.id, data=unlink, actor=desk.tech)
    assert len([row for row in event_rows(session, desk.ticket) if row[1] == "asset"]) == 2


@pytest.mark.parametrize("field", ["title", "description", "category", "priority"])
def test_only_the_asset_can_be_emptied_by_a_null(field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        validated(TicketUpdate, {field: None})
    assert info.value.message == (
        f"invalid {field}: must not be null; leave it out to keep the current value"
    )


def test_the_requesters_public_reply_reopens_a_pending_ticket(session: Session, desk: Desk) -> None:
    from itsm.sla.config import SlaSettings

    sla = SlaSettings()
    ref = desk.ticket.id
    tickets.change_status(session, ref=ref, status=Status.PENDING, actor=desk.tech, sla=sla)
    # Staff replies and internal notes leave it waiting; so does a desk without the rule.
    tickets.add_comment(
        session, ref=ref, data=CommentCreate(body="¿Sigue?"), actor=desk.tech, sla=sla
    )
    note = CommentCreate(body="nota", is_internal=True)
    tickets.add_comment(session, ref=ref, data=note, actor=desk.tech, sla=sla)
    off = SlaSettings(requester_reply_reopens=False)
    tickets.add_comment(
        session, ref=ref, data=CommentCreate(body="Sí"), actor=desk.requester, sla=off
    )
    assert desk.ticket.status == Status.PENDING
    tickets.add_comment(
        session,
        ref=ref,
        data=CommentCreate(body="Sigue sin imprimir"),
        actor=desk.requester,
        sla=sla,
    )
    assert desk.ticket.status == Status.OPEN
    assert desk.ticket.sla_paused_at is None  # the clock runs again
    moves = [(kind, old, new, who) for kind, _, old, new, who in event_rows(session, desk.ticket)]
    assert ("status_changed", "pending", "open", "ana") in moves
