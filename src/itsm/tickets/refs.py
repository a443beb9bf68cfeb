"""A ticket's or a user's reference as a caller typed it (an id, a number, a username),
refused as "not found" when no row can have it, before any database compares it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from itsm.db.ids import parse_id
from itsm.errors import N_
from itsm.tickets.errors import TicketNotFound
from itsm.users import service as users
from itsm.users.errors import UserNotFound
from itsm.users.models import User

_MAX_REF = 64


def _bad_ref(text: str) -> bool:
    """A reference no row can have, which a database would refuse to even compare."""
    if len(text) > _MAX_REF or "\x00" in text:
        return True
    return text.isdigit() and parse_id(text) is None  # digits the services would read as an id


def ticket_ref(ref: int | str) -> str:
    """``ref`` as text, refused as not found when it cannot be any ticket's id or number."""
    text = str(ref).strip()
    if _bad_ref(text):
        raise not_found(text[:_MAX_REF])
    return text


def not_found(text: str) -> TicketNotFound:
    """What a missing ticket ``text`` is told as, the same on every path."""
    return TicketNotFound(
        N_("ticket %(text)r does not exist (give an id or a TKT-YYYYMMDD-NNNN number)"), text=text
    )


def user_ref(session: Session, ref: int | str) -> User:
    """A user by id or username, with references no user can have refused as not found."""
    text = str(ref).strip()
    if _bad_ref(text):
        raise UserNotFound(N_("user %(text)r does not exist"), text=text[:_MAX_REF])
    return users.get_user(session, ref=text)
