"""The viewer's in-app notifications: listed newest first, marked read, each linking
to its ticket; through :mod:`itsm.notify.inapp`, as ``/api/v1/me/notifications``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from itsm.notify import inapp
from itsm.server.deps import SessionDep
from itsm.web.session import ViewerDep, language
from itsm.web.templating import render

router = APIRouter()
PAGE = 30


@router.get("/notifications")
def inbox(
    request: Request,
    session: SessionDep,
    who: ViewerDep,
    unread: Annotated[bool, Query()] = False,
    before: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> Response:
    found = inapp.listed(session, user=who.user, unread=unread, before=before, limit=PAGE)
    return render(
        request,
        "me/inbox.html",
        {
            "notifications": found,
            "numbers": inapp.ticket_numbers(session, found),
            "unread_only": unread,
            "unread_total": inapp.unread_count(session, user=who.user),
            "next_before": found[-1].id if len(found) == PAGE else None,
        },
        language=language(request, who),
    )


@router.post("/notifications/read")
def mark_read(
    session: SessionDep,
    who: ViewerDep,
    ids: Annotated[list[int] | None, Form(alias="id")] = None,
) -> Response:
    """The ``id`` fields given, or all of the viewer's notifications without one."""
    inapp.mark_read(session, user=who.user, ids=ids or None)
    return RedirectResponse("/notifications", status_code=303)
