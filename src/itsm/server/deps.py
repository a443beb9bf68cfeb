"""Request-scoped dependencies both doors use: the database session and the settings.

One session per request, committed when the route returns and rolled back when it
raises (``scope="function"`` ends it before the response is sent, so a failed
commit becomes an error response, never a lost write after a 2xx).

Each plain ``def`` dependency or route costs a trip through the thread pool (two
thread switches), a large share of a short read: the session is opened on the
event loop (that does no I/O), so that only the route and the commit go to threads.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from anyio import CancelScope, CapacityLimiter
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from itsm.config import Settings
from itsm.db.runtime import Database
from itsm.server import client_address as addresses

_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
F = TypeVar("F", bound=Callable[..., Any])


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def settings(request: Request) -> Settings:
    cfg: Settings = request.app.state.settings
    return cfg


async def _settings(request: Request) -> Settings:
    """:func:`settings` as a dependency: on the event loop (it does no I/O)."""
    return settings(request)


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
SettingsDep = Annotated[Settings, Depends(_settings)]


def client_address(request: Request) -> str:
    """The caller's address; ``X-Forwarded-For`` only as far as trusted proxies wrote it."""
    peer = request.client.host if request.client else "unknown"
    trusted = tuple(settings(request).api.trusted_proxies)
    return addresses.client_address(peer, request.headers.get("x-forwarded-for"), trusted)
