"""The API's dependencies: the caller (a bearer token) and the policy gates.

The policy gates are ``async def`` (they only read the caller), so that only the
token lookup, the route and the commit go to threads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.exc import SQLAlchemyError

from itsm.accounts import service as accounts
from itsm.accounts.policy import require_person
from itsm.accounts.service import Principal
from itsm.db.runtime import Database
from itsm.errors import N_, ItsmError, Unauthenticated
from itsm.server.deps import SessionDep, database
from itsm.users.policy import require_staff

log = logging.getLogger(__name__)


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated(
            N_("missing API token: send the header 'Authorization: Bearer <token>'")
        )
    return secret.strip()


def caller(request: Request, session: SessionDep) -> Principal:
    """Anyone with a valid token, agents included."""
    who = accounts.principal_for(session, secret=bearer(request))
    if who.touch_due and who.token_id is not None:
        if request.state.writes:  # already the writer: a second transaction would wait on us
            accounts.touch_token(session, token_id=who.token_id)
        else:
            _touch(database(request), who.token_id)
    return who


def _touch(db: Database, token_id: int) -> None:
    """Best effort: a busy database must not fail the request over a usage timestamp."""
    try:
        with db.session() as session:
            accounts.touch_token(session, token_id=token_id)
    except (ItsmError, SQLAlchemyError) as exc:  # also a pool timed out waiting
        log.info("could not record use of token %s: %s", token_id, exc)


CallerDep = Annotated[Principal, Depends(caller)]


def allowed(check: Callable[[Principal], None]) -> Any:
    """The caller, as a dependency, once ``check`` (a domain's policy function) lets them in.

    The services make the same check; here it runs before the route's parameters and
    body are read, so a caller refused by role gets 403 whatever they sent (not 422,
    nor anything that tells whether what they named exists).
    """

    async def gate(who: CallerDep) -> Principal:  # only reads the caller: no thread
        check(who)
        return who

    return Depends(gate)


#: A person's token: agent tokens may only send diagnostic reports.
PersonDep = Annotated[Principal, allowed(require_person)]
#: Technicians and admins.
StaffDep = Annotated[Principal, allowed(require_staff)]
