"""The filters of ``itsm ticket list`` and ``itsm ticket export``, from their options."""

from __future__ import annotations

from typing import TYPE_CHECKING

from itsm.cli.common import split_csv

if TYPE_CHECKING:
    from itsm.tickets.schemas import TicketFilters


def ticket_filters(
    status: list[str] | None,
    priority: list[str] | None,
    category: list[str] | None,
    assignee: str | None,
    requester: str | None,
    unassigned: bool,
    active: bool,
    text: str | None,
) -> TicketFilters:
    """The filters of ``list`` and ``export``, validated (``--active`` = every active status)."""
    from itsm.tickets.models import ACTIVE_STATUSES
    from itsm.tickets.schemas import TicketFilters
    from itsm.validation import validated

    statuses = split_csv(status) or ([s.value for s in ACTIVE_STATUSES] if active else [])
    return validated(
        TicketFilters,
        {
            "status": statuses,
            "priority": split_csv(priority),
            "category": split_csv(category),
            "assignee": assignee,
            "requester": requester,
            "unassigned": unassigned,
            "text": text,
        },
    )
