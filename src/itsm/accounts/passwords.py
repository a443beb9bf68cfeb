"""Password hashing with Argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile)."""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from itsm.errors import N_, InvalidInput

MIN_LENGTH = 8
MAX_LENGTH = 1024


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # type=Argon2id by default


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(
            N_("password is too short: at least %(min_length)s characters"), min_length=MIN_LENGTH
        )
    if len(password) > MAX_LENGTH:
        raise InvalidInput(
            N_("password is too long: at most %(max_length)s characters"), max_length=MAX_LENGTH
        )
    if password.strip() == "":
        raise InvalidInput(N_("password must not be only spaces"))
    if "\x00" in password:
        raise InvalidInput(N_("password must not contain NUL characters"))


def generate() -> str:
    """A new random password (96 bits, 16 URL-safe characters), for an admin to hand over."""
    return secrets.token_urlsafe(12)


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher().hash(password)


def verify(stored: str | None, password: str) -> bool:
    """True if ``password`` matches; a missing or unreadable hash never matches."""
    if not stored or len(password) > MAX_LENGTH:
        _hasher().hash("x" * MIN_LENGTH)  # spend the same time: no user enumeration by timing
        return False
    try:
        return _hasher().verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher().check_needs_rehash(stored)
