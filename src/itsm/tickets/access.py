"""Who may see and do what with tickets: the role rules for doors whose callers have roles.

Technicians and admins (staff) see and change every ticket, post internal notes,
assign, change status and fields, merge and link. An end user opens tickets for
themselves only, sees only the tickets they requested (any other is "not found",
exactly like a ticket that does not exist, so existence does not leak), never
sees internal notes (in comments, in the audit trail, or through search matches),
comments publicly on their own tickets and rates their own resolutions.

Refusals that depend on the role alone are checked before any ticket is looked
up, so a 403 says nothing about whether a ticket exists either. Every function
calls the same services the CLI calls, and takes the caller's session.
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from itsm.db.ids import parse_id
from itsm.errors import Forbidden
from itsm.sla.config import SlaSettings
from itsm.tickets import events, queries, service, workflow
from itsm.tickets.errors import TicketNotFound
from itsm.tickets.models import Source, Status, Ticket, TicketComment, TicketEvent
from itsm.tickets.schemas import (
    CommentCreate,
    TicketCreate,
    TicketFilters,
    TicketOpen,
    TicketStats,
    TicketUpdate,
)
from itsm.users import service as users
from itsm.users.errors import UserNotFound
from itsm.users.models import User

_MAX_REF = 64


def require_staff(user: User, what: str) -> None:
    if not user.is_staff:
        raise Forbidden(f"only technicians and admins may {what}")


def _bad_ref(text: str) -> bool:
    """A reference no row can have, which a database would refuse to even compare."""
    if len(text) > _MAX_REF or "\x00" in text:
        return True
    return text.isdigit() and parse_id(text) is None  # digits the services would read as an id


def ticket_ref(ref: int | str) -> str:
    """``ref`` as text, refused as not found when it cannot be any ticket's id or number."""
    text = str(ref).strip()
    if _bad_ref(text):
        raise TicketNotFound(not_found_message(text[:_MAX_REF]))
    return text


def not_found_message(text: str) -> str:
    """What a missing ticket ``text`` is told as, the same on every path."""
    return f"ticket {text!r} does not exist (give an id or a TKT-YYYYMMDD-NNNN number)"


def user_ref(session: Session, ref: int | str) -> User:
    """A user by id or username, with references no user can have refused as not found."""
    text = str(ref).strip()
    if _bad_ref(text):
        raise UserNotFound(f"user {text[:_MAX_REF]!r} does not exist")
    return users.get_user(session, ref=text)


def visible_ticket(session: Session, *, ref: int | str, viewer: User) -> Ticket:
    """The ticket if ``viewer`` may see it, else :class:`TicketNotFound` as if it did not exist."""
    text = ticket_ref(ref)
    ticket = service.get_ticket(session, ref=text)
    if not viewer.is_staff and ticket.requester_id != viewer.id:
        raise TicketNotFound(not_found_message(text))
    return ticket


def open_ticket(
    session: Session,
    *,
    data: TicketOpen,
    actor: User,
    source: Source,
    zone: ZoneInfo,
    sla: SlaSettings | None = None,
) -> Ticket:
    """Open a ticket; the requester defaults to the caller.

    End users open tickets for themselves only and may not assign them.
    """
    if not actor.is_staff:
        if data.requester_id is not None and data.requester_id != actor.id:
            raise Forbidden("end users may open tickets only for themselves")
        if data.assignee_id is not None:
            raise Forbidden("only technicians and admins may assign tickets")
    create = TicketCreate(
        title=data.title,
        description=data.description,
        category=data.category,
        priority=data.priority,
        requester_id=data.requester_id or actor.id,
        assignee_id=data.assignee_id,
        asset_id=data.asset_id,
        source=source,
    )
    return service.create_ticket(session, data=create, actor=actor, zone=zone, sla=sla)


def own_requester_filter(viewer: User, filters: TicketFilters) -> int | None:
    """The requester every result must have: the viewer's own id for end users."""
    if viewer.is_staff:
        return None
    asked = (filters.requester or "").strip().lower()
    if asked and asked not in {str(viewer.id), viewer.username}:
        raise Forbidden("end users may list only their own tickets")
    return viewer.id


def list_page(
    session: Session,
    *,
    viewer: User,
    filters: TicketFilters,
    sort: queries.Sort = queries.Sort.NEWEST,
    limit: int = 20,
    cursor: str | None = None,
) -> tuple[Sequence[Ticket], str | None]:
    """A page of the tickets ``viewer`` may see (see :func:`itsm.tickets.queries.list_page`)."""
    own = own_requester_filter(viewer, filters)
    for ref in (filters.assignee, filters.requester):
        if ref is not None:
            user_ref(session, ref)
    return queries.list_page(
        session,
        filters=filters,
        sort=sort,
        limit=limit,
        cursor=cursor,
        requester_id=own,
        public_only=not viewer.is_staff,
    )


def search(
    session: Session, *, viewer: User, query: str, limit: int = 20, active_only: bool = False
) -> tuple[list[tuple[Ticket, float]], int]:
    """Full-text search over what ``viewer`` may see: end users, their own tickets and
    public comments only."""
    return queries.search(
        session,
        query=query,
        limit=limit,
        active_only=active_only,
        requester_id=None if viewer.is_staff else viewer.id,
        public_only=not viewer.is_staff,
    )


def stats(session: Session, *, viewer: User) -> TicketStats:
    require_staff(viewer, "see ticket statistics")
    return queries.stats(session)


def comments(session: Session, *, ref: int | str, viewer: User) -> Sequence[TicketComment]:
    ticket = visible_ticket(session, ref=ref, viewer=viewer)
    return service.comments_of(session, ticket=ticket, include_internal=viewer.is_staff)


def history(session: Session, *, ref: int | str, viewer: User) -> Sequence[TicketEvent]:
    ticket = visible_ticket(session, ref=ref, viewer=viewer)
    return events.history(session, ticket_id=ticket.id, include_internal=viewer.is_staff)


def links(session: Session, *, ref: int | str, viewer: User) -> Sequence[tuple[str, str]]:
    ticket = visible_ticket(session, ref=ref, viewer=viewer)
    return workflow.links_of(session, ticket=ticket)


def add_comment(
    session: Session, *, ref: int | str, data: CommentCreate, actor: User
) -> TicketComment:
    """End users comment publicly on their own tickets; staff also post internal notes."""
    if data.is_internal:
        require_staff(actor, "post internal notes")
    if data.time_spent_minutes:
        require_staff(actor, "record time spent")
    ticket = visible_ticket(session, ref=ref, viewer=actor)
    return service.add_comment(session, ref=ticket.id, data=data, actor=actor)


def update(
    session: Session,
    *,
    ref: int | str,
    data: TicketUpdate,
    actor: User,
    sla: SlaSettings | None = None,
) -> Ticket:
    require_staff(actor, "change tickets")
    return service.update_ticket(session, ref=ticket_ref(ref), data=data, actor=actor, sla=sla)


def assign(
    session: Session, *, ref: int | str, assignee_ref: int | str | None, actor: User
) -> Ticket:
    require_staff(actor, "assign tickets")
    text = ticket_ref(ref)
    assignee = None if assignee_ref is None else user_ref(session, assignee_ref).id
    return service.assign(session, ref=text, assignee_ref=assignee, actor=actor)


def change_status(
    session: Session,
    *,
    ref: int | str,
    status: Status,
    note: str | None,
    actor: User,
    sla: SlaSettings | None = None,
) -> Ticket:
    require_staff(actor, "change the status of tickets")
    return service.change_status(
        session, ref=ticket_ref(ref), status=status, actor=actor, note=note, sla=sla
    )


def merge(
    session: Session,
    *,
    duplicate_ref: int | str,
    target_ref: int | str,
    actor: User,
    sla: SlaSettings | None = None,
) -> Ticket:
    require_staff(actor, "merge tickets")
    return workflow.merge(
        session,
        duplicate_ref=ticket_ref(duplicate_ref),
        target_ref=ticket_ref(target_ref),
        actor=actor,
        sla=sla,
    )


def link(session: Session, *, ref: int | str, other_ref: int | str, actor: User) -> Ticket:
    """Relate two tickets; returns the first."""
    require_staff(actor, "link tickets")
    ticket = service.get_ticket(session, ref=ticket_ref(ref))
    workflow.link(session, ref=ticket.id, other_ref=ticket_ref(other_ref), actor=actor)
    return ticket


def rate(
    session: Session, *, ref: int | str, rating: int, comment: str | None, actor: User
) -> Ticket:
    """The requester rates their resolved ticket (admins may record it for them)."""
    ticket = visible_ticket(session, ref=ref, viewer=actor)
    return workflow.rate(session, ref=ticket.id, rating=rating, comment=comment, actor=actor)
