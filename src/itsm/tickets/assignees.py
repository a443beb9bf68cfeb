"""Who may take tickets: the one rule every door and job that assigns goes through."""

from __future__ import annotations

from itsm.errors import N_, InvalidInput
from itsm.users import service as users
from itsm.users.models import User


class SystemAccount(InvalidInput):
    """A system account (the diagnostics agent's) was named to take tickets."""


def require_assignable(user: User) -> User:
    """``user`` if they may be given tickets: an active technician or admin that is no
    system account (:attr:`User.system`), whatever role that account was given."""
    if user.system:
        raise SystemAccount(
            N_(
                "%(username)r is the diagnostics agent's account and cannot be "
                "assigned tickets; give a technician or admin"
            ),
            username=user.username,
        )
    return users.require_staff(user)
