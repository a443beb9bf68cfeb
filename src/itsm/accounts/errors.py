"""Errors of accounts and tokens."""

from __future__ import annotations

from itsm.errors import Forbidden, NotFound, RateLimited, Unauthenticated


class BadCredentials(Unauthenticated):
    pass


class TokenNotFound(NotFound):
    pass


class TooManyLogins(RateLimited):
    pass


class MissingScope(Forbidden):
    """An agent token sent what its scopes do not cover."""


class WrongPassword(Forbidden):
    """The current password given to change one's own password is not the right one."""
