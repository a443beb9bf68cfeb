"""Watchers over HTTP: the people copied on a ticket (like Cc).

The rules are :mod:`itsm.tickets.watchers`' (staff change anyone's; the requester
those of their own ticket; anyone may stop watching); a route translates.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from itsm.api.deps import PersonDep
from itsm.api.routers.tickets import Ref
from itsm.server.deps import SessionDep
from itsm.tickets import watchers
from itsm.tickets.schemas import WatcherAdd, WatcherRead

router = APIRouter(prefix="/tickets", tags=["tickets"])

UserRef = Annotated[
    str, Path(min_length=1, max_length=64, description="The watcher: a user id or username.")
]


@router.get(
    "/{ref}/watchers",
    summary="The people copied on a ticket (anyone who sees the ticket)",
)
def list_watchers(ref: Ref, session: SessionDep, who: PersonDep) -> list[WatcherRead]:
    return watchers.watcher_reads(session, ref=ref, viewer=who.user)


@router.post(
    "/{ref}/watchers",
    summary="Copy someone on a ticket (staff; the requester on their own; idempotent)",
    description=(
        "201 when they were added, 200 when nothing changed (already a watcher, or the"
        " requester). The answer is the ticket's watchers."
    ),
    status_code=201,
)
def add_watcher(
    ref: Ref, body: WatcherAdd, response: Response, session: SessionDep, who: PersonDep
) -> list[WatcherRead]:
    ticket, _user, added = watchers.watch(session, ref=ref, user_ref=body.user, actor=who.user)
    if not added:
        response.status_code = 200
    return watchers.watcher_reads(session, ref=ticket.id, viewer=who.user)


@router.delete(
    "/{ref}/watchers/{user}",
    summary="Stop copying someone (staff; the requester; anyone for themselves; idempotent)",
    status_code=204,
)
def remove_watcher(ref: Ref, user: UserRef, session: SessionDep, who: PersonDep) -> Response:
    watchers.unwatch(session, ref=ref, user_ref=user, actor=who.user)
    return Response(status_code=204)
