"""The one rule of which tickets a user sees, and what they may read of the others.

Staff and the system see every ticket. An end user sees those they requested or watch
(:func:`seen_by`, :func:`sees`); a number of any other ticket in a text they read or
search with is hidden, and other end users stay unnamed. :mod:`itsm.tickets.access`
applies these to every read (a ticket, a list, a search, a history).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session

from itsm.db.fulltext import has_terms
from itsm.tickets.models import LinkKind, Ticket, TicketWatcher
from itsm.users.models import User

if TYPE_CHECKING:
    from itsm.tickets.schemas import TicketFilters

#: What a ticket number in a text reads as for someone who may not open that ticket.
HIDDEN_TICKET = "another ticket"
_NUMBER_IN_TEXT = re.compile(r"TKT-\d{8}-\d{4,}", re.IGNORECASE | re.ASCII)


def sees_all(user: User | None) -> bool:
    """Whether ``user`` sees every ticket and internal note: staff, and the system."""
    return user is None or user.is_staff


def end_user(user: User | None) -> User | None:
    """``user`` if the end users' limits apply to them, else ``None`` (staff, the system)."""
    return None if sees_all(user) else user


def seen_by(user_id: int) -> ColumnElement[bool]:
    """The tickets an end user sees, as a condition on ``tickets``."""
    watched = select(TicketWatcher.ticket_id).where(TicketWatcher.user_id == user_id)
    return or_(Ticket.requester_id == user_id, Ticket.id.in_(watched))


def sees(session: Session, ticket: Ticket, user: User) -> bool:
    """Whether the end user ``user`` sees ``ticket`` (:func:`seen_by` for one ticket)."""
    if ticket.requester_id == user.id:
        return True
    return session.get(TicketWatcher, (ticket.id, user.id)) is not None


def sees_id(session: Session, *, ticket_id: int, user_id: int) -> bool:
    """Whether the end user ``user_id`` sees the ticket ``ticket_id`` (:func:`seen_by`),
    for those who know only ids (the live event streams)."""
    found = exists().where(Ticket.id == ticket_id, seen_by(user_id))
    return bool(session.scalar(select(found)))


def unseen_numbers(
    session: Session, *, viewer: User | None, numbers: Iterable[str]
) -> frozenset[str]:
    """Those of ``numbers`` (upper case) whose ticket ``viewer`` may not open.

    None for staff (and no query); for an end user, every one they neither requested
    nor watch, or that names no ticket. One query, only when there is a number to check.
    """
    asked = {n.upper() for n in numbers}
    if (reader := end_user(viewer)) is None or not asked:
        return frozenset()
    own = session.scalars(
        select(Ticket.number).where(Ticket.number.in_(sorted(asked)), seen_by(reader.id))
    )
    return frozenset(asked.difference(own))


def numbers_in(texts: Iterable[str | None]) -> set[str]:
    """Every ticket number (upper case) written in ``texts``."""
    return {m.upper() for text in texts if text for m in _NUMBER_IN_TEXT.findall(text)}


def without_unseen(text: str | None, unseen: frozenset[str]) -> str | None:
    """``text`` with each number in ``unseen`` replaced by :data:`HIDDEN_TICKET`."""
    if not text or not unseen:
        return text
    return _NUMBER_IN_TEXT.sub(
        lambda m: HIDDEN_TICKET if m.group().upper() in unseen else m.group(), text
    )


def hide_unseen(
    session: Session, *, viewer: User | None, texts: Sequence[str | None]
) -> list[str | None]:
    """``texts`` as ``viewer`` may read them: each number of a ticket they may not
    open replaced by :data:`HIDDEN_TICKET`. Unchanged for staff, without a query."""
    if sees_all(viewer):
        return list(texts)
    unseen = unseen_numbers(session, viewer=viewer, numbers=numbers_in(texts))
    return [without_unseen(text, unseen) for text in texts]


def shown_person(person: User | None, *, viewer: User | None) -> str | None:
    """The username of ``person`` (a comment's author, an event's actor) as ``viewer``
    may read it: ``None`` for an end user when ``person`` is another end user (the
    author of a comment copied from a merged ticket), whose name is not theirs to know.
    Staff, and the viewer themselves, are always named."""
    if person is None:
        return None
    if (reader := end_user(viewer)) is None or person.is_staff or person.id == reader.id:
        return person.username
    return None


def searched_text(session: Session, *, viewer: User | None, query: str) -> str | None:
    """``query`` (a search's words, a list's ``text``) as ``viewer`` may search with it.

    Unchanged for staff, without a query. For an end user, every ticket number in it
    of a ticket they may not open (:func:`unseen_numbers`: also a number of no ticket)
    is taken out: the comments of a ticket merged into theirs were copied with
    "[from TKT-…]", and a hit on that number would tell them that ticket exists and
    was merged. ``None`` when that leaves no word to look for: the search then
    matches nothing (an empty result, where a query that never had a word is refused).
    """
    if sees_all(viewer):
        return query
    unseen = unseen_numbers(session, viewer=viewer, numbers=numbers_in([query]))
    if not unseen:
        return query
    left = _NUMBER_IN_TEXT.sub(lambda m: " " if m.group().upper() in unseen else m.group(), query)
    return left if has_terms(left) else None


def searched_filters(
    session: Session, *, viewer: User | None, filters: TicketFilters
) -> TicketFilters | None:
    """``filters`` with their ``text`` as ``viewer`` may search with it
    (:func:`searched_text`); ``None`` when they can match no ticket."""
    if not filters.text or sees_all(viewer):
        return filters
    text = searched_text(session, viewer=viewer, query=filters.text)
    if text is None:
        return None
    return filters if text == filters.text else filters.model_copy(update={"text": text})


def shown_link(
    kind: str, number: str | None, unseen: frozenset[str]
) -> tuple[str, str | None] | None:
    """A link ``(kind, other ticket's number)`` as a viewer who may not open ``unseen`` sees it.

    A link to a ticket they may open is shown as it is. One to a ticket they may not
    open is left out (``None``), except ``merged_into``: it says why their ticket was
    closed, so it is shown, with the number ``None``.
    """
    if number is None or number.upper() not in unseen:
        return kind, number
    if kind == LinkKind.MERGED_INTO:
        return kind, None
    return None
