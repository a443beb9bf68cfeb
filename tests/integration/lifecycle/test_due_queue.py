"""The queue by SLA due time: ``tickets.due_at`` follows every change of the clocks,
and the queue's due-soon and breached slices and due order read it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from itsm.sla.due import SlaFilter
from itsm.tickets import creation, queries
from itsm.tickets import service as tickets
from itsm.tickets.models import Status, Ticket
from itsm.tickets.schemas import CommentCreate, TicketCreate, TicketFilters, TicketUpdate

from .support import ALWAYS, ZONE, Desk


def _stored(session: Session, ticket: Ticket) -> tuple[datetime | None, str | None]:
    """``due_at`` as the database holds it, and the clock it follows."""
    session.flush()
    due = session.scalar(select(Ticket.due_at).where(Ticket.id == ticket.id))
    return due, ticket.due_clock


def test_due_at_follows_the_running_clock(session: Session, desk: Desk) -> None:
    data = TicketCreate(
        title="VPN", category="network", priority="high", requester_id=desk.requester.id
    )
    ticket = creation.create_ticket(session, data=data, actor=desk.requester, zone=ZONE, sla=ALWAYS)
    assert _stored(session, ticket) == (ticket.first_response_due_at, "first_response")

    reply = CommentCreate(body="Lo miro ahora")
    tickets.add_comment(session, ref=ticket.id, data=reply, actor=desk.tech, sla=ALWAYS)
    assert ticket.first_response_at is not None
    assert _stored(session, ticket) == (ticket.resolution_due_at, "resolution")

    tickets.change_status(
        session, ref=ticket.id, status=Status.PENDING, actor=desk.tech, sla=ALWAYS
    )
    assert _stored(session, ticket) == (None, None)  # paused: waiting on the requester

    before = ticket.resolution_due_at
    later = datetime.now(UTC) + timedelta(hours=2)
    tickets.change_status(
        session, ref=ticket.id, status=Status.OPEN, actor=desk.tech, sla=ALWAYS, now=later
    )
    assert ticket.resolution_due_at is not None
    assert before is not None
    assert ticket.resolution_due_at > before  # resumed: the pause is given back
    assert _stored(session, ticket) == (ticket.resolution_due_at, "resolution")

    critical = TicketUpdate(priority="critical")
    tickets.update_ticket(session, ref=ticket.id, data=critical, actor=desk.tech, sla=ALWAYS)
    assert ticket.resolution_due_at < before + timedelta(hours=2)  # a shorter target
    assert _stored(session, ticket) == (ticket.resolution_due_at, "resolution")

    tickets.change_status(
        session, ref=ticket.id, status=Status.RESOLVED, actor=desk.tech, note="Hecho", sla=ALWAYS
    )
    assert _stored(session, ticket) == (None, None)
    tickets.change_status(session, ref=ticket.id, status=Status.OPEN, actor=desk.tech, sla=ALWAYS)
    assert _stored(session, ticket) == (ticket.resolution_due_at, "resolution")


def _queue(session: Session, desk: Desk) -> dict[str, Ticket]:
    """Open tickets due 2 h ago, in 30 min and in 5 h; one pending, one resolved."""
    now = datetime.now(UTC)
    made: dict[str, Ticket] = {}
    for name, due in (
        ("late", now - timedelta(hours=2)),
        ("soon", now + timedelta(minutes=30)),
        ("later", now + timedelta(hours=5)),
        ("waiting", None),
        ("done", None),
    ):
        data = TicketCreate(title=name, category="other", requester_id=desk.requester.id)
        ticket = creation.create_ticket(
            session, data=data, actor=desk.requester, zone=ZONE, sla=ALWAYS
        )
        if due is not None:
            ticket.first_response_due_at = due
        made[name] = ticket
    tickets.change_status(
        session, ref=made["waiting"].id, status=Status.PENDING, actor=desk.tech, sla=ALWAYS
    )
    tickets.change_status(
        session, ref=made["done"].id, status=Status.RESOLVED, actor=desk.tech, note="ok", sla=ALWAYS
    )
    session.flush()
    return made


def _titles(rows: Sequence[Ticket]) -> list[str]:
    return [t.title for t in rows]


def test_due_soon_and_breached_slices(session: Session, desk: Desk) -> None:
    _queue(session, desk)

    def slice_(wanted: SlaFilter, minutes: int = 60) -> list[str]:
        filters = TicketFilters(sla=wanted, due_soon_minutes=minutes)
        rows, _ = queries.list_page(session, filters=filters, sort=queries.Sort.DUE)
        return _titles(rows)

    assert slice_(SlaFilter.BREACHED) == ["late"]
    assert slice_(SlaFilter.DUE_SOON) == ["soon"]
    assert slice_(SlaFilter.DUE_SOON, minutes=6 * 60) == ["soon", "later"]
    # Any sort, any other filter: the slice is a filter like the others.
    active = TicketFilters(status=["open"], sla=SlaFilter.BREACHED)
    rows, _ = queries.list_page(session, filters=active, sort=queries.Sort.NEWEST)
    assert _titles(rows) == ["late"]


def test_due_order_pages_through_timed_then_untimed_tickets(session: Session, desk: Desk) -> None:
    made = _queue(session, desk)
    pages: list[list[str]] = []
    cursor = None
    while True:
        rows, cursor = queries.list_page(
            session, filters=TicketFilters(), sort=queries.Sort.DUE, limit=2, cursor=cursor
        )
        pages.append(_titles(rows))
        if cursor is None:
            break
    untimed = sorted(("waiting", "done"), key=lambda n: made[n].id)
    assert pages == [["late", "soon"], ["later", untimed[0]], [untimed[1]]]
    # Exactly at the boundary: a page that ends with the last timed ticket.
    first, cursor = queries.list_page(
        session, filters=TicketFilters(), sort=queries.Sort.DUE, limit=3
    )
    assert _titles(first) == ["late", "soon", "later"]
    rest, end = queries.list_page(
        session, filters=TicketFilters(), sort=queries.Sort.DUE, limit=3, cursor=cursor
    )
    assert (_titles(rest), end) == (untimed, None)
