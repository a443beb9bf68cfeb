"""Who may hear of which domain event, and which events the live dashboard shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from itsm.accounts.policy import is_admin
from itsm.events.domain import DASHBOARD_REFRESHED, TICKET_PREFIX, TOKEN_PREFIX, DomainEvent

if TYPE_CHECKING:
    from itsm.accounts.principal import Principal

#: What the dashboard's figures are read from: tickets, hosts (inventory assets and
#: their reports) and the technicians whose load it shows. Not tokens or articles.
_DASHBOARD_PREFIXES = (TICKET_PREFIX, "tickets.", "host.", "asset.", "user.", "resync")


#: Whether the end user sees the ticket of this id (``tickets/visibility.py``'s rule).
SeesTicket = Callable[[int], bool]


def may_hear(who: Principal, event: DomainEvent, *, sees: SeesTicket) -> bool:
    """An end user hears only what happens to tickets they see (requested or watch: the
    one rule, asked through ``sees``), and never that an internal note was written: no
    people, tokens, inventory or articles. Staff hear the rest, but of tokens only their
    own (as they list them); admins hear everything."""
    if not who.user.is_staff:
        return (
            event.kind.startswith(TICKET_PREFIX)
            and not event.internal
            and event.ticket_id is not None
            and sees(event.ticket_id)
        )
    if event.kind.startswith(TOKEN_PREFIX):
        return is_admin(who) or event.user_id == who.user.id
    return True


def moves_dashboard(event: DomainEvent) -> bool:
    """Whether ``event`` may change the live dashboard's figures (its page reads them again)."""
    return event.kind.startswith(_DASHBOARD_PREFIXES)


def shows_on_dashboard(event: DomainEvent) -> bool:
    """Whether the dashboard page reads its figures again on ``event``: once they have
    been computed again after a change (not at the change itself, which would only
    read the last ones), or when its stream may have missed events."""
    return event.kind in (DASHBOARD_REFRESHED, "resync")
