"""Which status may follow which: the one place the ticket lifecycle is written down."""

from __future__ import annotations

from itsm.errors import choices
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
            f"cannot change status from {current} to {target}; "
            f"allowed from {current}: {choices(TRANSITIONS[current])}"
        )
