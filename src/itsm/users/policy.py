"""Who may do what with people's accounts, and the role rules other domains share.

Each check takes the caller's :class:`~itsm.accounts.principal.Principal` and raises
:class:`~itsm.errors.Forbidden`; the services call them, the API (also as its role
gates, :func:`itsm.api.deps.allowed`) and the CLI (``--as``) reach them through the
services. ``None`` is the system (see :mod:`itsm.accounts.policy`): nothing refused.
Agent tokens act for no person: every check refuses them first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from itsm.errors import N_, Forbidden

if TYPE_CHECKING:  # the storing agent (who is None) does not load the accounts domain
    from itsm.accounts.principal import Principal


def require_person(who: Principal | None) -> None:
    """:func:`itsm.accounts.policy.require_person`, loaded only when someone acts."""
    if who is None:
        return
    from itsm.accounts.policy import require_person as accounts_require_person

    accounts_require_person(who)


def is_admin(who: Principal | None) -> bool:
    if who is None:
        return True
    from itsm.accounts.policy import is_admin as accounts_is_admin

    return accounts_is_admin(who)


def require_staff(who: Principal | None) -> None:
    """Technicians and admins only."""
    require_person(who)
    if who is not None and not who.user.is_staff:
        raise Forbidden(N_("only technicians and admins may do this"))


def require_admin(who: Principal | None) -> None:
    """Admins only."""
    require_person(who)
    if not is_admin(who):
        raise Forbidden(N_("only admins may do this"))


def check_list(who: Principal | None) -> None:
    """Staff list people (they assign tickets to them)."""
    require_staff(who)


def check_show(who: Principal | None, *, own: bool) -> None:
    """Staff read anyone; anyone else only themselves (``own``), refused before any
    lookup so that the refusal does not tell whether the account exists."""
    require_person(who)
    if who is None or own or who.user.is_staff:
        return
    raise Forbidden(N_("end users may only see their own account"))


def check_manage(who: Principal | None) -> None:
    """Admins add people, change their details and roles and deactivate them."""
    require_admin(who)
