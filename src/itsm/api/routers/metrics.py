"""``GET /metrics``: Prometheus text format; request metrics and help-desk gauges.

Open by default; with ``api.metrics_token`` set, the scrape must send it as a
bearer token (Prometheus' ``authorization`` in the scrape config).
"""

from __future__ import annotations

import hmac
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.exc import SQLAlchemyError

from itsm.api.metrics import exposition
from itsm.db.runtime import Database
from itsm.errors import DatabaseUnavailable, Unauthenticated
from itsm.reports import gauges as gauges_service
from itsm.reports.gauges import Gauges
from itsm.server.deps import SettingsDep, database

log = logging.getLogger(__name__)

router = APIRouter(tags=["metrics"])


def scraper(request: Request, cfg: SettingsDep) -> None:
    """Anyone, unless ``api.metrics_token`` is set: then only who sends it."""
    expected = cfg.api.metrics_token
    if expected is None:
        return
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("missing metrics token: send 'Authorization: Bearer <token>'")
    given = secret.strip().encode("utf-8", "replace")
    if not hmac.compare_digest(given, expected.get_secret_value().encode("utf-8")):
        raise Unauthenticated("wrong metrics token")


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    summary="Prometheus metrics: requests, latencies, tickets, SLA breaches, findings, alerts",
    responses={200: {"description": "The Prometheus text exposition format"}},
)
def metrics(
    db: Annotated[Database, Depends(database)],
    _scraper: Annotated[None, Depends(scraper)],
) -> Response:
    gauges: Gauges | None
    try:
        with db.session(write=False) as session:
            gauges = gauges_service.snapshot(session)
    except (DatabaseUnavailable, SQLAlchemyError) as exc:
        # Request metrics are still worth scraping; itsm_database_up says what is missing.
        log.warning("metrics without the database: %s", exc)
        gauges = None
    return Response(exposition(gauges), media_type=CONTENT_TYPE_LATEST)
