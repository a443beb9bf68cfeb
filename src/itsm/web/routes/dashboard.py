"""The live dashboard (staff): the queue now, the last days' figures and host health,
read again by the page on every event of its stream (``static/dashboard.js``)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from sse_starlette import EventSourceResponse

from itsm.events.policy import shows_on_dashboard
from itsm.reports.dashboard_cache import DashboardCache
from itsm.reports.schemas import Dashboard
from itsm.server.deps import SessionDep
from itsm.server.live import Hub, event_stream
from itsm.users.policy import require_staff
from itsm.web.session import ViewerDep, language, login_check
from itsm.web.templating import render

router = APIRouter()


def _figures(request: Request, session: SessionDep, who: ViewerDep) -> Dashboard:
    """The dashboard's figures; one computation serves every dashboard until a change."""
    state = request.app.state
    cache: DashboardCache = state.dashboard
    hub: Hub = state.live
    return cache.figures(session, who=who, generation=hub.generation)


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
    """The page's event stream: a change has the server compute the figures again, and
    the page hears when they are in place. An open dashboard is in use, as a wall screen
    is: it keeps its session from idling out, up to the session's absolute expiry."""
    require_staff(who)
    login = login_check(request, in_use=True)
    return event_stream(
        request, who, login=login, named=False, only=shows_on_dashboard, dashboard=True
    )


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
