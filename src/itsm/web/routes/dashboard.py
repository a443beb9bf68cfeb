"""The live dashboard (staff): the queue now, the last days' figures and host health,
read again by the page on every event of its stream (``static/dashboard.js``)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request, Response
from sse_starlette import EventSourceResponse

from itsm.api.deps import SessionDep
from itsm.api.live import Hub, event_stream
from itsm.db.base import utcnow
from itsm.reports.dashboard import dashboard, past_days
from itsm.reports.schemas import Dashboard, DayFigures
from itsm.users.policy import require_staff
from itsm.web.session import ViewerDep, language, login_check
from itsm.web.templating import render

router = APIRouter()

#: Figures computed within this many seconds of each other, with no change between,
#: are served again to every open dashboard ("due within the hour" moves with time).
FRESH_S = 15.0
#: The trend's past days are read again at most this often (a late rating moves them).
PAST_DAYS_S = 300.0


@dataclass
class _Cached:
    generation: int
    at: datetime
    figures: Dashboard


@dataclass
class _PastDays:
    at: datetime
    days: list[DayFigures]


_lock = threading.Lock()


def _figures(request: Request, session: SessionDep, who: ViewerDep) -> Dashboard:
    """The dashboard's figures; one computation serves every dashboard until a change."""
    state = request.app.state
    hub: Hub = state.live
    zone = state.settings.zone
    generation, now = hub.generation, utcnow()
    cached: _Cached | None = getattr(state, "dashboard_cache", None)
    if (
        cached is not None
        and cached.generation == generation
        and (now - cached.at).total_seconds() < FRESH_S
    ):
        return cached.figures
    past: _PastDays | None = getattr(state, "dashboard_past_days", None)
    if (
        past is None
        or (now - past.at).total_seconds() >= PAST_DAYS_S
        or past.at.astimezone(zone).date() != now.astimezone(zone).date()
    ):
        past = _PastDays(now, past_days(session, now=now, zone=zone))
    figures = dashboard(session, who=who, now=now, zone=zone, past_days=past.days)
    with _lock:
        state.dashboard_cache = _Cached(generation, now, figures)
        state.dashboard_past_days = past
    return figures


@router.get("/dashboard")
def page(request: Request, session: SessionDep, who: ViewerDep) -> Response:
    """The whole page (a wall screen: leave it open, it updates by itself)."""
    require_staff(who)
    figures = _figures(request, session, who)
    context = _context(request, figures)
    return render(request, "dashboard.html", context, language=language(request, who))


@router.get("/dashboard/panel")
def panel(request: Request, session: SessionDep, who: ViewerDep) -> Response:
    """The page's figures alone, which its script puts in place of the old ones."""
    require_staff(who)
    figures = _figures(request, session, who)
    context = _context(request, figures)
    return render(request, "dashboard_panel.html", context, language=language(request, who))


@router.get("/dashboard/events")
async def events(request: Request, who: ViewerDep) -> EventSourceResponse:
    """The page's event stream (the session cookie's person; staff hear every change)."""
    require_staff(who)
    return event_stream(request, who, login=login_check(request), named=False)


def _context(request: Request, figures: Dashboard) -> dict[str, object]:
    zone = request.app.state.settings.zone
    return {
        "figures": figures,
        "total_active": sum(sum(row.values()) for row in figures.active.values()),
        # the charts' x axis: each day's midnight in the configured zone, in Unix seconds
        "days_x": [
            int(datetime(d.day.year, d.day.month, d.day.day, tzinfo=zone).timestamp())
            for d in figures.days
        ],
    }
