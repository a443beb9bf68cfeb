"""The technician's ticket page: fields, SLA clocks, the whole timeline, and the actions.

Each action is a form POST that calls the :mod:`itsm.tickets.access` function the
API's route calls, then redirects to the page (``?done=`` names what was done). htmx
posts the same forms and swaps the page's ``#desk`` from where the redirect lands;
a refusal is rendered by :mod:`itsm.web.desk_errors` next to the form that caused it.
"""

from __future__ import annotations

from collections.abc import Container
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from sse_starlette import EventSourceResponse

from itsm.accounts.principal import Principal
from itsm.attachments import service as attachments
from itsm.events.domain import DomainEvent
from itsm.server.deps import SessionDep, SettingsDep
from itsm.server.live import RESYNC, event_stream
from itsm.tickets import access, lifecycle, picker, watchers
from itsm.tickets.errors import TicketNotFound
from itsm.tickets.models import Category, EventKind, Priority, Status
from itsm.tickets.schemas import TicketUpdate
from itsm.tickets.visibility import sees_all
from itsm.users import policy as user_policy
from itsm.users import service as users
from itsm.validation import validated
from itsm.web.labels import N_
from itsm.web.session import ViewerDep, language, login_check
from itsm.web.templating import render

router = APIRouter()
Ref = Annotated[str, Path(min_length=1, max_length=64)]
#: What the page says after each action (``?done=``), in a live region.
DONE = {
    "take": N_("You took the ticket."),
    "assign": N_("Assignment saved."),
    "status": N_("Status changed."),
    "comment": N_("Comment added."),
    "note": N_("Internal note added."),
    "fields": N_("Priority and category saved."),
    "merge": N_("Ticket merged."),
    "link": N_("Tickets linked."),
    "file": N_("File attached."),
    "watch": N_("Watcher added."),
    "unwatch": N_("Watcher removed."),
}
#: Audit events the timeline shows: all but a comment's, shown as the comment itself.
_SHOWN = frozenset(EventKind) - {EventKind.COMMENTED}


def timeline(
    session: SessionDep, who: Principal, ref: int | str, *, shown: Container[str]
) -> list[dict[str, Any]]:
    """The comments ``who`` may read and the audit events of the ``shown`` kinds,
    oldest first (the portal's page shows fewer kinds than this one)."""
    entries: list[dict[str, Any]] = [
        {"at": c.created_at, "comment": c}
        for c in access.comments(session, ref=ref, viewer=who.user)
    ]
    entries += [
        {"at": e.created_at, "event": e}
        for e in access.history(session, ref=ref, viewer=who.user)
        if e.kind in shown
    ]
    return sorted(entries, key=lambda entry: entry["at"])


def page(
    request: Request, session: SessionDep, who: Principal, cfg: SettingsDep, ref: str
) -> Response:
    """The staff page of ticket ``ref`` (the portal's route sends staff here)."""
    ticket = access.visible_ticket(session, ref=ref, viewer=who.user)
    view = access.ticket_view(session, viewer=who.user, ticket=ticket)
    done = request.query_params.get("done")
    # By id, the reads below find the ticket in the session (no query); each still
    # checks that the viewer may see it.
    key = ticket.id
    return render(
        request,
        "desk/ticket.html",
        {
            "ticket": view,
            "requester": ticket.requester,
            "timeline": timeline(session, who, key, shown=_SHOWN),
            "links": access.links(session, ref=key, viewer=who.user),
            "files": attachments.attachment_reads(session, ref=key, viewer=who.user),
            "watchers": watchers.watcher_reads(session, ref=key, viewer=who.user),
            "next_statuses": lifecycle.allowed_next(view.status),
            "assignees": users.list_assignees(session, who=who),
            "priorities": list(Priority),
            "categories": list(Category),
            "done": DONE.get(done) if done else None,
            "mine": view.assignee_id == who.user.id,
        },
        language=language(request, who),
    )


@router.get("/tickets/{ref}/events")
def events(ref: Ref, request: Request, session: SessionDep, who: ViewerDep) -> EventSourceResponse:
    """The page's event stream: what happens to this ticket (``static/ticket.js`` reads
    the changed parts again). Staff only, as the page is."""
    user_policy.require_staff(who)
    ticket_id = access.visible_ticket(session, ref=ref, viewer=who.user).id

    def about_it(event: DomainEvent) -> bool:
        return event.ticket_id == ticket_id or event.kind == RESYNC.kind

    return event_stream(request, who, login=login_check(request), named=False, only=about_it)


Typed = Annotated[str | None, Query(max_length=500)]


@router.get("/tickets/{ref}/pick")
def pick(
    ref: Ref,
    request: Request,
    session: SessionDep,
    who: ViewerDep,
    into: Typed = None,
    other: Typed = None,
) -> Response:
    """The options of the merge (``into``) or link (``other``) field's list, for what is
    typed in it: htmx sends the field's own name and value."""
    user_policy.require_staff(who)
    ticket = access.visible_ticket(session, ref=ref, viewer=who.user)
    field, typed = ("merge", into) if into is not None else ("link", other or "")
    found = picker.candidates(session, viewer=who.user, query=typed, exclude=ticket.id)
    return render(
        request,
        "desk/_pick.html",
        {"field": field, "options": access.ticket_views(session, viewer=who.user, tickets=found)},
        language=language(request, who),
    )


def back(number: str, done: str) -> Response:
    """To the ticket's page, saying what was done (a form POST's answer)."""
    return RedirectResponse(f"/tickets/{number}?done={done}#desk", status_code=303)


def _assign(session: SessionDep, who: Principal, ref: str, assignee: str | int | None) -> str:
    ticket = access.assign(session, ref=ref, assignee_ref=assignee, actor=who.user)
    return ticket.number


@router.post("/tickets/{ref}/take")
def take(ref: Ref, session: SessionDep, who: ViewerDep) -> Response:
    return back(_assign(session, who, ref, who.user.id), "take")


@router.post("/tickets/{ref}/assign")
def assign(
    ref: Ref,
    session: SessionDep,
    who: ViewerDep,
    assignee: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    return back(_assign(session, who, ref, assignee.strip() or None), "assign")


@router.post("/tickets/{ref}/status")
def change_status(
    ref: Ref,
    session: SessionDep,
    who: ViewerDep,
    cfg: SettingsDep,
    status: Annotated[Status, Form()],
    note: Annotated[str, Form(max_length=100_000)] = "",
) -> Response:
    ticket = access.change_status(
        session, ref=ref, status=status, note=note.strip() or None, actor=who.user, sla=cfg.sla
    )
    return back(ticket.number, "status")


@router.post("/tickets/{ref}/fields")
def change_fields(
    ref: Ref,
    session: SessionDep,
    who: ViewerDep,
    cfg: SettingsDep,
    priority: Annotated[Priority, Form()],
    category: Annotated[Category, Form()],
) -> Response:
    data = validated(TicketUpdate, {"priority": priority, "category": category})
    ticket = access.update(session, ref=ref, data=data, actor=who.user, sla=cfg.sla)
    return back(ticket.number, "fields")


@router.post("/tickets/{ref}/merge")
def merge(
    ref: Ref,
    session: SessionDep,
    who: ViewerDep,
    cfg: SettingsDep,
    into: Annotated[str, Form(min_length=1, max_length=64)],
) -> Response:
    access.merge(session, duplicate_ref=ref, target_ref=into, actor=who.user, sla=cfg.sla)
    # The duplicate's page: closed now, with its link to the ticket that stays.
    return back(access.visible_ticket(session, ref=ref, viewer=who.user).number, "merge")


@router.post("/tickets/{ref}/links")
def link(
    ref: Ref,
    session: SessionDep,
    who: ViewerDep,
    other: Annotated[str, Form(min_length=1, max_length=64)],
) -> Response:
    ticket = access.link(session, ref=ref, other_ref=other, actor=who.user)
    return back(ticket.number, "link")


def _after_watchers(session: SessionDep, who: Principal, number: str, done: str) -> Response:
    """Back to the ticket's page; to the list for someone who no longer sees the ticket."""
    if sees_all(who.user):
        return back(number, done)
    try:
        access.visible_ticket(session, ref=number, viewer=who.user)
    except TicketNotFound:
        return RedirectResponse("/tickets", status_code=303)
    return RedirectResponse(f"/tickets/{number}#watchers", status_code=303)


@router.post("/tickets/{ref}/watch")
def watch(
    ref: Ref,
    session: SessionDep,
    who: ViewerDep,
    user: Annotated[str, Form(min_length=1, max_length=64)],
) -> Response:
    """Copy someone on the ticket (staff, or the requester on the portal's page)."""
    ticket, _, _ = watchers.watch(session, ref=ref, user_ref=user.strip(), actor=who.user)
    return _after_watchers(session, who, ticket.number, "watch")


@router.post("/tickets/{ref}/unwatch")
def unwatch(
    ref: Ref,
    session: SessionDep,
    who: ViewerDep,
    user: Annotated[str, Form(min_length=1, max_length=64)],
) -> Response:
    ticket, _, _ = watchers.unwatch(session, ref=ref, user_ref=user.strip(), actor=who.user)
    return _after_watchers(session, who, ticket.number, "unwatch")
