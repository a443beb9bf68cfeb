"""The filters of ``itsm ticket list`` and ``itsm ticket export``, from their options."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from itsm.cli.common import choice_list, choice_or_none

if TYPE_CHECKING:
    from itsm.tickets.schemas import TicketFilters

# The filter options, the same for both commands.
StatusOpt = Annotated[list[str] | None, typer.Option(help="Filter; repeat or comma-separate.")]
PriorityOpt = Annotated[list[str] | None, typer.Option(help="Filter by priority.")]
CategoryOpt = Annotated[list[str] | None, typer.Option(help="Filter by category.")]
SourceOpt = Annotated[
    list[str] | None,
    typer.Option(help="Filter by where it came from: cli, api, web, email, diagnostic, alert."),
]
AssigneeOpt = Annotated[
    list[str] | None,
    typer.Option(help="Assigned to this user (comma-separated or repeated: any of several)."),
]
RequesterOpt = Annotated[str | None, typer.Option(help="Requested by this user.")]
UnassignedOpt = Annotated[bool, typer.Option(help="Only tickets nobody has taken.")]
ActiveOpt = Annotated[bool, typer.Option(help="Only open, in_progress and pending.")]
TextOpt = Annotated[str | None, typer.Option(help="Full-text filter.")]
SlaOpt = Annotated[
    str | None,
    typer.Option(help="due-soon (within sla.due_soon_minutes) or breached (past due)."),
]


def ticket_filters(
    status: list[str] | None,
    priority: list[str] | None,
    category: list[str] | None,
    assignee: list[str] | None,
    requester: str | None,
    unassigned: bool,
    active: bool,
    text: str | None,
    sla: str | None,
    *,
    due_soon_minutes: int,
    source: list[str] | None = None,
) -> TicketFilters:
    """The filters of ``list`` and ``export``, validated (``--active`` = every active status)."""
    from itsm.sla.due import SlaFilter
    from itsm.tickets.models import ACTIVE_STATUSES, Category, Priority, Source, Status
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
            "source": choice_list(Source, source, name="source"),
            # Repeated, or comma-separated as the other lists (no username has a comma).
            "assignee": [p.strip() for a in assignee or [] for p in a.split(",") if p.strip()],
            "requester": requester,
            "unassigned": unassigned,
            "text": text,
            "sla": choice_or_none(SlaFilter, sla, name="sla"),
            "due_soon_minutes": due_soon_minutes,
        },
    )
