"""Request-scoped dependencies: the database session, the caller, and role gates.

One session per request, committed when the route returns and rolled back when it
raises (``scope="function"`` ends it before the response is sent, so a failed
commit becomes an error response, never a lost write after a 2xx).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from itsm.accounts import service as accounts
from itsm.accounts.service import Principal
from itsm.config import Settings
from itsm.db.runtime import Database
from itsm.errors import Forbidden, Unauthenticated
from itsm.users.models import Role

_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def settings(request: Request) -> Settings:
    cfg: Settings = request.app.state.settings
    return cfg


def db_session(request: Request) -> Iterator[Session]:
    with database(request).session(write=request.method not in _SAFE) as session:
        yield session


SessionDep = Annotated[Session, Depends(db_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(settings)]


def client_address(request: Request) -> str:
    """The caller's address; ``X-Forwarded-For`` only from a configured trusted proxy."""
    peer = request.client.host if request.client else "unknown"
    trusted = settings(request).api.trusted_proxies
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded and peer in trusted:
        return forwarded.split(",")[0].strip()[:64] or peer
    return peer


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("missing API token: send the header 'Authorization: Bearer <token>'")
    return secret.strip()


def caller(request: Request, session: SessionDep) -> Principal:
    """Anyone with a valid token, agents included."""
    return accounts.principal_for(session, secret=_bearer(request))


CallerDep = Annotated[Principal, Depends(caller)]


def person(who: CallerDep) -> Principal:
    """A person's token: agent tokens may only send diagnostic reports."""
    if who.is_agent:
        raise Forbidden("agent tokens may only send diagnostic reports")
    return who


PersonDep = Annotated[Principal, Depends(person)]


def staff(who: PersonDep) -> Principal:
    if not who.user.is_staff:
        raise Forbidden("only technicians and admins may do this")
    return who


StaffDep = Annotated[Principal, Depends(staff)]


def admin(who: PersonDep) -> Principal:
    if who.user.role != Role.ADMIN:
        raise Forbidden("only admins may do this")
    return who


AdminDep = Annotated[Principal, Depends(admin)]
