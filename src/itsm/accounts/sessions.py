"""Web sessions: a server-side row per browser login, revocable, with idle and
absolute expiry, and the CSRF token of the forms it sends.

The cookie carries 256 random bits; only their SHA-256 is stored (as for API
tokens), so the table leaks no usable cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from itsm.accounts.errors import BadCredentials
from itsm.accounts.models import WebSession
from itsm.accounts.principal import Principal
from itsm.db.base import utcnow
from itsm.errors import N_
from itsm.notify import push_subscriptions
from itsm.users.models import User

# Recording every request's time would turn page views into writes: once a minute is
# enough to judge idleness, in a short transaction of its own (see ``touch``).
_TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Lifetime:
    """How long a session lives: unused (``idle``) and at most (``absolute``)."""

    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True)
class Visit:
    """Who a session cookie logs in, the session's CSRF token, and whether to touch it."""

    principal: Principal
    session_id: int
    csrf_token: str
    touch_due: bool


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def open_session(
    session: Session,
    *,
    user: User,
    address: str,
    lifetime: Lifetime,
    replaces: str | None = None,
    now: datetime | None = None,
) -> tuple[WebSession, str]:
    """A new session for ``user`` and its cookie secret (shown once). ``replaces`` is
    the cookie the browser had before: it is revoked, so a login always gets a new id."""
    now = now or utcnow()
    if replaces:
        close_session(session, secret=replaces, now=now)
    prune(session, lifetime=lifetime, now=now)
    secret = secrets.token_urlsafe(32)
    row = WebSession(
        user_id=user.id,
        secret_hash=_digest(secret),
        csrf_token=secrets.token_urlsafe(32),
        address=address[:64],
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime.absolute,
    )
    session.add(row)
    session.flush()
    return row, secret


_SESSION_BY_HASH = select(WebSession, User).join(User, User.id == WebSession.user_id)


def visit(
    session: Session, *, secret: str, lifetime: Lifetime, now: datetime | None = None
) -> Visit:
    """Who the cookie ``secret`` belongs to; a revoked, idle, expired or unknown session,
    or a deactivated user, is :class:`BadCredentials`."""
    if not secret or len(secret) > 200:
        raise BadCredentials(N_("no session"))
    row = session.execute(_SESSION_BY_HASH.where(WebSession.secret_hash == _digest(secret))).first()
    if row is None:
        raise BadCredentials(N_("unknown session"))
    web, user = row
    now = now or utcnow()
    if web.revoked_at is not None:
        raise BadCredentials(N_("the session was closed"))
    if web.expires_at <= now or web.last_seen_at + lifetime.idle <= now:
        raise BadCredentials(N_("the session expired"))
    if not user.is_active:
        raise BadCredentials(N_("user %(username)r is deactivated"), username=user.username)
    return Visit(
        principal=Principal(user=user),
        session_id=web.id,
        csrf_token=web.csrf_token,
        # A short idle time is judged more finely, so that regular use never lapses.
        touch_due=now - web.last_seen_at >= min(_TOUCH_EVERY, lifetime.idle / 4),
    )


def watch(
    session: Session, *, secret: str, lifetime: Lifetime, now: datetime | None = None
) -> Visit:
    """:func:`visit` for a wall screen's open stream, which counts as use: its idle
    clock is reset (so a dashboard on a wall stays logged in), but never past the
    absolute expiry, and a logout, revocation or deactivation still ends it."""
    found = visit(session, secret=secret, lifetime=lifetime, now=now)
    if found.touch_due:
        touch(session, session_id=found.session_id, now=now)
    return found


def prune(session: Session, *, lifetime: Lifetime, now: datetime | None = None) -> int:
    """Delete every session no cookie can use again: past its absolute end, or unused
    for the idle time (what :func:`visit` refuses); a revoked one once it is one of
    those too. Run at each login, so the table holds only sessions that may still live;
    how many were deleted."""
    now = now or utcnow()
    gone = session.scalars(
        delete(WebSession)
        .where(or_(WebSession.expires_at <= now, WebSession.last_seen_at <= now - lifetime.idle))
        .returning(WebSession.id)
    ).all()
    return len(gone)


def touch(session: Session, *, session_id: int, now: datetime | None = None) -> None:
    """Record that a session was used (it stays alive for another idle period)."""
    session.execute(
        update(WebSession).where(WebSession.id == session_id).values(last_seen_at=now or utcnow())
    )


def close_session(session: Session, *, secret: str, now: datetime | None = None) -> bool:
    """Revoke the session of cookie ``secret`` (a logout); whether there was one open."""
    done = session.scalars(
        update(WebSession)
        .where(WebSession.secret_hash == _digest(secret), WebSession.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
        .returning(WebSession.id)
    ).all()
    push_subscriptions.forget_logins(session, web_session_ids=done)
    return bool(done)


def revoke_user_sessions(session: Session, *, user: User, now: datetime | None = None) -> int:
    """Revoke every open session of ``user``; how many."""
    done = session.scalars(
        update(WebSession)
        .where(WebSession.user_id == user.id, WebSession.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
        .returning(WebSession.id)
    ).all()
    push_subscriptions.forget_logins(session, web_session_ids=done)
    return len(done)
