"""The inventory as staff browse it: items and their tickets, and the hosts that send
diagnostics reports with their latest status and history; read through the services
the API uses (:mod:`itsm.inventory.service`, :mod:`itsm.diagnostics.service`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from itsm.accounts.principal import Principal
from itsm.diagnostics import policy as diagnostics_policy
from itsm.diagnostics import service as diagnostics
from itsm.diagnostics.report import Report
from itsm.errors import N_
from itsm.inventory import policy
from itsm.inventory import service as inventory
from itsm.inventory.errors import AssetNotFound
from itsm.inventory.models import AssetStatus, AssetType
from itsm.server.deps import SessionDep
from itsm.tickets import access
from itsm.tickets.schemas import TicketFilters, TicketRead
from itsm.users import service as users
from itsm.users.errors import UserNotFound
from itsm.web.session import language
from itsm.web.staff import staff_gate
from itsm.web.templating import render

router = APIRouter(prefix="/inventory")
Reader = Annotated[Principal, staff_gate(policy.check_read)]
ReportReader = Annotated[Principal, staff_gate(diagnostics_policy.check_read)]
#: Reports per page of a host's history, and tickets shown on an item's or host's page.
HISTORY_PAGE = 20
TICKETS_SHOWN = 50


def _tickets(session: SessionDep, who: Principal, asset_id: int | None) -> list[TicketRead]:
    """The newest tickets about the inventory item ``asset_id``."""
    if asset_id is None:
        return []
    filters = TicketFilters(asset_id=asset_id)
    rows, _ = access.list_page(session, viewer=who.user, filters=filters, limit=TICKETS_SHOWN)
    return access.ticket_views(session, viewer=who.user, tickets=rows)


@router.get("/assets")
def assets(
    request: Request,
    session: SessionDep,
    who: Reader,
    status: Annotated[str, Query(max_length=32)] = "",
    asset_type: Annotated[str, Query(max_length=32)] = "",
    owner: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """The items, filtered as ``itsm inventory list`` filters them."""
    filters = {"status": status, "asset_type": asset_type, "owner": owner.strip()}
    unknown_owner = False
    try:
        rows = inventory.list_assets(
            session,
            who=who,
            status=AssetStatus(status) if status in set(AssetStatus) else None,
            asset_type=AssetType(asset_type) if asset_type in set(AssetType) else None,
            owner=filters["owner"] or None,
            limit=1000,
        )
    except UserNotFound:
        rows, unknown_owner = [], True
    return render(
        request,
        "staff/assets.html",
        {
            "assets": inventory.asset_reads(session, rows),
            "filters": filters,
            "unknown_owner": unknown_owner,
            "statuses": list(AssetStatus),
            "types": list(AssetType),
        },
        language=language(request, who),
    )


@router.get("/assets/{ref:path}")
def asset(
    ref: Annotated[str, Path(min_length=1, max_length=255)],
    request: Request,
    session: SessionDep,
    who: Reader,
) -> Response:
    """One item (by id, asset tag or hostname), its owner by name and its tickets."""
    found = inventory.show_asset(session, who=who, ref=ref)
    read = inventory.asset_read(session, found)
    owner = users.get_user(session, ref=found.owner_id) if found.owner_id is not None else None
    return render(
        request,
        "staff/asset.html",
        {
            "asset": read,
            "owner": owner,
            "tickets": _tickets(session, who, found.id),
        },
        language=language(request, who),
    )


@router.get("/hosts")
def hosts(request: Request, session: SessionDep, who: ReportReader) -> Response:
    """Every host that sent a report, with its latest status."""
    latest = diagnostics.latest_by_host(session, who=who)
    return render(request, "staff/hosts.html", {"hosts": latest}, language=language(request, who))


@router.get("/hosts/{host:path}")
def host(
    host: Annotated[str, Path(min_length=1, max_length=255)],
    request: Request,
    session: SessionDep,
    who: ReportReader,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """A host's latest report, a page of its report history and its tickets."""
    newest = diagnostics.history(session, who=who, host=host, limit=1)
    if not newest:
        raise AssetNotFound(N_("no diagnostics report from host %(host)r"), host=host[:255])
    # One more than a page: whether there is a page after this one.
    rows = diagnostics.history(
        session, who=who, host=host, limit=HISTORY_PAGE + 1, offset=(page - 1) * HISTORY_PAGE
    )
    latest = newest[0]
    context: dict[str, Any] = {
        "host": host,
        "latest": latest,
        "report": Report.model_validate(latest.report),
        "history": [diagnostics.summary(r) | {"at": r.collected_at} for r in rows[:HISTORY_PAGE]],
        "page": page,
        "more": len(rows) > HISTORY_PAGE,
        "tickets": _tickets(session, who, latest.asset_id),
    }
    return render(request, "staff/host.html", context, language=language(request, who))
