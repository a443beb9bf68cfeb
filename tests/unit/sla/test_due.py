"""The due time the queue sorts by: the clock that runs next, or none."""

from __future__ import annotations

from datetime import UTC, datetime

from itsm.sla.due import DueClock, due_clock, next_due

FR_DUE = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
RES_DUE = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)
RESPONDED = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def _due(*, running: bool, responded: datetime | None) -> datetime | None:
    return next_due(
        running=running,
        first_response_at=responded,
        first_response_due_at=FR_DUE,
        resolution_due_at=RES_DUE,
    )


def test_first_response_until_someone_responds_then_resolution() -> None:
    assert _due(running=True, responded=None) == FR_DUE
    assert due_clock(running=True, first_response_at=None) is DueClock.FIRST_RESPONSE
    assert _due(running=True, responded=RESPONDED) == RES_DUE
    assert due_clock(running=True, first_response_at=RESPONDED) is DueClock.RESOLUTION


def test_no_due_time_while_no_clock_runs() -> None:
    assert _due(running=False, responded=None) is None
    assert due_clock(running=False, first_response_at=None) is None
    no_sla = next_due(
        running=True, first_response_at=None, first_response_due_at=None, resolution_due_at=None
    )
    assert no_sla is None
