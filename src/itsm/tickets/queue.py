"""The technicians' queue: its views (tabs) as ticket filters, and who may open it.

A view is a fixed slice of :class:`TicketFilters` laid over the filters a person
chose, so the queue pages through :func:`itsm.tickets.access.list_page` like the
API's list. The web app's ``/queue`` is its only door today.
"""

from __future__ import annotations

from enum import StrEnum

from itsm.errors import N_, NotFound
from itsm.sla.due import SlaFilter
from itsm.tickets.models import ACTIVE_STATUSES
from itsm.tickets.queries import Sort
from itsm.tickets.schemas import TicketFilters
from itsm.tickets.visibility import sees_all
from itsm.users.models import User


class QueueView(StrEnum):
    MINE = "mine"  # assigned to the viewer, active
    UNASSIGNED = "unassigned"  # nobody has taken it, active
    ACTIVE = "active"  # every active ticket
    DUE_SOON = "due-soon"  # the running SLA clock is due within sla.due_soon_minutes
    BREACHED = "breached"  # the running SLA clock is past due


#: The SLA views list what is due first; the others the newest first, as the API does.
_SORT = {QueueView.DUE_SOON: Sort.DUE, QueueView.BREACHED: Sort.DUE}


def check_queue(viewer: User | None) -> None:
    """Staff only; anyone else is told there is no such page, as for any unknown path,
    so that the staff pages are not advertised to end users."""
    if not sees_all(viewer):
        raise NotFound(N_("page not found"))


def default_sort(view: QueueView) -> Sort:
    return _SORT.get(view, Sort.NEWEST)


def view_filters(view: QueueView, *, viewer: User, filters: TicketFilters) -> TicketFilters:
    """``filters`` narrowed to ``view``; the view's own field wins over a chosen one.

    A chosen status replaces the active statuses the views default to, so the
    "all active" tab with status "resolved" lists the resolved tickets.
    """
    update: dict[str, object] = {}
    if not filters.status and view in {QueueView.MINE, QueueView.UNASSIGNED, QueueView.ACTIVE}:
        update["status"] = list(ACTIVE_STATUSES)
    if view is QueueView.MINE:
        update["assignee"] = [str(viewer.id)]
        update["unassigned"] = False
    elif view is QueueView.UNASSIGNED:
        update["unassigned"] = True
        update["assignee"] = []
    elif view is QueueView.DUE_SOON:
        update["sla"] = SlaFilter.DUE_SOON
    elif view is QueueView.BREACHED:
        update["sla"] = SlaFilter.BREACHED
    return filters.model_copy(update=update)
