"""Request-scoped dependencies: the database session, the caller, and policy gates.

One session per request, committed when the route returns and rolled back when it
raises (``scope="function"`` ends it before the response is sent, so a failed
commit becomes an error response, never a lost write after a 2xx).

Each plain ``def`` dependency or route costs a trip through the thread pool (two
thread switches), a large share of a short read: the session is opened on the
event loop (that does no I/O) and the policy gates are ``async def`` (they only read
the caller), so that only the token lookup, the route and the commit go to threads.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from anyio import CancelScope, CapacityLimiter
from fastapi import Depends, Request
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from itsm.accounts import service as accounts
from itsm.accounts.policy import require_person
from itsm.accounts.service import Principal
from itsm.api import client_address as addresses
from itsm.config import Settings
from itsm.db.runtime import Database
from itsm.errors import N_, ItsmError, Unauthenticated
from itsm.users.policy import require_staff

log = logging.getLogger(__name__)

_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
F = TypeVar("F", bound=Callable[..., Any])


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def settings(request: Request) -> Settings:
    cfg: Settings = request.app.state.settings
    return cfg


_WRITES = "_itsm_writes"


def writes(endpoint: F) -> F:
    """Mark a GET route that writes (a view counter): its session starts as a writer.

    On SQLite a read-only session is a deferred transaction, which cannot always be
    upgraded to a writer once another connection has written meanwhile.
    """
    setattr(endpoint, _WRITES, True)
    return endpoint


_OWN_WRITES = "_itsm_own_writes"


def own_write_transactions(endpoint: F) -> F:
    """Mark a route that writes in short transactions of its own (``Database.session``),
    around work no write transaction should wait for (Argon2): its request session
    only reads (the caller's token), so that it holds no write lock meanwhile."""
    setattr(endpoint, _OWN_WRITES, True)
    return endpoint


async def db_session(request: Request) -> AsyncIterator[Session]:
    endpoint = getattr(request.scope.get("route"), "endpoint", None)
    write = request.method not in _SAFE or getattr(endpoint, _WRITES, False)
    write = write and not getattr(endpoint, _OWN_WRITES, False)
    request.state.writes = write
    unit = database(request).session(write=write)
    # No I/O here: the connection is taken, and the transaction begun, on first use,
    # in the worker thread of the dependency or route that uses the session.
    session = unit.__enter__()
    # The commit (or rollback) does I/O: in a thread, with a limiter of its own as
    # FastAPI does for generator dependencies, so that a full thread pool whose
    # threads wait for pooled connections cannot keep them from being given back.
    limiter = CapacityLimiter(1)
    try:
        yield session
    except BaseException as exc:
        with CancelScope(shield=True):
            handled = await anyio.to_thread.run_sync(
                unit.__exit__, type(exc), exc, exc.__traceback__, limiter=limiter
            )
        if not handled:
            raise
    else:
        with CancelScope(shield=True):
            await anyio.to_thread.run_sync(unit.__exit__, None, None, None, limiter=limiter)


SessionDep = Annotated[Session, Depends(db_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(settings)]


def client_address(request: Request) -> str:
    """The caller's address; ``X-Forwarded-For`` only as far as trusted proxies wrote it."""
    peer = request.client.host if request.client else "unknown"
    trusted = tuple(settings(request).api.trusted_proxies)
    return addresses.client_address(peer, request.headers.get("x-forwarded-for"), trusted)


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
