"""The queue's pure rules: a clock's due state, and each view's filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from itsm.errors import NotFound
from itsm.sla.due import DueState, SlaFilter, due_state
from itsm.tickets.models import ACTIVE_STATUSES, Status
from itsm.tickets.queries import Sort
from itsm.tickets.queue import QueueView, check_queue, default_sort, view_filters
from itsm.tickets.schemas import TicketFilters
from itsm.users.models import Role, User

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("due_at", "state"),
    [
        (None, None),
        (NOW - timedelta(seconds=1), DueState.BREACHED),
        (NOW, DueState.BREACHED),  # due now is past due, as the sla=breached slice says
        (NOW + HOUR, DueState.SOON),
        (NOW + HOUR + timedelta(seconds=1), DueState.OK),
    ],
)
def test_a_clock_is_ok_due_soon_or_breached_at_the_filters_boundaries(
    due_at: datetime | None, state: DueState | None
) -> None:
    assert due_state(due_at, now=NOW, due_soon=HOUR) is state


def test_each_view_lays_its_slice_over_the_chosen_filters() -> None:
    tech = User(id=7, username="tina", full_name="Tina", role=Role.TECHNICIAN)
    chosen = TicketFilters(assignee="omar", priority=["high"])
    active = list(ACTIVE_STATUSES)

    mine = view_filters(QueueView.MINE, viewer=tech, filters=chosen)
    assert (mine.assignee, mine.status, mine.priority) == (["7"], active, ["high"])
    free = view_filters(QueueView.UNASSIGNED, viewer=tech, filters=chosen)
    assert (free.assignee, free.unassigned, free.status) == ([], True, active)
    assert view_filters(QueueView.ACTIVE, viewer=tech, filters=chosen).assignee == ["omar"]
    resolved = TicketFilters(status=[Status.RESOLVED])
    assert view_filters(QueueView.ACTIVE, viewer=tech, filters=resolved).status == ["resolved"]
    soon = view_filters(QueueView.DUE_SOON, viewer=tech, filters=chosen)
    assert (soon.sla, soon.status) == (SlaFilter.DUE_SOON, [])
    late = view_filters(QueueView.BREACHED, viewer=tech, filters=chosen)
    assert late.sla is SlaFilter.BREACHED
    assert [default_sort(v) for v in QueueView] == [Sort.NEWEST] * 3 + [Sort.DUE] * 2


def test_only_staff_have_a_queue() -> None:
    check_queue(User(id=1, username="a", full_name="A", role=Role.ADMIN))
    check_queue(None)  # the system
    with pytest.raises(NotFound):
        check_queue(User(id=2, username="u", full_name="U", role=Role.USER))
