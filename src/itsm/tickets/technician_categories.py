"""The ticket categories each technician works on (issue 15: "technicians of the
category"). A technician with none set works on every category, so nothing changes
until an admin sets some; admins are told of every category whatever is set.
Who is told uses :func:`by_technician`; :mod:`itsm.notify.policy` holds the rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from itsm.errors import N_, InvalidInput, choices
from itsm.events import domain as events
from itsm.tickets.models import Category, TechnicianCategory
from itsm.users import policy
from itsm.users import service as users
from itsm.users.models import Role, User

if TYPE_CHECKING:
    from itsm.accounts.principal import Principal

_ORDER = list(Category)


class NotATechnician(InvalidInput):
    """Categories are given to technicians only (admins hear of every category)."""


def parse(values: Iterable[str]) -> list[Category]:
    """``values`` as categories in their usual order, without repeats; an unknown one
    is refused with the allowed values."""
    found: set[Category] = set()
    for raw in values:
        text = raw.strip().lower()
        if not text:
            continue
        try:
            found.add(Category(text))
        except ValueError:
            raise InvalidInput(
                N_("unknown category %(category)r; choose from %(allowed)s"),
                category=raw.strip(),
                allowed=choices(_ORDER),
            ) from None
    return sorted(found, key=_ORDER.index)


def categories_of(session: Session, user: User) -> list[Category]:
    """The categories set for ``user`` (empty: every category), in their usual order."""
    stmt = select(TechnicianCategory.category).where(TechnicianCategory.user_id == user.id)
    return sorted((Category(c) for c in session.scalars(stmt)), key=_ORDER.index)


def show(session: Session, *, who: Principal | None, ref: int | str) -> tuple[User, list[Category]]:
    """A person's categories, for staff (who assign tickets by them)."""
    policy.check_list(who)
    user = users.get_user(session, ref=ref)
    return user, categories_of(session, user)


def set_categories(
    session: Session, *, who: Principal | None, ref: int | str, categories: Iterable[str]
) -> tuple[User, list[Category]]:
    """Set a technician's categories (admins only); none: every category."""
    policy.check_manage(who)
    wanted = parse(categories)
    user = users.get_user(session, ref=ref)
    if user.role != Role.TECHNICIAN or user.system:
        raise NotATechnician(
            N_(
                "%(username)r is a %(role)s; categories are set for technicians only"
                " (admins are told of every category)"
            ),
            username=user.username,
            role=user.role,
        )
    before = categories_of(session, user)
    if before == wanted:
        return user, before
    session.execute(delete(TechnicianCategory).where(TechnicianCategory.user_id == user.id))
    session.add_all(TechnicianCategory(user_id=user.id, category=c) for c in wanted)
    session.flush()
    actor = who.user.id if who is not None else None
    events.emit(
        session, events.DomainEvent(kind=events.USER_UPDATED, user_id=user.id, actor_id=actor)
    )
    return user, wanted


def by_technician(session: Session) -> Mapping[int, frozenset[str]]:
    """Each technician with categories set, and those categories (one query)."""
    rows = session.execute(select(TechnicianCategory.user_id, TechnicianCategory.category))
    found: dict[int, set[str]] = {}
    for user_id, category in rows:
        found.setdefault(user_id, set()).add(category)
    return {user_id: frozenset(cats) for user_id, cats in found.items()}
