"""Business rules for tickets once they exist: find, change, assign, comment.

Opening them is :mod:`itsm.tickets.creation`.

Every function takes the caller's session (the caller owns the transaction) and
records each change in the audit trail with its actor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from itsm.db.base import utcnow
from itsm.db.ids import parse_id
from itsm.errors import N_, InvalidInput
from itsm.inventory import service as inventory
from itsm.sla import clock
from itsm.sla.config import SlaSettings
from itsm.tickets import events, lifecycle, refs, visibility
from itsm.tickets.assignees import require_assignable
from itsm.tickets.errors import DuplicateFingerprint, MergedDuplicate, TicketNotFound
from itsm.tickets.models import (
    ACTIVE_STATUSES,
    RUNNING_STATUSES,
    EventKind,
    LinkKind,
    Status,
    Ticket,
    TicketComment,
    TicketLink,
)
from itsm.tickets.schemas import CommentCreate, TicketUpdate
from itsm.users import service as users
from itsm.users.models import User

NUMBER_PATTERN = re.compile(r"^TKT-\d{8}-\d{4,}$", re.IGNORECASE)


def active_number(
    session: Session, fingerprint: str, *, other_than: int | None = None
) -> str | None:
    """The number of an active ticket with ``fingerprint`` (but ``other_than``), if any."""
    stmt = select(Ticket.number).where(
        Ticket.fingerprint == fingerprint, Ticket.status.in_(ACTIVE_STATUSES)
    )
    if other_than is not None:
        stmt = stmt.where(Ticket.id != other_than)
    return session.scalar(stmt.limit(1))


def get_ticket(session: Session, *, ref: int | str) -> Ticket:
    """Find a ticket by id (``42``) or number (``TKT-20251026-0001``)."""
    text = str(ref).strip()
    ticket: Ticket | None = None
    if text.isdigit():
        key = parse_id(text)  # digits no key can hold are simply no ticket
        ticket = session.get(Ticket, key) if key is not None else None
    elif NUMBER_PATTERN.match(text):
        ticket = session.scalar(select(Ticket).where(Ticket.number == text.upper()))
    if ticket is None:
        raise refs.not_found(text)
    return ticket


def get_ticket_for_update(session: Session, *, ref: int | str) -> Ticket:
    """Like :func:`get_ticket`, but locks the row against racing changes (PostgreSQL)."""
    ticket = get_ticket(session, ref=ref)
    return get_tickets_for_update(session, ids=[ticket.id])[ticket.id]


def get_tickets_for_update(session: Session, *, ids: Iterable[int]) -> dict[int, Ticket]:
    """The tickets of ``ids`` that exist, row-locked in id order and then read afresh.

    Lock the bare rows, then reload: a FOR UPDATE that waited re-reads only the
    locked rows, so users joined in it could be stale; id order keeps racing callers
    from deadlocking. SQLite renders no FOR UPDATE (its write transaction already
    excludes other writers). Flush first: the reload would drop unflushed changes.
    """
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    session.flush()
    session.execute(
        select(Ticket.id).where(Ticket.id.in_(wanted)).order_by(Ticket.id).with_for_update()
    )
    rows = session.scalars(
        select(Ticket).where(Ticket.id.in_(wanted)).execution_options(populate_existing=True)
    )
    return {t.id: t for t in rows.unique()}


def comments_of(
    session: Session, *, ticket: Ticket, include_internal: bool = True
) -> Sequence[TicketComment]:
    stmt = (
        select(TicketComment)
        .where(TicketComment.ticket_id == ticket.id)
        .order_by(TicketComment.created_at, TicketComment.id)
    )
    if not include_internal:
        stmt = stmt.where(TicketComment.is_internal.is_(False))
    return session.scalars(stmt).all()


def update_ticket(
    session: Session,
    *,
    ref: int | str,
    data: TicketUpdate,
    actor: User | None,
    sla: SlaSettings | None = None,
) -> Ticket:
    ticket = get_ticket_for_update(session, ref=ref)
    changes = data.model_dump(exclude_unset=True)  # an asset_id given as None unlinks
    if changes.get("asset_id") is not None:
        inventory.get_asset(session, ref=changes["asset_id"])
    for field, new in changes.items():
        old = getattr(ticket, field)
        if old == new:
            continue
        setattr(ticket, field, new)
        named, shown_old, shown_new = _audited(session, field, old, new)
        events.record(
            session,
            ticket=ticket,
            actor=actor,
            kind=EventKind.FIELD_CHANGED,
            field=named,
            old=shown_old,
            new=shown_new,
        )
        if field == "priority" and sla is not None and sla.enabled:
            # The new priority's targets, counted from creation like the old ones,
            # keeping the business time the ticket has already spent pending.
            clock.retarget(ticket, sla, old_priority=old)
    session.flush()
    return ticket


def _audited(session: Session, field: str, old: object, new: object) -> tuple[str, object, object]:
    """A field change as the audit trail records it: a description's text is left out,
    and the linked item is named by asset tag (``asset``), as people are by username,
    since an id tells the reader nothing and outlives the item."""
    if field == "description":
        return field, None, None
    if field == "asset_id":
        tags = [
            None if key is None else inventory.get_asset(session, ref=str(key)).asset_tag
            for key in (old, new)
        ]
        return "asset", tags[0], tags[1]
    return field, old, new


def assign(
    session: Session, *, ref: int | str, assignee_ref: int | str | None, actor: User | None
) -> Ticket:
    """Give the ticket to a technician or admin (``None`` unassigns it)."""
    ticket = get_ticket_for_update(session, ref=ref)
    assignee = (
        None
        if assignee_ref is None
        else require_assignable(users.get_user(session, ref=assignee_ref))
    )
    old = ticket.assignee
    new_id = assignee.id if assignee else None
    if ticket.assignee_id == new_id:
        return ticket
    ticket.assignee_id = new_id
    ticket.assignee = assignee
    events.record(
        session,
        ticket=ticket,
        actor=actor,
        kind=EventKind.ASSIGNED,
        field="assignee",
        old=old.username if old else None,
        new=assignee.username if assignee else None,
    )
    session.flush()
    return ticket


def change_status(
    session: Session,
    *,
    ref: int | str,
    status: Status,
    actor: User | None,
    note: str | None = None,
    sla: SlaSettings | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Move a ticket through its lifecycle (see :mod:`itsm.tickets.lifecycle`).

    Resolving needs a resolution ``note``; a closed ticket reopens only within
    the SLA settings' reopen window; entering ``pending`` pauses the SLA clock
    and leaving it resumes the clock with the due times moved.
    """
    ticket = get_ticket(session, ref=ref)
    changed = change_statuses(
        session, notes={ticket.id: note}, status=status, actor=actor, sla=sla, now=now
    )
    return changed[0]


def change_statuses(
    session: Session,
    *,
    notes: Mapping[int, str | None],
    status: Status,
    actor: User | None,
    sla: SlaSettings | None = None,
    now: datetime | None = None,
) -> list[Ticket]:
    """:func:`change_status` for several tickets (ticket id -> its note) in one flush.

    All or nothing: the first ticket refused raises and the caller's transaction
    holds the rest unwritten. The tickets come back in the order of ``notes``.
    """
    locked = get_tickets_for_update(session, ids=notes)
    now = now or utcnow()
    changed = []
    for ticket_id, note in notes.items():
        ticket = locked.get(ticket_id)
        if ticket is None:
            raise TicketNotFound(N_("ticket %(ticket_id)r does not exist"), ticket_id=ticket_id)
        _change_status(session, ticket, status=status, actor=actor, note=note, sla=sla, now=now)
        changed.append(ticket)
    session.flush()
    return changed


def _change_status(
    session: Session,
    ticket: Ticket,
    *,
    status: Status,
    actor: User | None,
    note: str | None,
    sla: SlaSettings | None,
    now: datetime,
) -> None:
    """The lifecycle rule of :func:`change_status` on one locked ticket, unflushed."""
    current = Status(ticket.status)
    lifecycle.check_transition(current, status)
    note = (note or "").strip() or None
    if status == Status.RESOLVED and note is None:
        raise InvalidInput(N_("resolving a ticket needs a resolution note (what fixed it)"))
    if note is not None and status not in (Status.RESOLVED, Status.CLOSED):
        # It would be recorded in the audit trail but stored nowhere on the ticket.
        raise InvalidInput(
            N_(
                "a resolution note goes with resolved or closed, not %(status)s; add a "
                "comment instead"
            ),
            status=status,
        )
    if current == Status.CLOSED:
        window = (sla or SlaSettings()).reopen_window_days
        lifecycle.check_reopen_window(ticket.closed_at, now, window)
    if current not in ACTIVE_STATUSES and status in ACTIVE_STATUSES:
        refuse_merged_duplicate(session, ticket)
        if ticket.fingerprint:
            _require_free_fingerprint(session, ticket)
    ticket.status = status
    if status == Status.RESOLVED:
        ticket.resolved_at = now
        ticket.resolution_note = note
    elif status == Status.CLOSED:
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
        ticket.resolution_note = note or ticket.resolution_note
    elif current in (Status.RESOLVED, Status.CLOSED):
        ticket.resolved_at = None
        ticket.closed_at = None
        _clear_resolution(session, ticket, actor)
    if sla is not None and sla.enabled:
        # The clock runs only while someone can work on the ticket: it stops while
        # pending (waiting on the requester) and once resolved, and a reopened or
        # resumed ticket gets back exactly the business time it had left.
        if status in RUNNING_STATUSES and current not in RUNNING_STATUSES:
            clock.resume(ticket, sla, at=now)
        elif status not in RUNNING_STATUSES and current in RUNNING_STATUSES:
            clock.pause(ticket, at=now)
    _note_first_response(ticket, actor, now)
    events.record(
        session,
        ticket=ticket,
        actor=actor,
        kind=EventKind.STATUS_CHANGED,
        field="status",
        old=current,
        new=status,
    )
    if note is not None:
        events.record(
            session,
            ticket=ticket,
            actor=actor,
            kind=EventKind.FIELD_CHANGED,
            field="resolution_note",
            new=note[:500],
        )


def _clear_resolution(session: Session, ticket: Ticket, actor: User | None) -> None:
    """A reopened ticket has no resolution, and so nothing rated: the note and the
    rating of the resolution that did not hold go to the audit trail, whole, and the
    next resolution gets its own note and its own rating."""
    for field in ("resolution_note", "satisfaction_rating", "satisfaction_comment"):
        old = getattr(ticket, field)
        if old is None:
            continue
        setattr(ticket, field, None)
        events.record(
            session,
            ticket=ticket,
            actor=actor,
            kind=EventKind.FIELD_CHANGED,
            field=field,
            old=old,
            new=None,
        )
    ticket.satisfaction_rated_at = None


def add_comment(
    session: Session,
    *,
    ref: int | str,
    data: CommentCreate,
    actor: User | None,
    sla: SlaSettings | None = None,
) -> TicketComment:
    ticket = get_ticket(session, ref=ref)
    return add_comments(session, comments=[(ticket.id, data)], actor=actor, sla=sla)[0]


def add_comments(
    session: Session,
    *,
    comments: Sequence[tuple[int, CommentCreate]],
    actor: User | None,
    sla: SlaSettings | None = None,
) -> list[TicketComment]:
    """:func:`add_comment` for several (ticket id, comment) pairs, in two flushes.

    The comments are written first: each 'commented' event names its comment's id.
    With ``sla`` and its ``requester_reply_reopens``, the requester's public reply
    moves a pending ticket back to open (the help desk was waiting for it).
    """
    locked = get_tickets_for_update(session, ids=[ticket_id for ticket_id, _ in comments])
    now = utcnow()
    written = []
    for ticket_id, data in comments:
        ticket = locked.get(ticket_id)
        if ticket is None:
            raise TicketNotFound(N_("ticket %(ticket_id)r does not exist"), ticket_id=ticket_id)
        comment = TicketComment(
            ticket_id=ticket.id,
            author_id=actor.id if actor else None,
            body=data.body,
            is_internal=data.is_internal,
            time_spent_minutes=data.time_spent_minutes,
            created_at=now,
        )
        session.add(comment)
        if not data.is_internal:
            _note_first_response(ticket, actor, now)
        written.append((ticket, comment))
    session.flush()
    for ticket, comment in written:
        if (
            sla is not None
            and sla.requester_reply_reopens
            and not comment.is_internal
            and actor is not None
            and _speaks_for_requester(session, ticket, actor)
            and ticket.status == Status.PENDING
        ):
            _change_status(
                session, ticket, status=Status.OPEN, actor=actor, note=None, sla=sla, now=now
            )
    for ticket, comment in written:
        events.record(
            session,
            ticket=ticket,
            actor=actor,
            kind=EventKind.COMMENTED,
            field="internal" if comment.is_internal else "public",
            new=comment.id,
        )
        ticket.updated_at = now
    session.flush()
    return [comment for _, comment in written]


def _speaks_for_requester(session: Session, ticket: Ticket, actor: User) -> bool:
    """The requester, or an end user copied on the ticket: their reply is the answer a
    pending ticket waits for."""
    if actor.id == ticket.requester_id:
        return True
    return not actor.is_staff and visibility.sees(session, ticket, actor)


def refuse_merged_duplicate(session: Session, ticket: Ticket) -> None:
    """A duplicate merged into another ticket is not reopened, by anyone through any
    door: its comments were copied to the survivor, where the work goes on. The
    survivor is not named (its requester may be someone else)."""
    merged = session.scalar(
        select(TicketLink.id).where(
            TicketLink.ticket_id == ticket.id, TicketLink.kind == LinkKind.MERGED_INTO
        )
    )
    if merged is not None:
        raise MergedDuplicate(
            N_(
                "%(number)s was merged into another ticket as a duplicate and cannot "
                "be reopened; follow up on the ticket it was merged into"
            ),
            number=ticket.number,
        )


def _require_free_fingerprint(session: Session, ticket: Ticket) -> None:
    """Reopening must not give two active tickets one monitoring fingerprint."""
    assert ticket.fingerprint is not None
    other = active_number(session, ticket.fingerprint, other_than=ticket.id)
    if other is not None:
        raise DuplicateFingerprint(
            N_(
                "cannot reopen %(number)s: active ticket %(other)s already has "
                "fingerprint %(fingerprint)r"
            ),
            number=ticket.number,
            other=other,
            fingerprint=ticket.fingerprint,
        )


def _note_first_response(ticket: Ticket, actor: User | None, now: datetime) -> None:
    """The first public reply or status change by staff other than the requester."""
    if (
        ticket.first_response_at is None
        and actor is not None
        and actor.is_staff
        and actor.id != ticket.requester_id
    ):
        ticket.first_response_at = now
