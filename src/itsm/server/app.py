"""The FastAPI application: ``create_app(settings)`` builds one, ``itsm serve`` runs it.

It mounts both doors, the REST API (``itsm.api.app``) and the web app
(``itsm.web.app``), which share this package's request plumbing and never import
each other.

The app holds no state but its database engine and its live-update hub: several
workers or hosts can serve one PostgreSQL database side by side (each hears every
change through ``LISTEN``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager, nullcontext
from functools import partial

from fastapi import FastAPI

from itsm import __version__
from itsm.api import app as api
from itsm.api.app import API_PREFIX
from itsm.api.limits import BodyLimit
from itsm.api.metrics import RequestMetrics
from itsm.attachments.storage import too_large
from itsm.config import Settings, load_settings
from itsm.db.engine import build_engine
from itsm.db.runtime import Database, open_database
from itsm.errors import DatabaseUnavailable
from itsm.logs import configure_logging
from itsm.reports.dashboard_cache import DashboardCache
from itsm.server.live import running_hub
from itsm.web import app as web

log = logging.getLogger(__name__)

#: The POST routes that take a file (the API's upload, the portal's new ticket and comment).
UPLOAD_PATHS = re.compile(r"(/api/v1)?/tickets/[^/]+/attachments|/tickets|/tickets/[^/]+/comments")
#: Room in an upload's body for the form around the file.
_FORM_ROOM = 1024 * 1024


def _open(settings: Settings) -> Database:
    """Open and check the database; a server that is down must not stop the API starting.

    ``/readyz`` reports it until it is back; requests meanwhile get 503.
    """
    try:
        return open_database(settings)
    except DatabaseUnavailable as exc:
        log.warning("starting without the database: %s", exc)
        return Database(settings=settings, engine=build_engine(settings))


def _notify_worker(db: Database) -> AbstractContextManager[object]:
    """One notifications worker inside the server, when asked (``serve --with-worker``)."""
    if not db.settings.notify.worker_in_server:
        return nullcontext()
    from itsm.notify.worker import in_background

    return in_background(db)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app for ``settings``; without them (a worker of ``itsm serve --workers N``, a new
    interpreter uvicorn starts), for the environment's, with the log set up as they say."""
    if settings is not None:
        cfg = settings
    else:
        cfg = load_settings()
        configure_logging(cfg)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.db = _open(cfg)
        try:
            async with running_hub(app.state.db) as hub:
                app.state.live = hub
                app.state.dashboard = cache = DashboardCache(
                    sessions=partial(app.state.db.session, write=False),
                    zone=cfg.zone,
                    on_fresh=hub.figures_fresh,
                )
                hub.on_change = cache.changed
                try:
                    with _notify_worker(app.state.db):
                        yield
                finally:
                    cache.close()  # a computation under way ends before the database closes
        finally:
            app.state.db.dispose()

    app = FastAPI(
        title="itsm",
        version=__version__,
        summary="IT support management: help desk, inventory, knowledge base, diagnostics.",
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        responses=api.COMMON_RESPONSES,
    )
    app.state.settings = cfg
    api.install(app, page=web.error_page)
    web.install(app, docs_path=f"{API_PREFIX}/docs")
    app.add_middleware(
        BodyLimit,
        max_bytes=cfg.api.max_body_bytes,
        uploads=UPLOAD_PATHS,
        upload_bytes=cfg.attachments.max_bytes + _FORM_ROOM,
        upload_detail=too_large(cfg.attachments.max_bytes).message,
    )
    app.add_middleware(RequestMetrics)
    return app
