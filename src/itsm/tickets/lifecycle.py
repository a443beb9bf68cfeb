"""Which status may follow which: the one place the ticket lifecycle is written down."""

from __future__ import annotations

from datetime import datetime, timedelta

from itsm.errors import N_, Counted, choices
from itsm.tickets.errors import InvalidTransition
from itsm.tickets.models import Status

TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    Status.OPEN: (Status.IN_PROGRESS, Status.PENDING, Status.RESOLVED, Status.CLOSED),
    Status.IN_PROGRESS: (Status.OPEN, Status.PENDING, Status.RESOLVED, Status.CLOSED),
    Status.PENDING: (Status.OPEN, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED),
    Status.RESOLVED: (Status.CLOSED, Status.OPEN, Status.IN_PROGRESS),
    Status.CLOSED: (Status.OPEN,),
}


def allowed_next(current: Status) -> tuple[Status, ...]:
    return TRANSITIONS[current]


def check_transition(current: Status, target: Status) -> None:
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(
            N_(
                "cannot change status from %(current)s to %(target)s; allowed from "
                "%(current)s: %(allowed)s"
            ),
            current=current,
            target=target,
            allowed=choices(TRANSITIONS[current]),
        )


def check_reopen_window(closed_at: datetime | None, now: datetime, window_days: float) -> None:
    """A closed ticket may be reopened only for ``window_days`` after it was closed."""
    if closed_at is None or now - closed_at <= timedelta(days=window_days):
        return
    age = (now - closed_at).days
    raise InvalidTransition(
        N_(
            "this ticket was closed %(age)s ago and can be reopened only within "
            "%(window)s; open a new ticket that refers to it"
        ),
        age=Counted(age, N_("%(num)s day"), N_("%(num)s days")),
        window=Counted(window_days, N_("%(num)s day"), N_("%(num)s days")),
    )


REOPENED_FROM = (Status.RESOLVED, Status.CLOSED)


def check_reopen(
    number: str, status: Status, closed_at: datetime | None, now: datetime, window_days: float
) -> None:
    """A ticket may be reopened (back to open) when resolved, or closed within
    ``window_days``: what the reopen action enforces and a page asks before offering it."""
    if status not in REOPENED_FROM:
        raise InvalidTransition(
            N_("%(number)s is %(status)s, not resolved or closed"), number=number, status=status
        )
    check_transition(status, Status.OPEN)
    if status == Status.CLOSED:
        check_reopen_window(closed_at, now, window_days)


def reopenable(
    number: str, status: Status, closed_at: datetime | None, now: datetime, window_days: float
) -> bool:
    """Whether :func:`check_reopen` lets a ticket in ``status`` be reopened now."""
    try:
        check_reopen(number, status, closed_at, now, window_days)
    except InvalidTransition:
        return False
    return True
