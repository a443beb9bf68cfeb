"""The services' refusals in the visitor's language, with what was wrong and what is allowed.

An :class:`~itsm.errors.ItsmError` carries an English message id and its parameters;
a page renders the id's translation with the same parameters, inside the render's
language. Parameters that are user text stay plain text: Jinja escapes the result.
"""

from __future__ import annotations

import logging

from itsm import i18n
from itsm.errors import ItsmError, Said, render, translated_params

log = logging.getLogger(__name__)


def error_text(error: ItsmError | Said) -> str:
    """``error`` in the language of the current render."""
    template, params = (error.template, error.params) if isinstance(error, ItsmError) else error
    try:
        return render(i18n.gettext(template), translated_params(params, i18n.gettext))
    except (KeyError, ValueError, TypeError):  # a translation that lost a parameter
        log.warning("the translation of %r does not fit its parameters", template)
        return render(template, params)
