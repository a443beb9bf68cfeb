"""The self-service portal: my tickets, a ticket's public timeline, a new ticket,
comments and ratings. The rules are :mod:`itsm.tickets.access`'s, as for the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal, TypeGuard

from fastapi import APIRouter, File, Form, Path, Request, Response, UploadFile
from fastapi.responses import RedirectResponse

from itsm.attachments import service as attachments
from itsm.attachments.storage import Store
from itsm.config import Settings
from itsm.server.deps import SessionDep, SettingsDep
from itsm.tickets import access, watchers, workflow
from itsm.tickets.models import ACTIVE_STATUSES, Category, EventKind, Source, Status
from itsm.tickets.schemas import CommentCreate, RatingCreate, TicketFilters, TicketOpen
from itsm.tickets.urgency import Urgency, priority_of
from itsm.tickets.visibility import sees_all
from itsm.users.models import User
from itsm.validation import validated
from itsm.web.routes import desk
from itsm.web.session import ViewerDep, language
from itsm.web.templating import render

router = APIRouter()
Ref = Annotated[str, Path(min_length=1, max_length=64)]
#: A form's optional file (a browser sends an empty one, without a name, when none is chosen).
FileField = Annotated[UploadFile | None, File()]
_DONE = [Status.RESOLVED, Status.CLOSED]
#: The audit events an end user's timeline shows beside the public comments.
_TIMELINE_EVENTS = frozenset({EventKind.CREATED, EventKind.STATUS_CHANGED, EventKind.ASSIGNED})


@router.get("/")
def home(who: ViewerDep) -> Response:
    """Staff start at their queue; end users at their own tickets."""
    return RedirectResponse("/queue" if sees_all(who.user) else "/tickets", status_code=303)


@router.get("/tickets")
def my_tickets(request: Request, session: SessionDep, who: ViewerDep) -> Response:
    """The viewer's tickets as requester, the open ones first, then those they are
    copied on."""
    mine = str(who.user.id)
    groups = []
    for statuses in (list(ACTIVE_STATUSES), _DONE):
        filters = TicketFilters(status=statuses, requester=mine)
        rows, _ = access.list_page(session, viewer=who.user, filters=filters, limit=50)
        groups.append(access.ticket_views(session, viewer=who.user, tickets=rows))
    copied = watchers.watched_by(session, user=who.user)
    return render(
        request,
        "portal/tickets.html",
        {
            "active": groups[0],
            "done": groups[1],
            "copied": access.ticket_views(session, viewer=who.user, tickets=copied),
        },
        language=language(request, who),
    )


def _form_page(
    request: Request, who: ViewerDep, *, values: dict[str, str], error: str | None, status: int
) -> Response:
    return render(
        request,
        "portal/new_ticket.html",
        {
            "values": values,
            "error": error,
            "categories": list(Category),
            "urgencies": list(Urgency),
        },
        language=language(request, who),
        status=status,
    )


@router.get("/tickets/new")
def new_ticket(request: Request, who: ViewerDep) -> Response:
    return _form_page(request, who, values={}, error=None, status=200)


@router.post("/tickets")
def open_ticket(
    request: Request,
    session: SessionDep,
    who: ViewerDep,
    cfg: SettingsDep,
    title: Annotated[str, Form(max_length=1000)] = "",
    description: Annotated[str, Form(max_length=100_000)] = "",
    category: Annotated[str, Form(max_length=32)] = "",
    urgency: Annotated[str, Form(max_length=32)] = "",
    file: FileField = None,
) -> Response:
    values = {"title": title, "description": description, "category": category, "urgency": urgency}
    if category not in set(Category) or urgency not in set(Urgency) or not title.strip():
        return _form_page(request, who, values=values, error="incomplete", status=422)
    data = validated(
        TicketOpen,
        {
            "title": title.strip(),
            "description": description,
            "category": category,
            "priority": priority_of(Urgency(urgency)),
        },
    )
    ticket = access.open_ticket(
        session, data=data, actor=who.user, source=Source.WEB, zone=cfg.zone, sla=cfg.sla
    )
    if _chosen(file):
        _attach(session, cfg, who.user, ticket.number, file, comment=None)
    return RedirectResponse(f"/tickets/{ticket.number}", status_code=303)


def _chosen(file: UploadFile | None) -> TypeGuard[UploadFile]:
    return file is not None and bool(file.filename)


def _attach(
    session: SessionDep,
    cfg: Settings,
    user: User,
    ref: str,
    file: UploadFile,
    *,
    comment: str | None,
    internal: bool = False,
) -> None:
    attachments.attach(
        session,
        ref=ref,
        source=file.file,
        filename=file.filename or "",
        actor=user,
        store=Store(cfg.attachments_dir),
        limits=cfg.attachments,
        comment=comment,
        internal=internal,
        sla=cfg.sla,
    )


@router.get("/tickets/{ref}")
def ticket_page(
    ref: Ref, request: Request, session: SessionDep, who: ViewerDep, cfg: SettingsDep
) -> Response:
    """The requester's public view; staff get the technician's page (:mod:`.desk`)."""
    if sees_all(who.user):
        return desk.page(request, session, who, cfg, ref)
    ticket = access.visible_ticket(session, ref=ref, viewer=who.user)
    view = access.ticket_view(session, viewer=who.user, ticket=ticket)
    window = cfg.sla.reopen_window_days
    now = datetime.now(UTC)
    return render(
        request,
        "portal/ticket.html",
        {
            "ticket": view,
            # By id: the reads find the ticket in the session (as on the staff page).
            "timeline": desk.timeline(session, who, ticket.id, shown=_TIMELINE_EVENTS),
            "files": attachments.attachment_reads(session, ref=ticket.id, viewer=who.user),
            "may_rate": workflow.rating_refusal(view, who.user) is None,
            "may_reopen": access.reopenable(session, ticket, now=now, window_days=window),
            "watchers": watchers.watcher_reads(session, ref=ticket.id, viewer=who.user),
            "is_requester": ticket.requester_id == who.user.id,
            "viewer_id": who.user.id,
        },
        language=language(request, who),
    )


@router.post("/tickets/{ref}/comments")
def add_comment(
    ref: Ref,
    session: SessionDep,
    who: ViewerDep,
    cfg: SettingsDep,
    body: Annotated[str, Form(max_length=100_000)] = "",
    visibility: Annotated[Literal["public", "internal"], Form()] = "public",
    minutes: Annotated[int, Form(ge=0, le=100_000)] = 0,
    file: FileField = None,
) -> Response:
    """A comment, a file, or a file with its comment; staff (the technician's page) may
    make it internal and record time spent, which the services refuse to anyone else."""
    internal = visibility == "internal"
    if _chosen(file) and not minutes:
        text = body if body.strip() else None
        _attach(session, cfg, who.user, ref, file, comment=text, internal=internal)
    else:
        data = validated(
            CommentCreate, {"body": body, "is_internal": internal, "time_spent_minutes": minutes}
        )
        access.add_comment(session, ref=ref, data=data, actor=who.user, sla=cfg.sla)
        if _chosen(file):
            _attach(session, cfg, who.user, ref, file, comment=None, internal=internal)
    ticket = access.visible_ticket(session, ref=ref, viewer=who.user)
    if sees_all(who.user):
        return desk.back(ticket.number, "note" if internal else "comment")
    return RedirectResponse(f"/tickets/{ticket.number}#timeline", status_code=303)


@router.post("/tickets/{ref}/reopen")
def reopen(ref: Ref, session: SessionDep, who: ViewerDep, cfg: SettingsDep) -> Response:
    ticket = access.reopen(session, ref=ref, actor=who.user, sla=cfg.sla)
    return RedirectResponse(f"/tickets/{ticket.number}", status_code=303)


@router.post("/tickets/{ref}/rating")
def rate(
    ref: Ref,
    session: SessionDep,
    who: ViewerDep,
    rating: Annotated[int, Form(ge=1, le=5)],
    comment: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    data = validated(RatingCreate, {"rating": rating, "comment": comment.strip() or None})
    ticket = access.rate(session, ref=ref, rating=data.rating, comment=data.comment, actor=who.user)
    return RedirectResponse(f"/tickets/{ticket.number}", status_code=303)
