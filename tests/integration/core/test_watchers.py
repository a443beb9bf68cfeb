"""Ticket watchers: who may add and remove them, the audit trail, and what a watcher
sees (the requester's view: public timeline, listings, search; never internal notes)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from itsm.errors import ErrorKind, Forbidden
from itsm.sla.config import SlaSettings
from itsm.tickets import access, visibility, watchers
from itsm.tickets import service as tickets
from itsm.tickets.errors import TicketNotFound
from itsm.tickets.models import Status, Ticket, TicketWatcher
from itsm.tickets.schemas import CommentCreate, TicketFilters
from itsm.users import service as users
from itsm.users.errors import InactiveUser
from itsm.users.models import User
from itsm.users.schemas import UserCreate
from tests.factories import make_ticket, make_user

from .support import event_rows


@dataclass
class Desk:
    requester: User
    colleague: User
    other: User
    tech: User
    ticket: Ticket


@pytest.fixture
def desk(session: Session) -> Desk:
    requester = make_user(session, username="ana")
    colleague = make_user(session, username="cora")
    other = make_user(session, username="omar")
    tech = make_user(session, role="technician", username="tech")
    ticket = make_ticket(session, requester=requester, title="Printer jam")
    return Desk(requester, colleague, other, tech, ticket)


def names(people: list[User]) -> list[str]:
    return [p.username for p in people]


def test_add_is_idempotent_and_audited(session: Session, desk: Desk) -> None:
    assert watchers.add_watcher(
        session, ref=desk.ticket.number, user=desk.colleague, actor=desk.tech
    )
    assert not watchers.add_watcher(
        session, ticket=desk.ticket, user=desk.colleague, actor=desk.tech
    )
    # The requester is told everything already: copying them changes nothing.
    assert not watchers.add_watcher(session, ticket=desk.ticket, user=desk.requester, actor=None)
    assert names(watchers.watchers_of(session, desk.ticket)) == ["cora"]
    row = session.get(TicketWatcher, (desk.ticket.id, desk.colleague.id))
    assert row is not None
    assert row.added_by_id == desk.tech.id
    assert watchers.remove_watcher(session, ticket=desk.ticket, user=desk.colleague, actor=None)
    assert not watchers.remove_watcher(session, ticket=desk.ticket, user=desk.colleague, actor=None)
    trail = [r for r in event_rows(session, desk.ticket) if r[1] == "watcher"]
    assert trail == [
        ("watcher_added", "watcher", None, "cora", "tech"),
        ("watcher_removed", "watcher", "cora", None, None),
    ]


def test_who_may_change_watchers(session: Session, desk: Desk) -> None:
    # The requester may copy anyone on their own ticket, and take them off again.
    assert watchers.add_watcher(session, ticket=desk.ticket, user=desk.other, actor=desk.requester)
    assert watchers.add_watcher(
        session, ticket=desk.ticket, user=desk.colleague, actor=desk.requester
    )
    # A watcher may not copy others, nor take others off; they may leave.
    outsider = make_user(session, username="zoe")
    with pytest.raises(Forbidden) as info:
        watchers.add_watcher(session, ticket=desk.ticket, user=outsider, actor=desk.colleague)
    assert info.value.kind is ErrorKind.FORBIDDEN
    with pytest.raises(Forbidden):
        watchers.remove_watcher(session, ticket=desk.ticket, user=desk.other, actor=desk.colleague)
    assert watchers.remove_watcher(
        session, ticket=desk.ticket, user=desk.colleague, actor=desk.colleague
    )
    assert watchers.remove_watcher(
        session, ticket=desk.ticket, user=desk.other, actor=desk.requester
    )
    # Someone who does not see the ticket is told it does not exist.
    with pytest.raises(TicketNotFound):
        watchers.add_watcher(session, ref=desk.ticket.id, user=outsider, actor=outsider)
    assert watchers.watchers_of(session, desk.ticket) == []


def test_only_active_people_watch(session: Session, desk: Desk) -> None:
    agent = users.create_user(
        session,
        data=UserCreate(username="itsm-agent", full_name="Diagnostics agent", role="user"),
        system=True,
    )
    with pytest.raises(watchers.SystemAccountWatcher) as info:
        watchers.add_watcher(session, ticket=desk.ticket, user=agent, actor=desk.tech)
    assert "cannot watch" in info.value.message
    users.deactivate(session, ref=desk.other.id)
    with pytest.raises(InactiveUser):
        watchers.add_watcher(session, ticket=desk.ticket, user=desk.other, actor=desk.tech)
    assert watchers.watchers_of(session, desk.ticket) == []


def test_a_watcher_sees_the_ticket_as_its_requester(session: Session, desk: Desk) -> None:
    cora = desk.colleague
    with pytest.raises(TicketNotFound):
        access.visible_ticket(session, ref=desk.ticket.number, viewer=cora)
    watchers.add_watcher(session, ticket=desk.ticket, user=cora, actor=desk.requester)
    access.add_comment(
        session,
        ref=desk.ticket.id,
        data=CommentCreate(body="zebracorn note", is_internal=True),
        actor=desk.tech,
    )
    access.add_comment(
        session, ref=desk.ticket.id, data=CommentCreate(body="zebracorn reply"), actor=desk.tech
    )
    # The ticket, its public comments only, and a comment of their own.
    assert access.visible_ticket(session, ref=desk.ticket.number, viewer=cora) is desk.ticket
    access.add_comment(session, ref=desk.ticket.id, data=CommentCreate(body="me too"), actor=cora)
    bodies = [c.body for c in access.comments(session, ref=desk.ticket.id, viewer=cora)]
    assert bodies == ["zebracorn reply", "me too"]
    with pytest.raises(Forbidden):
        access.add_comment(
            session,
            ref=desk.ticket.id,
            data=CommentCreate(body="x", is_internal=True),
            actor=cora,
        )
    # Listed and found, with public text only; numbers of it in texts are shown.
    rows, _ = access.list_page(session, viewer=cora, filters=TicketFilters())
    assert [t.id for t in rows] == [desk.ticket.id]
    found, total = access.search(session, viewer=cora, query="zebracorn")
    assert total == 1
    assert [t.id for t, _ in found] == [desk.ticket.id]
    assert visibility.unseen_numbers(session, viewer=cora, numbers=[desk.ticket.number]) == set()
    assert [t.id for t in watchers.watched_by(session, user=cora)] == [desk.ticket.id]
    # Someone else sees none of it.
    assert access.list_page(session, viewer=desk.other, filters=TicketFilters())[0] == []
    # Once they stop watching, it is gone for them again.
    watchers.remove_watcher(session, ticket=desk.ticket, user=cora, actor=cora)
    with pytest.raises(TicketNotFound):
        access.comments(session, ref=desk.ticket.id, viewer=cora)
    assert access.list_page(session, viewer=cora, filters=TicketFilters())[0] == []


def test_watchers_go_with_their_ticket(session: Session, desk: Desk) -> None:
    watchers.add_watcher(session, ticket=desk.ticket, user=desk.colleague, actor=None)
    session.execute(delete(Ticket).where(Ticket.id == desk.ticket.id))
    session.expunge_all()
    left = session.scalar(select(func.count()).select_from(TicketWatcher))
    assert left == 0


def test_a_watcher_s_public_reply_reopens_a_pending_ticket(session: Session, desk: Desk) -> None:
    sla = SlaSettings()
    ref = desk.ticket.id
    watchers.add_watcher(session, ticket=desk.ticket, user=desk.colleague, actor=desk.tech)
    tickets.change_status(session, ref=ref, status=Status.PENDING, actor=desk.tech, sla=sla)
    # Someone who only sees it through staff rights does not answer for the requester.
    admin = make_user(session, role="admin")
    watchers.add_watcher(session, ticket=desk.ticket, user=admin, actor=admin)
    tickets.add_comment(
        session, ref=ref, data=CommentCreate(body="any news?"), actor=admin, sla=sla
    )
    assert desk.ticket.status == Status.PENDING
    reply = CommentCreate(body="Still broken on my desk too")
    access.add_comment(session, ref=ref, data=reply, actor=desk.colleague, sla=sla)
    assert desk.ticket.status == Status.OPEN
