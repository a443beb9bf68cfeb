"""Base error shared by every domain, so the doors can map errors in one place.

Each domain raises subclasses of :class:`ItsmError`; the CLI turns ``kind`` into an
exit code and the API into an HTTP status. ``message`` is always one line that
says what was wrong and, where it helps, what is allowed.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class ErrorKind(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    FORBIDDEN = "forbidden"
    UNAVAILABLE = "unavailable"
    NOT_MIGRATED = "not_migrated"
    CONFIG = "config"
    UNAUTHENTICATED = "unauthenticated"
    RATE_LIMITED = "rate_limited"
    MISSING_EXTRA = "missing_extra"
    TOO_LARGE = "too_large"
    MAIL_UNAVAILABLE = "mail_unavailable"


class ItsmError(Exception):
    """A failure the user can act on; never carries a traceback to the user."""

    kind: ErrorKind = ErrorKind.INVALID

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(ItsmError):
    kind = ErrorKind.INVALID


class NotFound(ItsmError):
    kind = ErrorKind.NOT_FOUND


class Conflict(ItsmError):
    kind = ErrorKind.CONFLICT


class Forbidden(ItsmError):
    kind = ErrorKind.FORBIDDEN


class TooLarge(ItsmError):
    """Input over a size limit (an attached file): HTTP 413, the CLI's invalid input."""

    kind = ErrorKind.TOO_LARGE


class DatabaseUnavailable(ItsmError):
    kind = ErrorKind.UNAVAILABLE


class DatabaseNotMigrated(ItsmError):
    kind = ErrorKind.NOT_MIGRATED


class ConfigError(ItsmError):
    kind = ErrorKind.CONFIG


class Unauthenticated(ItsmError):
    """No credentials, or credentials that are wrong, expired or revoked."""

    kind = ErrorKind.UNAUTHENTICATED


class RateLimited(ItsmError):
    kind = ErrorKind.RATE_LIMITED

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def choices(values: Iterable[object]) -> str:
    """Render allowed values for an error message: ``a, b, c``."""
    return ", ".join(str(v) for v in values)
