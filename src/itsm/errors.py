"""Base error shared by every domain, so the doors can map errors in one place.

Each domain raises subclasses of :class:`ItsmError`; the CLI turns ``kind`` into an
exit code and the API into an HTTP status. ``message`` is always one line that
says what was wrong and, where it helps, what is allowed.

An error is built from a message id (``template``, English, marked with :func:`N_` so
the catalogues list it) and its named parameters: the CLI and the API print the English
rendering (``str(error)``), the web app renders the template in the visitor's language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
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


def N_(template: str) -> str:  # noqa: N802 - gettext's name for a marker, as the extractor knows it
    """Mark ``template`` for the catalogues; the web app translates it when shown."""
    return template


#: A message id and its named parameters: what a door words in its reader's language.
Said = tuple[str, Mapping[str, object]]


class Phrase(str):
    """A parameter that is itself a message id (``what`` may not be done): translated
    with the message it goes into."""

    __slots__ = ()


class Counted(str):
    """A number of things as a parameter (``14 days``): each form is a message id, and
    a page picks the one for the number (Spanish and English share the rule n == 1)."""

    def __new__(cls, n: float, one: str, many: str) -> Counted:
        shown = f"{n:g}" if isinstance(n, float) else str(n)  # as wording.count shows it
        counted = super().__new__(cls, render(one if n == 1 else many, {"num": shown}))
        counted.shown, counted.form = shown, one if n == 1 else many
        return counted

    shown: str
    form: str


def render(template: str, params: Mapping[str, object]) -> str:
    """``template`` with its named parameters (``%(name)s``); one without them is as written."""
    return template % params if params else template


def translated_params(
    params: Mapping[str, object], gettext: Callable[[str], str]
) -> dict[str, object]:
    """``params`` with each :class:`Phrase` and :class:`Counted` in the language
    ``gettext`` speaks."""
    return {k: _translated(v, gettext) for k, v in params.items()}


def _translated(value: object, gettext: Callable[[str], str]) -> object:
    if isinstance(value, Phrase):
        return gettext(value)
    if isinstance(value, Counted):
        return render(gettext(value.form), {"num": value.shown})
    return value


class ItsmError(Exception):
    """A failure the user can act on; never carries a traceback to the user."""

    kind: ErrorKind = ErrorKind.INVALID

    def __init__(self, template: str, /, **params: object) -> None:
        self.template = template
        self.params = params
        self.message = render(template, params)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def fill(self, **params: object) -> ItsmError:
        """The error with parameters a door words its own way (a flag, a query parameter)."""
        self.params = {**self.params, **params}
        self.message = render(self.template, self.params)
        self.args = (self.message,)
        return self

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The message in the language ``gettext`` speaks, with the same parameters."""
        return render(gettext(self.template), translated_params(self.params, gettext))


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

    def __init__(self, template: str, /, *, retry_after: int, **params: object) -> None:
        super().__init__(template, **params)
        self.retry_after = retry_after


def choices(values: Iterable[object]) -> str:
    """Render allowed values for an error message: ``a, b, c``."""
    return ", ".join(str(v) for v in values)
