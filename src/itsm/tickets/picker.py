"""The tickets offered to pick from as a merge target or a link: by number or by words.

Through the list and search of :mod:`itsm.tickets.access`, so that a person is offered
exactly the tickets they may see.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress

from sqlalchemy.orm import Session

from itsm.errors import ItsmError
from itsm.tickets import access
from itsm.tickets.models import ACTIVE_STATUSES, Ticket
from itsm.tickets.schemas import TicketFilters
from itsm.users.models import User

#: How many tickets a picker offers at once: a short list to choose from by keyboard.
OFFERED = 8
_MAX_QUERY = 500


def candidates(
    session: Session, *, viewer: User | None, query: str, exclude: int, limit: int = OFFERED
) -> Sequence[Ticket]:
    """Tickets ``viewer`` may see matching ``query``: the one it names (id or number)
    first, then those whose words match it (each word a prefix), newest first; with no
    query, the newest active ones. Never ticket ``exclude`` (the one being merged or
    linked)."""
    text = query.strip()[:_MAX_QUERY]
    found: list[Ticket] = []
    if text:
        # Not a ticket's reference, or not one they may see: words only.
        with suppress(ItsmError):
            found.append(access.visible_ticket(session, ref=text, viewer=viewer))
        if not any(ch.isalnum() for ch in text):  # no word to search for
            return [t for t in found if t.id != exclude]
    filters = TicketFilters(text=text) if text else TicketFilters(status=list(ACTIVE_STATUSES))
    rows, _ = access.list_page(session, viewer=viewer, filters=filters, limit=limit + 2)
    seen = {t.id for t in found}
    found += [t for t in rows if t.id not in seen]
    return [t for t in found if t.id != exclude][:limit]
