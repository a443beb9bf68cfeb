"""The gate of the staff and admin pages: to anyone else such a page is as absent as one that
does not exist (404), so the portal does not tell end users what else is there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Depends

from itsm.accounts.principal import Principal
from itsm.errors import N_, Forbidden, NotFound
from itsm.web.session import ViewerDep


class StaffPageNotFound(NotFound):
    pass


def staff_gate(check: Callable[[Principal], None]) -> Any:
    """The viewer, as a dependency, once ``check`` (a domain's policy function, which
    the services call again) lets them in; anyone it refuses gets the 404 page."""

    async def gate(who: ViewerDep) -> Principal:
        try:
            check(who)
        except Forbidden:
            raise StaffPageNotFound(N_("page not found")) from None
        return who

    return Depends(gate)
