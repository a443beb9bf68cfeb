"""Tickets over HTTP: the help desk queue, its comments, history, search and statistics.

Every route translates: it reads the request, calls :mod:`itsm.tickets.access`
(the role rules, on top of the services the CLI calls) and renders the result.
The caller's user is the actor recorded in the audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from itsm.api.deps import PersonDep
from itsm.server.deps import SessionDep, SettingsDep
from itsm.sla.due import SlaFilter
from itsm.tickets import access, queries
from itsm.tickets.models import ACTIVE_STATUSES, Category, Priority, Source, Status
from itsm.tickets.schemas import (
    Assignment,
    CommentCreate,
    CommentRead,
    EventRead,
    LinkRead,
    LinkRequest,
    MergeRequest,
    RatingCreate,
    SearchResult,
    StatusChange,
    TicketFilters,
    TicketHit,
    TicketOpen,
    TicketPage,
    TicketRead,
    TicketStats,
    TicketUpdate,
    comment_read,
)
from itsm.validation import validated

router = APIRouter(prefix="/tickets", tags=["tickets"])

Ref = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        description="Ticket id (42) or number (TKT-YYYYMMDD-NNNN).",
    ),
]


@router.post(
    "",
    status_code=201,
    summary="Open a ticket (end users: for themselves, unassigned)",
)
def create_ticket(
    body: TicketOpen, response: Response, session: SessionDep, who: PersonDep, cfg: SettingsDep
) -> TicketRead:
    ticket = access.open_ticket(
        session, data=body, actor=who.user, source=Source.API, zone=cfg.zone, sla=cfg.sla
    )
    read = access.ticket_view(session, viewer=who.user, ticket=ticket)
    response.headers["Location"] = f"{router.prefix}/{read.number}"
    return read


@router.get(
    "",
    summary="List tickets, one keyset page at a time (end users: their own)",
    description=(
        "Filters combine with AND; a filter given several times (`status=open&status=pending`)"
        " matches any of its values. Pass `next_cursor` back as `cursor` for the next page;"
        " it is `null` on the last page. For an end user an `assignee` that names no one"
        " gives an empty page, like a name with none of their tickets. `sla=due-soon`: the"
        " running SLA clock is due within `sla.due_soon_minutes`; `sla=breached`: past due."
        " `sort=due`: soonest due first, then tickets whose clock does not run."
    ),
)
def list_tickets(
    session: SessionDep,
    who: PersonDep,
    cfg: SettingsDep,
    status: Annotated[list[Status] | None, Query(description="Repeat for several.")] = None,
    priority: Annotated[list[Priority] | None, Query()] = None,
    category: Annotated[list[Category] | None, Query()] = None,
    source: Annotated[list[Source] | None, Query(description="Where it came from.")] = None,
    assignee: Annotated[
        list[str] | None,
        Query(max_length=32, description="Id or username; repeat it for any of several."),
    ] = None,
    requester: Annotated[str | None, Query(max_length=64, description="Id or username.")] = None,
    unassigned: bool = False,
    active: Annotated[bool, Query(description="Only open, in_progress and pending.")] = False,
    text: Annotated[str | None, Query(max_length=500, description="Full-text filter.")] = None,
    sla: SlaFilter | None = None,
    sort: queries.Sort = queries.Sort.NEWEST,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_PAGE)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> TicketPage:
    statuses = status or (list(ACTIVE_STATUSES) if active else [])
    filters = validated(
        TicketFilters,
        {
            "status": statuses,
            "priority": priority or [],
            "category": category or [],
            "source": source or [],
            "assignee": assignee,
            "requester": requester,
            "unassigned": unassigned,
            "text": text,
            "sla": sla,
            "due_soon_minutes": cfg.sla.due_soon_minutes,
        },
    )
    rows, next_cursor = access.list_page(
        session, viewer=who.user, filters=filters, sort=sort, limit=limit, cursor=cursor
    )
    items = access.ticket_views(session, viewer=who.user, tickets=rows)
    return TicketPage(items=items, next_cursor=next_cursor)


@router.get(
    "/search",
    summary="Full-text search over titles, descriptions and comments, best first",
    description=(
        "End users search their own tickets and public comments only, and not by the"
        " numbers of tickets they cannot open: those are taken out of `q`, and a `q` left"
        " with no word finds nothing. Their `score` is null: the items come in rank"
        " order, without the raw relevance, which other people's tickets would move."
    ),
)
def search_tickets(
    session: SessionDep,
    who: PersonDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="Words to find.")],
    limit: Annotated[int, Query(ge=1, le=queries.MAX_PAGE)] = 20,
    active: Annotated[bool, Query(description="Only open, in_progress and pending.")] = False,
) -> SearchResult:
    found, total = access.search(session, viewer=who.user, query=q, limit=limit, active_only=active)
    views = access.ticket_views(session, viewer=who.user, tickets=[t for t, _ in found])
    items = [
        TicketHit.model_validate(
            view.model_dump() | {"score": None if score is None else round(score, 6)}
        )
        for view, (_, score) in zip(views, found, strict=True)
    ]
    return SearchResult(total=total, items=items)


@router.get("/stats", summary="Ticket counts by status, priority and category (staff)")
def ticket_stats(session: SessionDep, who: PersonDep) -> TicketStats:
    return access.stats(session, viewer=who.user)


@router.get("/{ref}", summary="One ticket, by id or number")
def get_ticket(ref: Ref, session: SessionDep, who: PersonDep) -> TicketRead:
    ticket = access.visible_ticket(session, ref=ref, viewer=who.user)
    return access.ticket_view(session, viewer=who.user, ticket=ticket)


@router.patch("/{ref}", summary="Change a ticket's fields (staff)")
def update_ticket(
    ref: Ref, body: TicketUpdate, session: SessionDep, who: PersonDep, cfg: SettingsDep
) -> TicketRead:
    ticket = access.update(session, ref=ref, data=body, actor=who.user, sla=cfg.sla)
    return access.ticket_view(session, viewer=who.user, ticket=ticket)


@router.post("/{ref}/assign", summary="Give a ticket to a technician, or unassign it (staff)")
def assign_ticket(ref: Ref, body: Assignment, session: SessionDep, who: PersonDep) -> TicketRead:
    ticket = access.assign(session, ref=ref, assignee_ref=body.assignee, actor=who.user)
    return access.ticket_view(session, viewer=who.user, ticket=ticket)


@router.post(
    "/{ref}/status",
    summary="Move a ticket through its lifecycle (staff)",
    description=(
        "Resolving needs a resolution `note`; a transition the lifecycle does not allow"
        " is a 409 whose detail lists the allowed ones."
    ),
)
def change_status(
    ref: Ref, body: StatusChange, session: SessionDep, who: PersonDep, cfg: SettingsDep
) -> TicketRead:
    ticket = access.change_status(
        session, ref=ref, status=body.status, note=body.note, actor=who.user, sla=cfg.sla
    )
    return access.ticket_view(session, viewer=who.user, ticket=ticket)


@router.post(
    "/{ref}/reopen",
    summary="Reopen a resolved ticket, or a closed one within the reopen window",
    description=(
        "The requester reopens their own ticket (any other is a 404, like one that does"
        " not exist); staff reopen any. A closed ticket reopens only within"
        " `sla.reopen_window_days` of being closed, a ticket that is neither resolved nor"
        " closed cannot be reopened, and a duplicate merged into another ticket stays"
        " closed (`urn:itsm:problem:merged-duplicate`): each a 409."
    ),
)
def reopen_ticket(ref: Ref, session: SessionDep, who: PersonDep, cfg: SettingsDep) -> TicketRead:
    ticket = access.reopen(session, ref=ref, actor=who.user, sla=cfg.sla)
    return access.ticket_view(session, viewer=who.user, ticket=ticket)


@router.get(
    "/{ref}/comments",
    summary="A ticket's comments, oldest first (end users: public ones only)",
    description=(
        "To an end user, another end user's name is not shown: the `author` of a comment"
        " by someone neither staff nor the caller (such as one copied from a merged"
        " ticket) is `null`, and numbers of tickets they cannot open read 'another ticket'."
    ),
)
def list_comments(ref: Ref, session: SessionDep, who: PersonDep) -> list[CommentRead]:
    return access.comments(session, ref=ref, viewer=who.user)


@router.post(
    "/{ref}/comments",
    status_code=201,
    summary="Comment on a ticket; internal notes and time spent: staff only",
)
def add_comment(
    ref: Ref, body: CommentCreate, session: SessionDep, who: PersonDep, cfg: SettingsDep
) -> CommentRead:
    return comment_read(
        access.add_comment(session, ref=ref, data=body, actor=who.user, sla=cfg.sla)
    )


@router.get(
    "/{ref}/history",
    summary="The audit trail: every change, who made it, old and new values",
    description=(
        "End users do not see the events of internal notes, nor the numbers of tickets"
        " they cannot open (see the links)."
    ),
)
def ticket_history(ref: Ref, session: SessionDep, who: PersonDep) -> list[EventRead]:
    return access.history(session, ref=ref, viewer=who.user)


@router.get(
    "/{ref}/links",
    summary="Related tickets and merges",
    description=(
        "End users see no link to a ticket they cannot open, except `merged_into`,"
        " whose `ticket` is then `null`."
    ),
)
def list_links(ref: Ref, session: SessionDep, who: PersonDep) -> list[LinkRead]:
    return _links(access.links(session, ref=ref, viewer=who.user))


@router.post("/{ref}/links", summary="Mark two tickets as related (staff; idempotent)")
def link_tickets(
    ref: Ref, body: LinkRequest, session: SessionDep, who: PersonDep
) -> list[LinkRead]:
    ticket = access.link(session, ref=ref, other_ref=body.other, actor=who.user)
    return _links(access.links(session, ref=ticket.id, viewer=who.user))


@router.post(
    "/{ref}/merge",
    summary="Merge this duplicate into another ticket, which is returned (staff)",
    description="Comments are copied over, both audit trails record it, the duplicate is closed.",
)
def merge_ticket(
    ref: Ref, body: MergeRequest, session: SessionDep, who: PersonDep, cfg: SettingsDep
) -> TicketRead:
    kept = access.merge(
        session, duplicate_ref=ref, target_ref=body.into, actor=who.user, sla=cfg.sla
    )
    return access.ticket_view(session, viewer=who.user, ticket=kept)


@router.post(
    "/{ref}/rating",
    summary="Rate the resolution of your ticket, 1 to 5 (the requester; once per resolution)",
)
def rate_ticket(ref: Ref, body: RatingCreate, session: SessionDep, who: PersonDep) -> TicketRead:
    ticket = access.rate(session, ref=ref, rating=body.rating, comment=body.comment, actor=who.user)
    return access.ticket_view(session, viewer=who.user, ticket=ticket)


def _links(rows: Sequence[tuple[str, str | None]]) -> list[LinkRead]:
    return [LinkRead(kind=kind, ticket=number) for kind, number in rows]
