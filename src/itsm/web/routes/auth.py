"""Log in and out of the web app, with the API's accounts, Argon2id and throttling."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from itsm.accounts import sessions
from itsm.accounts.errors import BadCredentials, TooManyLogins
from itsm.accounts.login import log_in
from itsm.db.runtime import Database
from itsm.server.deps import SessionDep, client_address, database, settings
from itsm.users import service as users
from itsm.users.models import User
from itsm.web.session import (
    COOKIE,
    LANGUAGE_COOKIE,
    LOGIN_CSRF_COOKIE,
    VisitDep,
    csrf_guard,
    language,
    lifetime,
    login_csrf_guard,
    set_cookie,
)
from itsm.web.templating import render

#: Each route names its own CSRF check: the login form has no session to hold one.
router = APIRouter()
#: How long a browser remembers the language picked on the login page (a year).
LANGUAGE_DAYS = 365


def safe_next(target: str | None) -> str:
    """Where to go after login: a path of this site only, never another host."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def _login_page(
    request: Request,
    *,
    next_url: str,
    status: int = 200,
    error: str | None = None,
    wait: int | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        {"next_url": next_url, "error": error, "wait": wait, "login_csrf": token},
        language=language(request),
        status=status,
        headers=headers,
    )
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token)
    return response


@router.get("/login")
def login_form(
    request: Request, found: VisitDep, next_url: Annotated[str | None, Query(alias="next")] = None
) -> Response:
    if found is not None:
        return RedirectResponse(safe_next(next_url), status_code=303)
    return _login_page(request, next_url=safe_next(next_url))


@router.post("/login", dependencies=[Depends(login_csrf_guard)])
def login(
    request: Request,
    db: Annotated[Database, Depends(database)],
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next_url: Annotated[str, Form(alias="next", max_length=2000)] = "/",
) -> Response:
    cfg = settings(request)
    target = safe_next(next_url)
    if not username.strip() or not password:
        return _login_page(request, next_url=target, status=422, error="missing")
    address = client_address(request)
    old = request.cookies.get(COOKIE)

    def open_session(session: Session, user: User) -> str:
        _, secret = sessions.open_session(
            session, user=user, address=address, lifetime=lifetime(cfg), replaces=old
        )
        return secret

    try:
        secret = log_in(
            db,
            username=username,
            password=password,
            address=address,
            rules=cfg.api.login,
            then=open_session,
        )
    except BadCredentials:
        return _login_page(request, next_url=target, status=401, error="credentials")
    except TooManyLogins as exc:
        return _login_page(
            request,
            next_url=target,
            status=429,
            error="throttled",
            wait=exc.retry_after,
            headers={"Retry-After": str(exc.retry_after)},
        )
    response = RedirectResponse(target, status_code=303)
    set_cookie(request, response, COOKIE, secret)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/login/language", dependencies=[Depends(login_csrf_guard)])
def login_language(
    request: Request,
    language: Annotated[str, Form(max_length=20)] = "",
    next_url: Annotated[str, Form(alias="next", max_length=2000)] = "/",
) -> Response:
    """Before login, the language picked is this browser's (a cookie); once logged in,
    the person's own (``/me/language``) comes first."""
    chosen = users.shipped_language(language)
    response = RedirectResponse(
        f"/login?next={quote(safe_next(next_url), safe='')}", status_code=303
    )
    if chosen is None:
        response.delete_cookie(LANGUAGE_COOKIE, path="/")
    else:
        set_cookie(request, response, LANGUAGE_COOKIE, chosen, max_age=LANGUAGE_DAYS * 86400)
    return response


@router.post("/logout", dependencies=[Depends(csrf_guard)])
def logout(request: Request, session: SessionDep) -> Response:
    secret = request.cookies.get(COOKIE)
    if secret:
        sessions.close_session(session, secret=secret)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
