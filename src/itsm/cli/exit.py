"""Exit statuses of the ``itsm`` command: one per kind of failure, stable for scripts."""

from __future__ import annotations

from enum import IntEnum

from itsm.errors import ErrorKind


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    INVALID_INPUT = 3
    NOT_FOUND = 4
    CONFLICT = 5
    FORBIDDEN = 6
    CONFIG = 7
    DATABASE_UNAVAILABLE = 8
    DATABASE_NOT_MIGRATED = 9
    UNAUTHENTICATED = 10
    RATE_LIMITED = 11
    MISSING_EXTRA = 12
    MAIL_SERVER_UNAVAILABLE = 13
    INTERRUPTED = 130


BY_KIND = {
    ErrorKind.INVALID: ExitStatus.INVALID_INPUT,
    ErrorKind.NOT_FOUND: ExitStatus.NOT_FOUND,
    ErrorKind.CONFLICT: ExitStatus.CONFLICT,
    ErrorKind.FORBIDDEN: ExitStatus.FORBIDDEN,
    ErrorKind.CONFIG: ExitStatus.CONFIG,
    ErrorKind.UNAVAILABLE: ExitStatus.DATABASE_UNAVAILABLE,
    ErrorKind.NOT_MIGRATED: ExitStatus.DATABASE_NOT_MIGRATED,
    ErrorKind.UNAUTHENTICATED: ExitStatus.UNAUTHENTICATED,
    ErrorKind.RATE_LIMITED: ExitStatus.RATE_LIMITED,
    ErrorKind.MISSING_EXTRA: ExitStatus.MISSING_EXTRA,
    ErrorKind.TOO_LARGE: ExitStatus.INVALID_INPUT,
    ErrorKind.MAIL_UNAVAILABLE: ExitStatus.MAIL_SERVER_UNAVAILABLE,
}
