"""Who may see and do what with tickets: the role rules for doors whose callers have roles.

Staff see and change every ticket. An end user sees only the tickets they requested or
watch (any other is "not found", so existence does not leak), never internal notes, and
learns nothing of other people's tickets or accounts through their own: those rules are
in :mod:`itsm.tickets.visibility`, applied here to every read. Role-only
refusals come before any lookup. Each rule is one function below; docs/architecture.md
summarises them. A viewer or actor ``None`` is the system (a CLI command on a database
with nobody to act as), which sees and may do everything, as in :mod:`itsm.accounts.policy`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from itsm.db.base import utcnow
from itsm.errors import N_, Forbidden, InvalidInput, Phrase
from itsm.inventory import service as inventory
from itsm.inventory.errors import AmbiguousHostname, AssetNotFound
from itsm.inventory.models import Asset
from itsm.sla.config import SlaSettings
from itsm.tickets import creation, events, lifecycle, queries, refs, service, visibility, workflow
from itsm.tickets.errors import InvalidTransition
from itsm.tickets.models import EventKind, Source, Status, Ticket, TicketComment
from itsm.tickets.schemas import (
    CommentCreate,
    CommentRead,
    EventRead,
    TicketCreate,
    TicketFilters,
    TicketOpen,
    TicketRead,
    TicketStats,
    TicketUpdate,
    comment_read,
    event_read,
    ticket_read,
)
from itsm.users.errors import UserNotFound
from itsm.users.models import User

#: The texts of a ticket (:class:`TicketRead`'s fields) that may name another ticket.
_TICKET_TEXTS = ("title", "description", "resolution_note", "satisfaction_comment")


def require_staff(user: User | None, what: str) -> None:
    if not visibility.sees_all(user):
        raise Forbidden(N_("only technicians and admins may %(what)s"), what=Phrase(what))


def visible_ticket(session: Session, *, ref: int | str, viewer: User | None) -> Ticket:
    """The ticket if ``viewer`` may see it, else :class:`TicketNotFound` as if it did not exist."""
    text = refs.ticket_ref(ref)
    ticket = service.get_ticket(session, ref=text)
    if (own := visibility.end_user(viewer)) is not None and not visibility.sees(
        session, ticket, own
    ):
        raise refs.not_found(text)
    return ticket


def _asset_tags(session: Session, tickets: Sequence[Ticket]) -> dict[int, str]:
    ids = {t.asset_id for t in tickets if t.asset_id is not None}
    if not ids:
        return {}
    rows = session.execute(select(Asset.id, Asset.asset_tag).where(Asset.id.in_(sorted(ids))))
    return {key: tag for key, tag in rows}


def _duplicates(
    session: Session, *, viewer: User | None, tickets: Sequence[Ticket]
) -> dict[int, dict[str, str]]:
    """For each closed duplicate of ``tickets``, its ``merged_into`` as ``viewer`` may
    read it and, without a note of its own, "Duplicate of …" as its resolution note.

    The merge keeps the target's number in the link only (a note naming it would be
    searched, and its parts found by the duplicate's requester)."""
    closed = {t.id for t in tickets if t.status == Status.CLOSED}
    targets = workflow.merge_targets(session, ticket_ids=closed)
    unseen = visibility.unseen_numbers(session, viewer=viewer, numbers=targets.values())
    shown = {
        key: visibility.HIDDEN_TICKET if number.upper() in unseen else number
        for key, number in targets.items()
    }
    return {
        t.id: {"merged_into": shown[t.id]}
        | ({} if t.resolution_note else {"resolution_note": f"Duplicate of {shown[t.id]}"})
        for t in tickets
        if t.id in shown
    }


def ticket_views(
    session: Session, *, viewer: User | None, tickets: Sequence[Ticket]
) -> list[TicketRead]:
    """``tickets`` as ``viewer`` may read them (:func:`visibility.hide_unseen` on their
    texts), each linked inventory item named by its asset tag, each merged duplicate with
    what it was merged into (one query each for the page)."""
    tags = _asset_tags(session, tickets)
    merged = _duplicates(session, viewer=viewer, tickets=tickets)
    views = [
        ticket_read(t).model_copy(
            update=({"asset": tags.get(t.asset_id)} if t.asset_id is not None else {})
            | merged.get(t.id, {})
        )
        for t in tickets
    ]
    if visibility.sees_all(viewer):
        return views
    texts = [getattr(v, f) for v in views for f in _TICKET_TEXTS]
    shown = iter(visibility.hide_unseen(session, viewer=viewer, texts=texts))
    return [v.model_copy(update={f: next(shown) for f in _TICKET_TEXTS}) for v in views]


def ticket_view(session: Session, *, viewer: User | None, ticket: Ticket) -> TicketRead:
    return ticket_views(session, viewer=viewer, tickets=[ticket])[0]


def _is_self(user: User, ref: int | str) -> bool:
    return str(ref).strip().lower() in {str(user.id), user.username}


def check_open_refs(
    actor: User | None, *, requester_ref: str | None, assignee_ref: str | None
) -> None:
    """The refusals of :func:`open_ticket` for a door that names people (the CLI),
    made before any lookup so that they do not tell an end user who has an account."""
    _check_open(
        actor,
        for_other=requester_ref is not None
        and actor is not None
        and not _is_self(actor, requester_ref),
        assigned=assignee_ref is not None,
    )


def _check_open(actor: User | None, *, for_other: bool, assigned: bool) -> None:
    if visibility.end_user(actor) is None:
        return
    if for_other:
        raise Forbidden(N_("end users may open tickets only for themselves"))
    if assigned:
        raise Forbidden(N_("only technicians and admins may assign tickets"))


def attachable_asset(session: Session, *, viewer: User | None, ref: int | str) -> Asset:
    """The inventory item ``ref`` if ``viewer`` may attach it to a ticket: any for staff;
    for an end user only one they own. Any other is told as not existing, in the same
    words as one that does not, so that item ids and names cannot be probed."""
    if (own := visibility.end_user(viewer)) is None:
        return inventory.get_asset(session, ref=ref)
    try:
        asset: Asset | None = inventory.get_asset(session, ref=ref)
    except (AssetNotFound, AmbiguousHostname):
        asset = None
    if asset is None or asset.owner_id != own.id:
        raise inventory.asset_not_found(str(ref).strip())
    return asset


def open_ticket(
    session: Session,
    *,
    data: TicketOpen,
    actor: User | None,
    source: Source,
    zone: ZoneInfo,
    sla: SlaSettings | None = None,
) -> Ticket:
    """Open a ticket; the requester defaults to the caller.

    End users open tickets for themselves only, may not assign them and may attach
    only their own inventory items (:func:`attachable_asset`).
    """
    own = visibility.end_user(actor)
    _check_open(
        actor,
        for_other=own is not None and data.requester_id not in {None, own.id},
        assigned=data.assignee_id is not None,
    )
    if own is not None and data.asset_id is not None:
        attachable_asset(session, viewer=own, ref=data.asset_id)
    requester_id = data.requester_id or (actor.id if actor is not None else None)
    if requester_id is None:
        raise InvalidInput(N_("no requester given and no acting user known; pass a user id"))
    create = TicketCreate(
        title=data.title,
        description=data.description,
        category=data.category,
        priority=data.priority,
        requester_id=requester_id,
        assignee_id=data.assignee_id,
        asset_id=data.asset_id,
        source=source,
    )
    return creation.create_ticket(session, data=create, actor=actor, zone=zone, sla=sla)


def own_requester_filter(viewer: User | None, filters: TicketFilters) -> int | None:
    """The end user every result must be seen by (:mod:`~itsm.tickets.visibility`): the
    viewer's own id for end users, who may filter by no other requester."""
    if (own := visibility.end_user(viewer)) is None:
        return None
    asked = (filters.requester or "").strip().lower()
    if asked and asked not in {str(own.id), own.username}:
        raise Forbidden(N_("end users may list only their own tickets"))
    return own.id


def check_people(session: Session, *, viewer: User | None, filters: TicketFilters) -> None:
    """Refuse a list's ``assignee`` or ``requester`` that names no user, for staff.

    For an end user an ``assignee`` that is no one's name is no error: it matches
    no ticket, the page a known name with no tickets of theirs gives (the queries
    are told so by ``unknown_assignee_empty``), so the filter does not tell them who
    has an account. Their ``requester`` can only be themselves
    (:func:`own_requester_filter`).
    """
    for assignee in filters.assignee:
        try:
            refs.user_ref(session, assignee)
        except UserNotFound:
            if visibility.sees_all(viewer):
                raise
    if filters.requester is not None:
        refs.user_ref(session, filters.requester)


def viewer_filters(
    session: Session, *, viewer: User | None, filters: TicketFilters
) -> tuple[int | None, TicketFilters | None]:
    """The list's filters as ``viewer`` may use them: ``(own, searched)``.

    ``own`` is the end user who must see every row (:func:`own_requester_filter`);
    people named in the filters are checked (:func:`check_people`); ``searched`` is
    ``filters`` with their text as ``viewer`` may search with it, ``None`` when they
    can match no ticket (:func:`visibility.searched_filters`).
    """
    own = own_requester_filter(viewer, filters)
    check_people(session, viewer=viewer, filters=filters)
    return own, visibility.searched_filters(session, viewer=viewer, filters=filters)


def list_page(
    session: Session,
    *,
    viewer: User | None,
    filters: TicketFilters,
    sort: queries.Sort = queries.Sort.NEWEST,
    limit: int = 20,
    cursor: str | None = None,
) -> tuple[Sequence[Ticket], str | None]:
    """A page of the tickets ``viewer`` may see (see :func:`itsm.tickets.queries.list_page`).

    The tickets themselves; :func:`ticket_views` shapes them for ``viewer``.
    """
    own, searched = viewer_filters(session, viewer=viewer, filters=filters)
    if searched is None:
        if cursor:  # a bad cursor is refused all the same
            queries.decode_cursor(sort, cursor)
        return [], None
    return queries.list_page(
        session,
        filters=searched,
        sort=sort,
        limit=limit,
        cursor=cursor,
        viewer_id=own,
        public_only=not visibility.sees_all(viewer),
        unknown_assignee_empty=not visibility.sees_all(viewer),
    )


def search(
    session: Session,
    *,
    viewer: User | None,
    query: str,
    limit: int = 20,
    active_only: bool = False,
) -> tuple[list[tuple[Ticket, float | None]], int]:
    """Full-text search over what ``viewer`` may see: end users, their own tickets and
    public comments only, and not by the numbers of tickets they may not open
    (:func:`visibility.searched_text`).

    End users get the tickets in rank order without scores (``None``): a BM25 or
    ts_rank score weighs a word by how often every row uses it, so it would change
    with other people's tickets and internal notes.
    """
    searched = visibility.searched_text(session, viewer=viewer, query=query)
    if searched is None:
        return [], 0
    found, total = queries.search(
        session,
        query=searched,
        limit=limit,
        active_only=active_only,
        viewer_id=None if (own := visibility.end_user(viewer)) is None else own.id,
        public_only=not visibility.sees_all(viewer),
    )
    return [
        (ticket, score if visibility.sees_all(viewer) else None) for ticket, score in found
    ], total


def stats(session: Session, *, viewer: User | None) -> TicketStats:
    require_staff(viewer, N_("see ticket statistics"))
    return queries.stats(session)


def comments(session: Session, *, ref: int | str, viewer: User | None) -> list[CommentRead]:
    """The ticket's comments as ``viewer`` may read them (end users: public ones, without
    other tickets' numbers, in the body or as the origin of a merged copy, or other end
    users' names)."""
    ticket = visible_ticket(session, ref=ref, viewer=viewer)
    found = service.comments_of(
        session, ticket=ticket, include_internal=visibility.sees_all(viewer)
    )
    rows = [comment_read(c) for c in found]
    if visibility.sees_all(viewer):
        return rows
    texts = visibility.hide_unseen(
        session, viewer=viewer, texts=[t for c in rows for t in (c.body, c.copied_from)]
    )
    return [
        row.model_copy(
            update={
                "body": texts[2 * i],
                "copied_from": texts[2 * i + 1],
                "author": visibility.shown_person(c.author, viewer=viewer),
            }
        )
        for i, (row, c) in enumerate(zip(rows, found, strict=True))
    ]


#: Audit events that record a link, by the link's kind (their ``field``).
_LINK_EVENTS = frozenset({EventKind.LINKED, EventKind.MERGED})


def history(session: Session, *, ref: int | str, viewer: User | None) -> list[EventRead]:
    """The audit trail as ``viewer`` may read it: end users see no event of an internal
    note, the events of links as they see the links (:func:`visibility.shown_link`), and
    no other end user's name (:func:`visibility.shown_person`)."""
    ticket = visible_ticket(session, ref=ref, viewer=viewer)
    found = events.history(
        session, ticket_id=ticket.id, include_internal=visibility.sees_all(viewer)
    )
    rows = [event_read(e) for e in found]
    if visibility.sees_all(viewer):
        return rows
    texts = [text for e in rows for text in (e.old_value, e.new_value)]
    unseen = visibility.unseen_numbers(session, viewer=viewer, numbers=visibility.numbers_in(texts))
    shown: list[EventRead] = []
    for e, orm in zip(rows, found, strict=True):
        actor = visibility.shown_person(orm.actor, viewer=viewer)
        if e.kind in _LINK_EVENTS and e.field is not None:
            link = visibility.shown_link(e.field, e.new_value, unseen)
            if link is None:
                continue
            shown.append(e.model_copy(update={"new_value": link[1], "actor": actor}))
        else:
            old, new = (
                visibility.without_unseen(e.old_value, unseen),
                visibility.without_unseen(e.new_value, unseen),
            )
            shown.append(e.model_copy(update={"old_value": old, "new_value": new, "actor": actor}))
    return shown


def links(session: Session, *, ref: int | str, viewer: User | None) -> list[tuple[str, str | None]]:
    """``(kind, other ticket's number)`` of the ticket's links, as ``viewer`` may see them."""
    ticket = visible_ticket(session, ref=ref, viewer=viewer)
    rows = workflow.links_of(session, ticket=ticket)
    unseen = visibility.unseen_numbers(session, viewer=viewer, numbers=[n for _, n in rows])
    shown = (visibility.shown_link(kind, number, unseen) for kind, number in rows)
    return [link for link in shown if link is not None]


def add_comment(
    session: Session,
    *,
    ref: int | str,
    data: CommentCreate,
    actor: User | None,
    sla: SlaSettings | None = None,
) -> TicketComment:
    """End users comment publicly on their own tickets; staff also post internal notes."""
    if data.is_internal:
        require_staff(actor, N_("post internal notes"))
    if data.time_spent_minutes:
        require_staff(actor, N_("record time spent"))
    ticket = visible_ticket(session, ref=ref, viewer=actor)
    return service.add_comment(session, ref=ticket.id, data=data, actor=actor, sla=sla)


def check_update(actor: User | None) -> None:
    """Only staff change a ticket's fields (before any lookup of what the change names)."""
    require_staff(actor, N_("change tickets"))


def update(
    session: Session,
    *,
    ref: int | str,
    data: TicketUpdate,
    actor: User | None,
    sla: SlaSettings | None = None,
) -> Ticket:
    check_update(actor)
    return service.update_ticket(session, ref=refs.ticket_ref(ref), data=data, actor=actor, sla=sla)


def assign(
    session: Session, *, ref: int | str, assignee_ref: int | str | None, actor: User | None
) -> Ticket:
    """Give the ticket to a technician or admin (never a system account:
    :func:`itsm.tickets.assignees.require_assignable`)."""
    require_staff(actor, N_("assign tickets"))
    text = refs.ticket_ref(ref)
    assignee = None if assignee_ref is None else refs.user_ref(session, assignee_ref).id
    return service.assign(session, ref=text, assignee_ref=assignee, actor=actor)


def change_status(
    session: Session,
    *,
    ref: int | str,
    status: Status,
    note: str | None,
    actor: User | None,
    sla: SlaSettings | None = None,
) -> Ticket:
    require_staff(actor, N_("change the status of tickets"))
    return service.change_status(
        session, ref=refs.ticket_ref(ref), status=status, actor=actor, note=note, sla=sla
    )


def check_reopen(session: Session, ticket: Ticket, *, now: datetime, window_days: float) -> None:
    """What reopening asks of ``ticket``: the lifecycle's rule (resolved, or closed within
    the window), and not a duplicate merged into another ticket."""
    lifecycle.check_reopen(ticket.number, Status(ticket.status), ticket.closed_at, now, window_days)
    service.refuse_merged_duplicate(session, ticket)


def reopenable(session: Session, ticket: Ticket, *, now: datetime, window_days: float) -> bool:
    """Whether :func:`reopen` would reopen ``ticket`` now: a page asks before offering it."""
    try:
        check_reopen(session, ticket, now=now, window_days=window_days)
    except InvalidTransition:  # MergedDuplicate is one too
        return False
    return True


def reopen(
    session: Session, *, ref: int | str, actor: User, sla: SlaSettings | None = None
) -> Ticket:
    """Reopen a resolved ticket, or a closed one within the reopen window: the requester
    may (their own only, any other is not found), as staff may any."""
    ticket = visible_ticket(session, ref=ref, viewer=actor)
    check_reopen(
        session, ticket, now=utcnow(), window_days=(sla or SlaSettings()).reopen_window_days
    )
    return service.change_status(
        session, ref=ticket.number, status=Status.OPEN, actor=actor, note=None, sla=sla
    )


def merge(
    session: Session,
    *,
    duplicate_ref: int | str,
    target_ref: int | str,
    actor: User | None,
    sla: SlaSettings | None = None,
) -> Ticket:
    require_staff(actor, N_("merge tickets"))
    return workflow.merge(
        session,
        duplicate_ref=refs.ticket_ref(duplicate_ref),
        target_ref=refs.ticket_ref(target_ref),
        actor=actor,
        sla=sla,
    )


def link(session: Session, *, ref: int | str, other_ref: int | str, actor: User | None) -> Ticket:
    """Relate two tickets; returns the first."""
    require_staff(actor, N_("link tickets"))
    ticket = service.get_ticket(session, ref=refs.ticket_ref(ref))
    workflow.link(session, ref=ticket.id, other_ref=refs.ticket_ref(other_ref), actor=actor)
    return ticket


def rate(
    session: Session, *, ref: int | str, rating: int, comment: str | None, actor: User | None
) -> Ticket:
    """The requester rates their resolved ticket (admins may record it for them)."""
    ticket = visible_ticket(session, ref=ref, viewer=actor)
    return workflow.rate(session, ref=ticket.id, rating=rating, comment=comment, actor=actor)
