"""A password login, as the API (for a token) and the web app (for a session) do it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from itsm.accounts import service
from itsm.accounts.errors import BadCredentials
from itsm.config import LoginThrottle
from itsm.db.runtime import Database
from itsm.errors import N_
from itsm.users.models import User

T = TypeVar("T")


def log_in(
    db: Database,
    *,
    username: str,
    password: str,
    address: str,
    rules: LoginThrottle,
    then: Callable[[Session, User], T],
) -> T:
    """Check ``username``'s password and, in the transaction that clears the failure
    record, run ``then`` (issue a token, open a session). Raises :class:`BadCredentials`
    on a wrong password and :class:`TooManyLogins` while throttled.

    Three steps, so that no write transaction waits for Argon2: the attempt is counted
    as a failure and committed first (concurrent attempts queue on it), the password is
    verified with no transaction open, and only a match clears the failure record.
    """
    with db.session() as session:
        attempt = service.begin_login(session, username=username, address=address, rules=rules)
    matched = service.password_matches(attempt, password)
    if matched:
        with db.session() as session:
            user = service.finish_login(session, attempt=attempt, matched=matched)
            if user is not None:
                service.rehash_if_needed(session, user=user, password=password)
                return then(session, user)
    raise BadCredentials(N_("wrong username or password"))
