"""The REST API door on the server's app (``itsm.server.app``): its routers under
``/api/v1`` and its errors as problem documents."""

from __future__ import annotations

from fastapi import FastAPI

from itsm.api import problems
from itsm.api.routers import ROUTERS

API_PREFIX = "/api/v1"
#: Declared on every route so the OpenAPI document lists what a client may get back.
COMMON_RESPONSES = problems.COMMON_RESPONSES


def install(app: FastAPI, *, page: problems.PageRenderer | None = None) -> None:
    """Add the API's routes and error handlers to ``app``; ``page`` renders an error of a
    request the web app serves (the handlers are the app's, for both doors)."""
    problems.install(app, page=page)
    for router, prefixed in ROUTERS:
        app.include_router(router, prefix=API_PREFIX if prefixed else "")
