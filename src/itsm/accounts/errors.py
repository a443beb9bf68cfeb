"""Errors of accounts and tokens."""

from __future__ import annotations

from itsm.errors import NotFound, RateLimited, Unauthenticated


class BadCredentials(Unauthenticated):
    pass


class TokenNotFound(NotFound):
    pass


class TooManyLogins(RateLimited):
    pass
