"""Satisfaction: the requester rates a resolution 1-5, once per resolution."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from itsm.errors import Conflict, ErrorKind, Forbidden, InvalidInput
from itsm.tickets import service as tickets
from itsm.tickets import workflow
from itsm.tickets.errors import InvalidTransition
from itsm.tickets.models import Status, Ticket
from itsm.users.models import User

from .support import ALWAYS, T0, Desk, kinds, ticket_at


def _resolved(session: Session, desk: Desk) -> Ticket:
    ticket = ticket_at(session, desk, created=T0, sla=ALWAYS)
    _resolve(session, ticket, desk)
    return ticket


def _resolve(session: Session, ticket: Ticket, desk: Desk) -> None:
    tickets.change_status(
        session, ref=ticket.id, status=Status.RESOLVED, actor=desk.tech, note="Fixed"
    )


def _rate(
    session: Session, ticket: Ticket, rating: int, actor: User | None, comment: str | None = None
) -> Ticket:
    return workflow.rate(session, ref=ticket.number, rating=rating, comment=comment, actor=actor)


def test_the_requester_rates_a_resolution(session: Session, desk: Desk) -> None:
    ticket = _resolved(session, desk)
    assert _rate(session, ticket, 5, desk.requester, "  Quick and kind \n") is ticket
    session.refresh(ticket)
    assert (ticket.satisfaction_rating, ticket.satisfaction_comment) == (5, "Quick and kind")
    assert ticket.resolved_at is not None
    assert ticket.satisfaction_rated_at is not None
    assert ticket.satisfaction_rated_at >= ticket.resolved_at
    assert kinds(session, ticket, "rated") == [("rated", "satisfaction_rating", None, "5", "ana")]


@pytest.mark.parametrize("status", [Status.OPEN, Status.IN_PROGRESS, Status.PENDING])
def test_only_a_resolved_or_closed_ticket_can_be_rated(
    session: Session, desk: Desk, status: Status
) -> None:
    ticket = ticket_at(session, desk, created=T0, sla=ALWAYS)
    if status != Status.OPEN:
        tickets.change_status(session, ref=ticket.id, status=status, actor=desk.tech)
    with pytest.raises(InvalidTransition) as info:
        _rate(session, ticket, 4, desk.requester)
    assert info.value.message == (
        f"{ticket.number} is {status}; only a resolved ticket can be rated"
    )
    assert ticket.satisfaction_rating is None


def test_a_closed_ticket_can_be_rated(session: Session, desk: Desk) -> None:
    ticket = _resolved(session, desk)
    tickets.change_status(session, ref=ticket.id, status=Status.CLOSED, actor=desk.tech)
    assert _rate(session, ticket, 3, desk.requester).satisfaction_rating == 3


def test_only_the_requester_or_an_admin_rates(session: Session, desk: Desk) -> None:
    ticket = _resolved(session, desk)
    for stranger in (desk.other, desk.tech, None):
        with pytest.raises(Forbidden) as info:
            _rate(session, ticket, 1, stranger)
        assert info.value.message == f"only the requester of {ticket.number} can rate it"
        assert info.value.kind is ErrorKind.FORBIDDEN
    assert kinds(session, ticket, "rated") == []
    _rate(session, ticket, 4, desk.admin, "on the phone with ana")
    assert kinds(session, ticket, "rated") == [("rated", "satisfaction_rating", None, "4", "boss")]


@pytest.mark.parametrize("rating", [0, 6, -1, 10])
def test_a_rating_outside_one_to_five_is_refused(session: Session, desk: Desk, rating: int) -> None:
    ticket = _resolved(session, desk)
    with pytest.raises(InvalidInput) as info:
        _rate(session, ticket, rating, desk.requester)
    assert info.value.message == f"invalid rating {rating}; allowed: 1, 2, 3, 4, 5"
    session.refresh(ticket)
    assert ticket.satisfaction_rating is None


def test_an_oversized_comment_is_refused(session: Session, desk: Desk) -> None:
    ticket = _resolved(session, desk)
    with pytest.raises(InvalidInput, match="over 64 KiB"):
        _rate(session, ticket, 5, desk.requester, "x" * (64 * 1024 + 1))


def test_one_rating_per_resolution(session: Session, desk: Desk) -> None:
    ticket = _resolved(session, desk)
    _rate(session, ticket, 2, desk.requester, "Slow")
    tickets.change_status(session, ref=ticket.id, status=Status.CLOSED, actor=desk.tech)
    for actor in (desk.requester, desk.admin):
        with pytest.raises(Conflict) as info:
            _rate(session, ticket, 5, actor)
        assert info.value.message == f"{ticket.number} was already rated for this resolution"
    session.refresh(ticket)
    assert (ticket.satisfaction_rating, ticket.satisfaction_comment) == (2, "Slow")

    # Reopened and resolved again: a new resolution, a new rating.
    tickets.change_status(
        session, ref=ticket.id, status=Status.OPEN, actor=desk.requester, sla=ALWAYS
    )
    with pytest.raises(InvalidTransition):
        _rate(session, ticket, 5, desk.requester)
    _resolve(session, ticket, desk)
    _rate(session, ticket, 5, desk.requester)
    session.refresh(ticket)
    assert (ticket.satisfaction_rating, ticket.satisfaction_comment) == (5, None)
    # The reopening moved the first rating to the audit trail: the second rates afresh.
    assert [row[2:4] for row in kinds(session, ticket, "rated")] == [(None, "2"), (None, "5")]
    with pytest.raises(Conflict):
        _rate(session, ticket, 1, desk.requester)


def test_the_rating_time_can_be_given(session: Session, desk: Desk) -> None:
    """As for status changes and the SLA tick: imports and tests set the clock."""
    ticket = _resolved(session, desk)
    assert ticket.resolved_at is not None
    at = ticket.resolved_at + timedelta(days=2)
    workflow.rate(session, ref=ticket.id, rating=4, comment=None, actor=desk.requester, now=at)
    session.refresh(ticket)
    assert ticket.satisfaction_rated_at == at
