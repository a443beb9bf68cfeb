"""Who is browsing: the session cookie, the CSRF check, and the language of the page.

Every state-changing request must carry the session's CSRF token (a form field, or
the ``X-CSRF-Token`` header htmx sends); before login, the login form's token is a
double-submit cookie, since there is no session yet.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from itsm import i18n
from itsm.accounts import sessions
from itsm.accounts.errors import BadCredentials
from itsm.accounts.principal import Principal
from itsm.config import Settings
from itsm.errors import N_, Forbidden, ItsmError
from itsm.notify import inapp
from itsm.server.deps import SessionDep, database, settings
from itsm.users.models import Role
from itsm.web.security import over_tls

log = logging.getLogger(__name__)

COOKIE = "itsm_session"
LOGIN_CSRF_COOKIE = "itsm_login_csrf"
#: The language a visitor picked on the login page, before anyone is logged in.
LANGUAGE_COOKIE = "itsm_language"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequired(Exception):
    """The page needs a logged-in person; the app answers with the login page."""


class CsrfRefused(Forbidden):
    pass


def lifetime(cfg: Settings) -> sessions.Lifetime:
    return sessions.Lifetime(
        idle=timedelta(minutes=cfg.web.session_idle_minutes),
        absolute=timedelta(hours=cfg.web.session_hours),
    )


def set_cookie(
    request: Request, response: Response, name: str, value: str, *, max_age: int | None = None
) -> None:
    """A cookie scripts cannot read, sent only to this site's pages (and only over TLS
    when the browser came over TLS); without ``max_age``, it ends with the browser."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=over_tls(request),
        path="/",
    )


def visit(request: Request, session: SessionDep) -> sessions.Visit | None:
    """The visit the session cookie names, or ``None`` (no cookie, or a dead session)."""
    secret = request.cookies.get(COOKIE)
    if not secret:
        return None
    cfg = settings(request)
    try:
        found = sessions.visit(session, secret=secret, lifetime=lifetime(cfg))
    except BadCredentials:
        return None
    if found.touch_due:
        if request.state.writes:  # already the writer: a second transaction would wait on us
            sessions.touch(session, session_id=found.session_id)
        else:
            _touch(request, found.session_id)
    # What every page shows of the viewer, kept apart from the ORM object so that an
    # error page rendered after the transaction ended can still show it.
    user = found.principal.user
    request.state.viewer = {
        "name": user.full_name,
        "staff": user.is_staff,
        "admin": user.role == Role.ADMIN,
        "language": user.language,
        "unread": inapp.unread_count(session, user=user),
    }
    request.state.csrf_token = found.csrf_token
    return found


#: Sessions whose use is being recorded in this process: one touch each at a time.
_touching: set[int] = set()
_touching_lock = threading.Lock()


def _touch(request: Request, session_id: int) -> None:
    """Best effort: a busy database must not fail the page over a timestamp.

    The touch takes a second connection while the request holds its first: a burst of
    requests of one session (a page and its partials, many screens on one login) would
    each take one and, past the pool's size, wait for each other until it timed out.
    Only the first of them touches; the others have nothing new to record.
    """
    with _touching_lock:
        if session_id in _touching:
            return
        _touching.add(session_id)
    try:
        with database(request).session() as session:
            sessions.touch(session, session_id=session_id)
    except (ItsmError, SQLAlchemyError) as exc:
        log.info("could not record use of web session %s: %s", session_id, exc)
    finally:
        with _touching_lock:
            _touching.discard(session_id)


VisitDep = Annotated[sessions.Visit | None, Depends(visit)]


def login_check(request: Request, *, in_use: bool = False) -> Callable[[Session], object]:
    """What an open event stream checks again: the cookie's session is still alive
    (raises ``BadCredentials`` after logout, a new password, expiry, deactivation).
    ``in_use``: the stream itself is use (the wall-screen dashboard), so each check
    resets the idle clock (:func:`sessions.watch`); other pages' streams do not."""
    return partial(
        sessions.watch if in_use else sessions.visit,
        secret=request.cookies.get(COOKIE, ""),
        lifetime=lifetime(settings(request)),
    )


async def csrf_guard(request: Request, found: VisitDep) -> None:
    """Refuse a state-changing request without its session's CSRF token (403)."""
    await _check_csrf(request, found.csrf_token if found is not None else None)


async def login_csrf_guard(request: Request) -> None:
    """The login form's check: no session yet (or one about to be replaced), so the
    token is the one of the cookie the form came with (double submit)."""
    await _check_csrf(request, request.cookies.get(LOGIN_CSRF_COOKIE))


async def _check_csrf(request: Request, expected: str | None) -> None:
    if request.method in _SAFE:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    if not expected or not sent or not secrets.compare_digest(expected, sent):
        raise CsrfRefused(N_("the form expired or did not come from this site; reload the page"))


async def viewer(found: VisitDep) -> Principal:
    """The logged-in person; anyone else is sent to the login page."""
    if found is None:
        raise LoginRequired
    return found.principal


ViewerDep = Annotated[Principal, Depends(viewer)]


def language(request: Request, who: Principal | None = None) -> str:
    """The page's language: the person's own, else the one this browser picked on the
    login page, else the browser's ``Accept-Language``, else the setting."""
    if who is not None:
        own = who.user.language
    else:  # an error page: the viewer, if the session was read before the error
        own = (getattr(request.state, "viewer", None) or {}).get("language")
    return i18n.choose(
        user_language=own or request.cookies.get(LANGUAGE_COOKIE),
        accept_language=request.headers.get("accept-language"),
        default=settings(request).language,
    )
