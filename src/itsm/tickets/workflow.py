"""Ticket operations beyond single-field changes: merge, link, satisfaction rating."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from itsm.attachments.merge import copy_attachments
from itsm.db.base import utcnow
from itsm.errors import N_, Conflict, Forbidden, InvalidInput, ItsmError
from itsm.sla.config import SlaSettings
from itsm.tickets import events
from itsm.tickets.errors import InvalidTransition
from itsm.tickets.models import (
    ACTIVE_STATUSES,
    EventKind,
    LinkKind,
    Status,
    Ticket,
    TicketComment,
    TicketLink,
)
from itsm.tickets.service import change_status, get_ticket_for_update
from itsm.users.models import Role, User


def merge(
    session: Session,
    *,
    duplicate_ref: int | str,
    target_ref: int | str,
    actor: User | None,
    sla: SlaSettings | None = None,
) -> Ticket:
    """Fold a duplicate into ``target``: its comments are copied over (their origin in
    ``copied_from``, outside the searched body) with its attachments, both audit trails
    record the merge, and the duplicate is closed with a ``merged_into`` link. The
    duplicate keeps its own history intact. The target's number is in the link only,
    never in the duplicate's searched texts: "Duplicate of …" is shown from the link
    (:func:`merge_targets`)."""
    duplicate = get_ticket_for_update(session, ref=duplicate_ref)
    target = get_ticket_for_update(session, ref=target_ref)
    if duplicate.id == target.id:
        raise InvalidInput(N_("a ticket cannot be merged into itself"))
    if target.status not in ACTIVE_STATUSES:
        raise InvalidTransition(
            N_("cannot merge into %(number)s: it is %(status)s; reopen it first"),
            number=target.number,
            status=target.status,
        )
    if duplicate.status == Status.CLOSED:
        raise InvalidTransition(N_("%(number)s is already closed"), number=duplicate.number)
    comments = session.scalars(
        select(TicketComment)
        .where(TicketComment.ticket_id == duplicate.id)
        .order_by(TicketComment.created_at, TicketComment.id)
    ).all()
    copies = [
        TicketComment(
            ticket_id=target.id,
            author_id=c.author_id,
            body=c.body,
            copied_from=c.copied_from or duplicate.number,  # where it was written
            is_internal=c.is_internal,
            time_spent_minutes=0,  # the time was spent once: it stays counted on the duplicate
            created_at=c.created_at,
        )
        for c in comments
    ]
    session.add_all(copies)
    session.flush()
    copy_attachments(
        session,
        source_id=duplicate.id,
        target_id=target.id,
        comment_ids={c.id: copy.id for c, copy in zip(comments, copies, strict=True)},
    )
    session.add(
        TicketLink(
            ticket_id=duplicate.id,
            other_id=target.id,
            kind=LinkKind.MERGED_INTO,
            actor_id=actor.id if actor else None,
        )
    )
    events.record(
        session,
        ticket=duplicate,
        actor=actor,
        kind=EventKind.MERGED,
        field="merged_into",
        new=target.number,
    )
    events.record(
        session,
        ticket=target,
        actor=actor,
        kind=EventKind.MERGED,
        field="merged_from",
        new=duplicate.number,
    )
    change_status(
        session,
        ref=duplicate.id,
        status=Status.CLOSED,
        actor=actor,
        note=None,
        sla=sla,
    )
    session.flush()
    return target


def link(
    session: Session, *, ref: int | str, other_ref: int | str, actor: User | None
) -> TicketLink:
    """Mark two tickets as related (idempotent; order does not matter)."""
    first = get_ticket_for_update(session, ref=ref)
    second = get_ticket_for_update(session, ref=other_ref)
    if first.id == second.id:
        raise InvalidInput(N_("a ticket cannot be linked to itself"))
    low, high = sorted((first, second), key=lambda t: t.id)
    existing = session.scalar(
        select(TicketLink).where(
            TicketLink.ticket_id == low.id,
            TicketLink.other_id == high.id,
            TicketLink.kind == LinkKind.RELATED,
        )
    )
    if existing is not None:
        return existing
    row = TicketLink(
        ticket_id=low.id,
        other_id=high.id,
        kind=LinkKind.RELATED,
        actor_id=actor.id if actor else None,
    )
    session.add(row)
    events.record(
        session, ticket=low, actor=actor, kind=EventKind.LINKED, field="related", new=high.number
    )
    events.record(
        session, ticket=high, actor=actor, kind=EventKind.LINKED, field="related", new=low.number
    )
    session.flush()
    return row


def links_of(session: Session, *, ticket: Ticket) -> Sequence[tuple[str, str]]:
    """``(kind, other ticket number)`` for every link of ``ticket``, from its side."""
    rows = session.execute(
        select(TicketLink, Ticket.number)
        .join(
            Ticket,
            or_(
                (TicketLink.other_id == Ticket.id) & (TicketLink.ticket_id == ticket.id),
                (TicketLink.ticket_id == Ticket.id) & (TicketLink.other_id == ticket.id),
            ),
        )
        .order_by(TicketLink.id)
    ).all()
    out: list[tuple[str, str]] = []
    for link_row, number in rows:
        kind = link_row.kind
        if kind == LinkKind.MERGED_INTO and link_row.other_id == ticket.id:
            kind = "merged_from"
        out.append((str(kind), number))
    return out


def merge_targets(session: Session, *, ticket_ids: Collection[int]) -> dict[int, str]:
    """The number of the ticket each of ``ticket_ids`` was merged into, for those merged."""
    if not ticket_ids:
        return {}
    rows = session.execute(
        select(TicketLink.ticket_id, Ticket.number)
        .join(Ticket, Ticket.id == TicketLink.other_id)
        .where(
            TicketLink.kind == LinkKind.MERGED_INTO,
            TicketLink.ticket_id.in_(sorted(ticket_ids)),
        )
    )
    return {ticket_id: number for ticket_id, number in rows}


class Rateable(Protocol):
    """What :func:`rating_refusal` reads of a ticket (the ORM row or its read view)."""

    @property
    def number(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def requester_id(self) -> int: ...
    @property
    def resolved_at(self) -> datetime | None: ...
    @property
    def satisfaction_rated_at(self) -> datetime | None: ...


def rating_refusal(ticket: Rateable, actor: User | None) -> ItsmError | None:
    """Why ``actor`` may not rate ``ticket`` now, or ``None``: the one rule of :func:`rate`,
    also what a page asks before it offers the rating form."""
    resolved_at = ticket.resolved_at
    if ticket.status not in (Status.RESOLVED, Status.CLOSED) or resolved_at is None:
        return InvalidTransition(
            N_("%(number)s is %(status)s; only a resolved ticket can be rated"),
            number=ticket.number,
            status=ticket.status,
        )
    if actor is None or (actor.id != ticket.requester_id and actor.role != Role.ADMIN):
        return Forbidden(N_("only the requester of %(number)s can rate it"), number=ticket.number)
    rated_at = ticket.satisfaction_rated_at
    if rated_at is not None and rated_at >= resolved_at:
        return Conflict(
            N_("%(number)s was already rated for this resolution"), number=ticket.number
        )
    return None


def rate(
    session: Session,
    *,
    ref: int | str,
    rating: int,
    comment: str | None,
    actor: User | None,
    now: datetime | None = None,
) -> Ticket:
    """The requester rates a resolution 1–5, once per resolution."""
    if not 1 <= rating <= 5:
        raise InvalidInput(N_("invalid rating %(rating)s; allowed: 1, 2, 3, 4, 5"), rating=rating)
    if comment is not None and len(comment.encode("utf-8")) > 64 * 1024:
        raise InvalidInput(N_("rating comment is over 64 KiB"))
    ticket = get_ticket_for_update(session, ref=ref)
    refused = rating_refusal(ticket, actor)
    if refused is not None:
        raise refused
    old = ticket.satisfaction_rating
    ticket.satisfaction_rating = rating
    ticket.satisfaction_comment = (comment or "").strip() or None
    ticket.satisfaction_rated_at = now or utcnow()
    events.record(
        session,
        ticket=ticket,
        actor=actor,
        kind=EventKind.RATED,
        field="satisfaction_rating",
        old=old,
        new=rating,
    )
    session.flush()
    return ticket
