"""Jinja2 templates: autoescaped, every text through the catalogues, times in the zone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from itsm import i18n
from itsm.config import Settings
from itsm.i18n import formats
from itsm.web import labels
from itsm.web.error_texts import error_text

ENV = Environment(
    loader=PackageLoader("itsm.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
    # The templates are package files: no stat() of each one on every render.
    auto_reload=False,
)
# The callables read the language of the current render (a context variable), so one
# environment serves every request whatever its language.
ENV.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    language: str,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """``name`` rendered in ``language``, with the helpers every page uses."""
    cfg: Settings = request.app.state.settings
    zone = cfg.zone
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "request": request,
        "lang": language,
        "languages": i18n.LANGUAGES,
        "when": lambda value: formats.when(value, zone=zone),
        "ago": lambda value: formats.ago(value, now=now),
        "number": formats.number,
        "error_text": error_text,
        "csrf_token": getattr(request.state, "csrf_token", None),
        "viewer": getattr(request.state, "viewer", None),
        **labels.ALL,
    }
    values.update(context or {})
    with i18n.activated(language):
        body = ENV.get_template(name).render(values)
    # Pages show people's tickets: no shared cache may keep them.
    return HTMLResponse(
        body, status_code=status, headers={"Cache-Control": "no-store", **(headers or {})}
    )
