"""Translations (gettext catalogues, Spanish and English) and the language of a request.

The catalogues' sources (``locales/<lang>/LC_MESSAGES/messages.po``) ship in the
package and are compiled in memory on first use, so installing needs no build step.
The language in force is a context variable: each request (or render) activates one,
and :func:`gettext` translates into it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from io import BytesIO
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from babel.support import Translations

#: The languages shipped, the first being the fallback of last resort.
LANGUAGES = ("es", "en")
DOMAIN = "messages"
_ACTIVE: ContextVar[str] = ContextVar("itsm_language", default=LANGUAGES[0])


def catalogue_source(language: str) -> Traversable:
    """The ``.po`` file of ``language`` inside the package."""
    from importlib import resources

    return resources.files(__package__).joinpath("locales", language, "LC_MESSAGES", f"{DOMAIN}.po")


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> Translations:
    """``language``'s catalogue, compiled from its ``.po`` source once per process."""
    # Babel is imported here, not at the top: the settings import this module for
    # LANGUAGES, and the CLI must not pay for Babel on every command.
    from babel.messages import mofile, pofile
    from babel.support import Translations

    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; shipped: {', '.join(LANGUAGES)}")
    with catalogue_source(language).open("rb") as source:
        catalog = pofile.read_po(source, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    mofile.write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def _accepted(header: str) -> list[str]:
    """The language tags of an ``Accept-Language`` header, most wanted first."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        tag = tag.strip()
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, index, tag.replace("-", "_")))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(accept_language: str | None) -> str | None:
    """The shipped language an ``Accept-Language`` header prefers, if any."""
    if not accept_language:
        return None
    from babel import Locale, UnknownLocaleError

    try:
        found = Locale.negotiate(_accepted(accept_language[:500]), list(LANGUAGES), sep="_")
    except (UnknownLocaleError, ValueError):
        return None
    return found.language if found is not None else None


def choose(*, user_language: str | None, accept_language: str | None, default: str) -> str:
    """The language to speak: the user's own, else the browser's, else the setting's."""
    if user_language in LANGUAGES:
        return user_language
    return negotiate(accept_language) or default


@contextmanager
def activated(language: str) -> Iterator[str]:
    """Speak ``language`` within the block (this thread or task only)."""
    token = _ACTIVE.set(language if language in LANGUAGES else LANGUAGES[0])
    try:
        yield _ACTIVE.get()
    finally:
        _ACTIVE.reset(token)


def current() -> str:
    return _ACTIVE.get()


def gettext(message: str) -> str:
    return translations(_ACTIVE.get()).ugettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_ACTIVE.get()).ungettext(singular, plural, n)


_ = gettext
