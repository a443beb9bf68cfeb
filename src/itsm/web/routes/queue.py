"""The technicians' queue (staff; anyone else gets a 404): tabs, filters, keyset pages.

The filters are those of ``GET /api/v1/tickets`` and the rows come from the same
:func:`itsm.tickets.access.list_page`; the tabs are :mod:`itsm.tickets.queue`'s views.
``/queue/rows`` is the rows alone, which the filter form (htmx) and the page's script
(``static/queue.js``, on every event of ``/queue/events``) put in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel
from sse_starlette import EventSourceResponse

from itsm.config import Settings
from itsm.errors import InvalidInput
from itsm.events.policy import moves_dashboard
from itsm.server.deps import SessionDep, SettingsDep
from itsm.server.live import event_stream
from itsm.sla.due import SlaFilter, due_state
from itsm.tickets import access, queries
from itsm.tickets.models import Category, Priority, Source, Status
from itsm.tickets.queue import QueueView, check_queue, default_sort, view_filters
from itsm.tickets.schemas import TicketFilters
from itsm.users import service as users
from itsm.users.errors import UserNotFound
from itsm.users.policy import require_staff
from itsm.validation import validated
from itsm.web.session import ViewerDep, language, login_check
from itsm.web.templating import render

router = APIRouter()
PAGE = 25

Choices = Annotated[list[str] | None, Query(max_length=32)]
Word = Annotated[str, Query(max_length=64)]


@dataclass(frozen=True)
class QueueQuery:
    """The query string as sent (empty = not chosen): what the form and links repeat."""

    view: str
    status: list[str]
    priority: list[str]
    category: list[str]
    source: list[str]
    assignee: list[str]
    requester: str
    sla: str
    sort: str
    q: str
    cursor: str

    def encoded(self, **changes: str | None) -> str:
        """The query string, with ``changes`` (``None`` drops a key), empty values left out."""
        pairs: list[tuple[str, str]] = []
        for key, value in vars(self).items():
            if key in changes:
                value = changes[key]
            values = value if isinstance(value, list) else [value]
            pairs += [(key, v) for v in values if v]
        return urlencode(pairs)


async def queue_query(  # no I/O: on the event loop, not in the thread pool
    view: Word = "",
    status: Choices = None,
    priority: Choices = None,
    category: Choices = None,
    source: Choices = None,
    assignee: Choices = None,
    requester: Word = "",
    sla: Word = "",
    sort: Word = "",
    q: Annotated[str, Query(max_length=500)] = "",
    cursor: Annotated[str, Query(max_length=500)] = "",
) -> QueueQuery:
    def chosen(values: list[str] | None) -> list[str]:
        return [v for v in values or [] if v]

    return QueueQuery(
        view=view,
        status=chosen(status),
        priority=chosen(priority),
        category=chosen(category),
        source=chosen(source),
        assignee=chosen([a.strip() for a in assignee or []]),
        requester=requester.strip(),
        sla=sla,
        sort=sort,
        q=q.strip(),
        cursor=cursor,
    )


QueryDep = Annotated[QueueQuery, Depends(queue_query)]


class _ViewPick(BaseModel):
    view: QueueView


class _SortPick(BaseModel):
    sort: queries.Sort


@dataclass(frozen=True)
class _Chosen:
    view: QueueView
    filters: TicketFilters
    sort: queries.Sort


def _chosen(query: QueueQuery, cfg: Settings) -> _Chosen:
    """The query validated: one clear line (422) for a value that is not allowed."""
    view = validated(_ViewPick, {"view": query.view or QueueView.MINE}).view
    filters = validated(
        TicketFilters,
        {
            "status": query.status,
            "priority": query.priority,
            "category": query.category,
            "source": query.source,
            "assignee": query.assignee,
            "requester": query.requester or None,
            "text": query.q or None,
            "sla": query.sla or None,
            "due_soon_minutes": cfg.sla.due_soon_minutes,
        },
    )
    sort = validated(_SortPick, {"sort": query.sort or default_sort(view)}).sort
    return _Chosen(view, filters, sort)


def _context(
    session: SessionDep, who: ViewerDep, cfg: Settings, query: QueueQuery
) -> dict[str, object]:
    check_queue(who.user)
    chosen = _chosen(query, cfg)
    filters = view_filters(chosen.view, viewer=who.user, filters=chosen.filters)
    try:
        rows, next_cursor = access.list_page(
            session,
            viewer=who.user,
            filters=filters,
            sort=chosen.sort,
            limit=PAGE,
            cursor=query.cursor or None,
        )
    except UserNotFound as exc:  # a name typed in the form: told as bad input, not a 404 page
        raise InvalidInput(exc.template, **exc.params) from None
    now = datetime.now(UTC)
    soon = timedelta(minutes=cfg.sla.due_soon_minutes)
    tickets = access.ticket_views(session, viewer=who.user, tickets=rows)
    return {
        "q": query,
        "view": chosen.view,
        "sort": chosen.sort,
        "tickets": tickets,
        "due_states": [due_state(t.due_at, now=now, due_soon=soon) for t in tickets],
        "next_query": query.encoded(cursor=next_cursor) if next_cursor else None,
        "views": list(QueueView),
        "statuses": list(Status),
        "priorities": list(Priority),
        "categories": list(Category),
        "sources": list(Source),
        "staff": users.list_assignees(session, who=who),
        "slas": list(SlaFilter),
        "sorts": list(queries.Sort),
    }


@router.get("/queue")
def page(
    request: Request, session: SessionDep, who: ViewerDep, cfg: SettingsDep, query: QueryDep
) -> Response:
    context = _context(session, who, cfg, query)
    return render(request, "queue.html", context, language=language(request, who))


@router.get("/queue/rows")
def rows(
    request: Request, session: SessionDep, who: ViewerDep, cfg: SettingsDep, query: QueryDep
) -> Response:
    """The rows alone; an htmx request's address bar shows the whole page's address."""
    context = _context(session, who, cfg, query)
    headers = {}
    if request.headers.get("hx-request") and not request.headers.get("hx-history-restore-request"):
        headers["HX-Push-Url"] = f"/queue?{query.encoded()}"
    return render(
        request, "queue_rows.html", context, language=language(request, who), headers=headers
    )


@router.get("/queue/events")
async def events(request: Request, who: ViewerDep) -> EventSourceResponse:
    """The queue's event stream: every change that may move its rows (the dashboard's
    stream tells only when its figures are computed again). An open queue is in use."""
    require_staff(who)
    login = login_check(request, in_use=True)
    return event_stream(request, who, login=login, named=False, only=moves_dashboard)
