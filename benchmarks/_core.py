"""What every benchmark returns: figures (each with its baseline and ratio) and targets."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class RatioStyle(StrEnum):
    """How a ratio reads: ``TIMES`` for costs (1.8× slower), ``PERCENT`` for rates."""

    TIMES = "times"
    PERCENT = "percent"


@dataclass(frozen=True)
class Figure:
    """One measured value, optionally compared with a baseline measured in the same run."""

    label: str
    value: float
    unit: str
    baseline: str | None = None
    baseline_value: float | None = None
    ratio_style: RatioStyle = RatioStyle.TIMES
    detail: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline_value is None or self.baseline_value == 0:
            return None
        return self.value / self.baseline_value

    def format_value(self) -> str:
        return format_quantity(self.value, self.unit)

    def format_ratio(self) -> str:
        ratio = self.ratio
        if ratio is None:
            return ""
        if self.ratio_style is RatioStyle.PERCENT:
            return f"{ratio * 100:.1f} %"
        return f"{ratio:.2f}×"

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = self.ratio
        return data


# The targets of issue 12 ("Speed, re-based on what users notice"), the table of
# docs/performance.md. Each is absolute or against a baseline doing the same work in the
# same run; a baseline that does less work gets a figure, never a target.
PAGE_P95_MS = 20.0  # a queue page or a ticket page, 1M tickets
SEARCH_P95_MS = 50.0  # a selective full-text search, 1M tickets
REPORT_MAX_RATIO = 1.5  # ticket stats and the service report / the same SQL run raw
IMPORT_MIN_RATIO = 0.5  # bulk import / the same statement shape run raw
ALERT_STORM_ALERTS = 1000  # the most one notification may carry (the payload's limit)
ALERT_STORM_MAX_S = 3.0  # Alertmanager gives up on a webhook after 10 s
INGEST_MIN_RATE = 1000.0  # diagnostic reports/s, one worker, PostgreSQL
CREATE_MIN_RATE = {"sqlite": 1000.0, "postgresql": 300.0}  # tickets/s, one connection
CLI_COLD_MAX_RATIO = 1.4  # / bare ``python -c`` of the same imports, leaving the same way
HELP_MAX_MS = 100.0  # ``itsm --help``, median
FLEET_AGENT_MAX_RSS_MB = 50.0  # ``itsm diag watch --server``
STORING_AGENT_MAX_RSS_MB = 75.0  # ``itsm diag watch`` storing into SQLite
AGENT_MAX_CPU_PERCENT = 1.0  # of one core at a 10 s interval
# Issue 14 ("The web app"): its "Speed" targets, 1M tickets, 8 concurrent clients.
WEB_SERVER_P95_MS = 30.0  # queue, ticket, portal, dashboard: as the client sees it on loopback
WEB_DCL_P95_MS = 300.0  # DOMContentLoaded in Chromium
WEB_STATIC_MAX_KB = 100.0  # the JS and CSS of any page, compressed
LIVE_CLIENTS = 200  # open dashboards
LIVE_P95_MS = 1000.0  # a change reaches all of them
LIVE_IDLE_MAX_PERCENT = 0.1  # of one core, per idle open dashboard
# Issue 15: one worker, the outbox at 100,000 rows; the change that writes outbox rows.
DELIVERY_MIN_EMAILS = 200.0  # emails/s to a local SMTP sink
DELIVERY_MIN_WEBHOOKS = 500.0  # webhook calls/s to a local receiver
OUTBOX_MAX_RATIO = 1.2  # / the same change with the outbox subscriber off


@dataclass(frozen=True)
class Target:
    """A goal a figure should reach; missing it is reported, never fatal."""

    label: str
    passed: bool
    measured: str

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "MISS"

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "verdict": self.verdict}


@dataclass
class Result:
    name: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "seconds": round(self.seconds, 3),
            "figures": [f.as_json() for f in self.figures],
            "targets": [t.as_json() for t in self.targets],
            "notes": list(self.notes),
            "skipped": list(self.skipped),
            "data": self.data,
        }


@dataclass(frozen=True)
class RunConfig:
    """What a benchmark is told: the size of the run and where to report progress.

    ``shared`` holds what benchmarks of one run share (the large ticket data sets of
    :mod:`benchmarks._dataset`); ``cleanup`` is closed by the harness after the last
    benchmark, so shared throw-away databases outlive the benchmark that built them.
    """

    smoke: bool
    log: Callable[[str], None]
    shared: dict[str, Any] = field(default_factory=dict)
    cleanup: ExitStack = field(default_factory=ExitStack)
    tickets: int | None = None  # ``--tickets N``: the size of the ticket data sets

    def size(self, *, full: int, smoke: int) -> int:
        return smoke if self.smoke else full

    def ticket_count(self, *, full: int, smoke: int) -> int:
        """Tickets in a data set: ``--tickets`` if given, else by run size."""
        return self.tickets if self.tickets else self.size(full=full, smoke=smoke)


def format_quantity(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:,.1f} ms"
    if unit.endswith("/s"):
        return f"{value:,.0f} {unit}"
    if unit == "":
        return f"{value:,.2f}"
    return f"{value:,.2f} {unit}"


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return float(ordered[min(rank, len(ordered)) - 1])
