"""Who may hear of which domain event: the live views' role filter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from itsm.events.domain import TICKET_PREFIX, DomainEvent

if TYPE_CHECKING:
    from itsm.accounts.principal import Principal


def may_hear(who: Principal, event: DomainEvent) -> bool:
    """Staff hear everything; an end user only what happens to tickets they requested,
    and never that an internal note was written (as ``tickets/access.py`` shows them)."""
    if who.user.is_staff:
        return True
    return (
        event.kind.startswith(TICKET_PREFIX)
        and event.requester_id == who.user.id
        and not event.internal
    )
