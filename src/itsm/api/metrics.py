"""Prometheus metrics: request counts and latencies here, domain gauges at scrape time.

``GET /metrics`` (:mod:`itsm.api.routers.metrics`) renders both with :func:`exposition`.

Request metrics are per process. With several workers, set
``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode) so that a
scrape of any worker sums them all; domain gauges come from the database and
are the same from every worker.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from itsm.logs import fields

if TYPE_CHECKING:
    from itsm.reports.gauges import Gauges

http_log = logging.getLogger("itsm.api.http")
REQUESTS = Counter(
    "itsm_http_requests_total", "HTTP requests answered.", ["method", "route", "status"]
)
LATENCY = Histogram(
    "itsm_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def request_registry() -> CollectorRegistry | None:
    """The registry holding request metrics of every worker, in multiprocess mode."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return None
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


class RequestMetrics:
    """Pure ASGI middleware (no per-request task): count, time and log every response
    (one ``http.request`` line; the path only, never the query string or headers)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def tracking_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "GET")
            took = time.perf_counter() - started
            REQUESTS.labels(method, template, str(status)).inc()
            LATENCY.labels(method, template).observe(took)
            http_log.info(
                "http.request",
                extra=fields(
                    method=method,
                    path=scope.get("path", ""),
                    route=template,
                    status=status,
                    duration_ms=round(took * 1000, 1),
                ),
            )


class Scrape:
    """One scrape: the request metrics, then the domain gauges read for it from the database.

    A collector in prometheus_client's sense (``collect()``), rendered once by
    :func:`exposition`; ``gauges`` is ``None`` when the database could not be read,
    which ``itsm_database_up 0`` says instead of failing the whole scrape.
    """

    def __init__(self, gauges: Gauges | None) -> None:
        self.gauges = gauges

    def collect(self) -> Iterator[Metric]:
        yield from (request_registry() or REGISTRY).collect()
        yield GaugeMetricFamily(
            "itsm_database_up",
            "Whether this scrape could read the database (1) or not (0).",
            value=0 if self.gauges is None else 1,
        )
        if self.gauges is not None:
            yield from _domain(self.gauges)


def _domain(gauges: Gauges) -> Iterator[Metric]:
    tickets = GaugeMetricFamily(
        "itsm_tickets", "Tickets by status and priority.", labels=["status", "priority"]
    )
    for (status, priority), count in gauges.tickets.items():
        tickets.add_metric([status.value, priority.value], count)
    yield tickets
    breached = GaugeMetricFamily(
        "itsm_tickets_sla_breached",
        "Active tickets past their first-response or resolution SLA target.",
        labels=["clock", "priority"],
    )
    for (clock, priority), count in gauges.sla_breached.items():
        breached.add_metric([clock, priority.value], count)
    yield breached
    findings = GaugeMetricFamily(
        "itsm_diagnostic_findings_open",
        "Active tickets opened by the diagnostics agent: one per open finding.",
        labels=["priority"],
    )
    for priority, count in gauges.diagnostic_findings.items():
        findings.add_metric([priority.value], count)
    yield findings
    alerts = GaugeMetricFamily(
        "itsm_alerts_open",
        "Active tickets opened by Prometheus Alertmanager: one per firing alert.",
        labels=["priority"],
    )
    for priority, count in gauges.alerts.items():
        alerts.add_metric([priority.value], count)
    yield alerts


def exposition(gauges: Gauges | None) -> bytes:
    """The Prometheus text format (``CONTENT_TYPE_LATEST``) of one scrape."""
    return generate_latest(Scrape(gauges))
