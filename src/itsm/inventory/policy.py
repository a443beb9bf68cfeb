"""Who may read and change the hardware inventory: technicians and admins.

End users see no item, not even one they hold (the API has always refused them).
The checks take the caller's :class:`~itsm.accounts.principal.Principal` (``None``:
the system, see :mod:`itsm.accounts.policy`) and raise :class:`~itsm.errors.Forbidden`.
"""

from __future__ import annotations

from itsm.accounts.principal import Principal
from itsm.users.policy import require_staff


def check_read(who: Principal | None) -> None:
    require_staff(who)


def check_write(who: Principal | None) -> None:
    require_staff(who)
