"""The filters of ``itsm ticket list`` and ``itsm ticket export``, from their options."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from itsm.cli.common import choice_list

if TYPE_CHECKING:
    from itsm.tickets.schemas import TicketFilters

# The filter options, the same for both commands.
StatusOpt = Annotated[list[str] | None, typer.Option(help="Filter; repeat or comma-separate.")]
PriorityOpt = Annotated[list[str] | None, typer.Option(help="Filter by priority.")]
CategoryOpt = Annotated[list[str] | None, typer.Option(help="Filter by category.")]
AssigneeOpt = Annotated[str | None, typer.Option(help="Assigned to this user.")]
RequesterOpt = Annotated[str | None, typer.Option(help="Requested by this user.")]
UnassignedOpt = Annotated[bool, typer.Option(help="Only tickets nobody has taken.")]
ActiveOpt = Annotated[bool, typer.Option(help="Only open, in_progress and pending.")]
TextOpt = Annotated[str | None, typer.Option(help="Full-text filter.")]


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
    from itsm.tickets.models import ACTIVE_STATUSES, Category, Priority, Status
    from itsm.tickets.schemas import TicketFilters
    from itsm.validation import validated

    statuses = choice_list(Status, status, name="status") or (
        list(ACTIVE_STATUSES) if active else []
    )
    return validated(
        TicketFilters,
        {
            "status": statuses,
            "priority": choice_list(Priority, priority, name="priority"),
            "category": choice_list(Category, category, name="category"),
            "assignee": assignee,
            "requester": requester,
            "unassigned": unassigned,
            "text": text,
        },
    )
