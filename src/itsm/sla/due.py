"""A ticket's next due time: the one the queue is sorted and filtered by.

The due time of the clock that runs next: first response until someone has
responded, then resolution. A ticket whose clock does not run (pending, resolved,
closed, or without SLA) has none. Stored as ``tickets.due_at`` so that the queue
can be read in due order from an index; :mod:`itsm.tickets.models` keeps it current
on every write of a ticket, and the bulk import computes it with this same rule.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum


class SlaFilter(StrEnum):
    """The queue's SLA slices: due within ``sla.due_soon_minutes``, or past due."""

    DUE_SOON = "due-soon"
    BREACHED = "breached"


class DueClock(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


def due_clock(*, running: bool, first_response_at: datetime | None) -> DueClock | None:
    """Which clock ``due_at`` follows; ``None`` when no clock runs."""
    if not running:
        return None
    return DueClock.FIRST_RESPONSE if first_response_at is None else DueClock.RESOLUTION


def next_due(
    *,
    running: bool,
    first_response_at: datetime | None,
    first_response_due_at: datetime | None,
    resolution_due_at: datetime | None,
) -> datetime | None:
    """The due time of the running clock; ``running`` = open or in progress, not paused."""
    clock = due_clock(running=running, first_response_at=first_response_at)
    if clock is DueClock.FIRST_RESPONSE and first_response_due_at is not None:
        return first_response_due_at
    return resolution_due_at if clock is not None else None


class DueState(StrEnum):
    """How close a running clock is to its due time, as the queue shows it."""

    OK = "ok"
    SOON = "soon"  # due within ``sla.due_soon_minutes``
    BREACHED = "breached"  # past due


def due_state(due_at: datetime | None, *, now: datetime, due_soon: timedelta) -> DueState | None:
    """The state of a clock due at ``due_at`` (``None``: no clock runs), the same
    boundaries as the ``sla`` filter's slices."""
    if due_at is None:
        return None
    left = due_at - now
    if left <= timedelta(0):
        return DueState.BREACHED
    return DueState.SOON if left <= due_soon else DueState.OK
