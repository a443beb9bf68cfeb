"""Who may read and change the hardware inventory: technicians and admins.

End users see no item, not even one they hold (the API has always refused them).
The checks take the caller's :class:`~itsm.accounts.principal.Principal` (``None``:
the system, see :mod:`itsm.accounts.policy`) and raise :class:`~itsm.errors.Forbidden`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the storing agent (who is None) does not load the accounts domain
    from itsm.accounts.principal import Principal


def check_read(who: Principal | None) -> None:
    _require_staff(who)


def check_write(who: Principal | None) -> None:
    _require_staff(who)


def _require_staff(who: Principal | None) -> None:
    if who is None:  # the system: nothing refused, and nothing more to import
        return
    from itsm.users.policy import require_staff

    require_staff(who)
