"""Who may read and write the knowledge base.

Every person reads published articles and votes on whether they helped (one vote
each, changeable); technicians and admins also see drafts (a draft is "not found"
for anyone else, like a missing article), may vote on them, and write articles.
Agent tokens read nothing. The checks take the caller's
:class:`~itsm.accounts.principal.Principal` (``None``: the system, see
:mod:`itsm.accounts.policy`) and raise :class:`~itsm.errors.Forbidden`.
"""

from __future__ import annotations

from itsm.accounts.policy import require_person
from itsm.accounts.principal import Principal
from itsm.errors import N_, InvalidInput
from itsm.users.policy import require_staff


def check_read(who: Principal | None) -> None:
    require_person(who)


def sees_drafts(who: Principal | None) -> bool:
    return who is None or who.user.is_staff


def check_write(who: Principal | None) -> None:
    require_staff(who)


def voter(who: Principal | None) -> int:
    """The user id a vote is counted for: a vote is a person's, so the system has none."""
    require_person(who)
    if who is None:
        raise InvalidInput(N_("a vote is a person's: name the voter with --as USER"))
    return who.user.id
