"""Diagnostic reports stored per second through the HTTP endpoint, against a raw INSERT.

A real API server (``itsm serve``, one uvicorn worker, a subprocess) on a
throw-away PostgreSQL database receives batches of agent reports on
``POST /api/v1/diagnostics/reports`` with an agent token, exactly as
``itsm diag watch --server`` sends them: the request is parsed and validated,
and ``diagnostics.service.process_reports`` upserts each host in the
inventory, stores each report once per ``report_id`` and runs the
automatic-ticket logic, all in one transaction per batch.

Reports are copies of one real report of this machine (real probes), given
their own ``report_id``, time and host; every check is healthy except on 5 %
of the hosts, whose disk stays at WARNING, so their reports go through the
ticket logic (one ticket opened per such host, then "still failing" checks).
Paths, interleaved in blocks so that table growth and checkpoints hit them alike:

* **raw executemany INSERT** (the baseline): the same report rows (same
  columns, the same JSON text) inserted with psycopg's ``executemany`` into
  ``diagnostic_reports``, one transaction per batch: storage alone, without
  HTTP, validation, inventory or tickets;
* **HTTP, batches from many hosts**: each batch holds one report of each of
  ``BATCH`` different hosts (the worst case for the inventory: one row per
  report to update);
* **HTTP, batches from one host**: each batch holds consecutive reports of one
  host, as an agent's spool replays them after an outage;
* **HTTP, one report per request** (for information): every agent sending its
  own report as it is made, many agents at once.

Each path uses ``CLIENTS`` connections at once (threads), the raw baseline too.
Target: at least 1,000 reports/s through HTTP in batches from many hosts.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg

from benchmarks._core import INGEST_MIN_RATE, Figure, RatioStyle, Result, RunConfig, Target
from benchmarks._env import (
    api_server,
    isolated_settings_env,
    migrate_database,
    postgres_database,
    postgres_dsn,
    postgres_reachable,
    postgres_sqlalchemy_url,
    settings_for,
)

NAME = "report_ingest"
TITLE = "Diagnostic report ingestion over HTTP into PostgreSQL"
CLIENTS = 2
SINGLE_CLIENTS = 8
WARNING_SHARE = 20  # one host in 20 has a disk at WARNING

_INSERT = (
    "INSERT INTO diagnostic_reports "
    "(report_id, host, asset_id, collected_at, severity, report, created_at) "
    "VALUES (%s, %s, NULL, %s, %s, %s, %s)"
)


@dataclass
class Measured:
    """One measured path: the reports it stored and the wall time it took."""

    reports: int = 0
    seconds: float = 0.0
    requests: int = 0
    server_cpu: float = 0.0  # CPU seconds of the API server process
    db_cpu: float = 0.0  # CPU seconds of the database's backends

    def per_report_us(self, seconds: float) -> float:
        return 1e6 * seconds / self.reports if self.reports else 0.0

    @property
    def rate(self) -> float:
        return self.reports / self.seconds if self.seconds else 0.0


@dataclass
class Workload:
    template: dict[str, Any]
    hosts: int
    batch: int
    start: datetime
    made: int = 0
    report_ids: list[str] = field(default_factory=list)

    def report(self, host: int) -> dict[str, Any]:
        """A copy of the template for ``host``, with its own id and a later time."""
        self.made += 1
        data: dict[str, Any] = json.loads(json.dumps(self.template))
        data["report_id"] = str(uuid.uuid4())
        data["collected_at"] = (self.start + timedelta(milliseconds=self.made)).isoformat()
        data["host"] = {
            **data["host"],
            "hostname": f"bench-{host:05d}",
            "machine_id": f"{host:032x}",
        }
        if host % WARNING_SHARE == 0:
            data["severity"] = "warning"
            for check in data["checks"]:
                if check["check"] == "disk.usage":
                    check.update(severity="warning", threshold=90.0, value=93.0)
        self.report_ids.append(data["report_id"])
        return data

    def mixed(self, count: int) -> list[bytes]:
        """``count`` batches, each one report of each of ``batch`` hosts."""
        bodies = []
        for n in range(count):
            first = (n * self.batch) % self.hosts
            reports = [self.report((first + i) % self.hosts) for i in range(self.batch)]
            bodies.append(json.dumps(reports).encode())
        return bodies

    def replay(self, count: int) -> list[bytes]:
        """``count`` batches, each ``batch`` consecutive reports of one host."""
        return [
            json.dumps([self.report(n % self.hosts) for _ in range(self.batch)]).encode()
            for n in range(count)
        ]

    def singles(self, count: int) -> list[bytes]:
        return [json.dumps([self.report(n % self.hosts)]).encode() for n in range(count)]


def _template() -> dict[str, Any]:
    """One real report of this machine, every check made healthy."""
    from itsm.diagnostics.collect import collect_snapshot
    from itsm.diagnostics.config import DiagnosticsSettings
    from itsm.diagnostics.report import build_report
    from itsm.diagnostics.rules import evaluate

    diag = DiagnosticsSettings(sample_window_seconds=0.2, resolve_fqdn=False)
    snapshot = collect_snapshot(diag)
    data: dict[str, Any] = json.loads(
        build_report(snapshot, evaluate(snapshot, diag)).model_dump_json()
    )
    for check in data["checks"]:
        check["severity"] = "healthy"
    data["severity"] = "healthy"
    return data


def _agent_token(settings: Any) -> str:
    from itsm.accounts import service as accounts
    from itsm.accounts.models import TokenKind, TokenScope
    from itsm.accounts.schemas import TokenCreate
    from itsm.db.runtime import open_database
    from itsm.diagnostics.autoticket import agent_user

    db = open_database(settings)
    try:
        with db.session() as session:
            owner = agent_user(session, settings.diagnostics.tickets.agent_username)
            data = TokenCreate(name="bench", kind=TokenKind.AGENT, scopes=[TokenScope.REPORTS])
            return accounts.create_token(session, owner=owner, data=data)[1]
    finally:
        db.dispose()


Sender = Callable[[Any, Any], int]


def _parallel(jobs: Sequence[Any], conns: Sequence[Any], send: Callable[[Any, Any], int]) -> float:
    """Run ``send(conn, job)`` for every job, spread over ``conns`` at once; wall seconds."""
    shares = [jobs[i :: len(conns)] for i in range(len(conns))]
    began = time.perf_counter()
    with ThreadPoolExecutor(len(conns)) as pool:
        done = list(
            pool.map(lambda i: sum(send(conns[i], job) for job in shares[i]), range(len(conns)))
        )
    spent = time.perf_counter() - began
    if sum(done) != len(jobs):
        raise RuntimeError(f"{len(jobs) - sum(done)} request(s) failed")
    return spent


def _http_send(client: httpx.Client, body: bytes) -> int:
    response = client.post("/api/v1/diagnostics/reports", content=body)
    if response.status_code != 200:
        raise RuntimeError(f"server answered {response.status_code}: {response.text[:300]}")
    return 1


def _raw_send(conn: psycopg.Connection[Any], rows: list[tuple[Any, ...]]) -> int:
    with conn.cursor() as cur:
        cur.executemany(_INSERT, rows)
    conn.commit()
    return 1


def _raw_rows(body: bytes) -> list[tuple[Any, ...]]:
    """The rows of a batch, as the raw baseline inserts them (built before timing)."""
    now = datetime.now(UTC)
    return [
        (
            report["report_id"],
            report["host"]["hostname"],
            datetime.fromisoformat(report["collected_at"]),
            report["severity"],
            json.dumps(report),
            now,
        )
        for report in json.loads(body)
    ]


class CpuMeter:
    """CPU seconds used by the API server process and by the database's backends."""

    def __init__(self, server_pid: int, dbname: str) -> None:
        self.server = psutil.Process(server_pid)
        self.dbname = dbname

    def _backends(self) -> float:
        total = 0.0
        for proc in psutil.process_iter(["name", "cmdline", "cpu_times"]):
            cmdline = " ".join(proc.info["cmdline"] or [])
            times = proc.info["cpu_times"]
            if proc.info["name"] == "postgres" and f" {self.dbname} " in cmdline and times:
                total += times.user + times.system
        return total

    def read(self) -> tuple[float, float]:
        used = 0.0
        for proc in [self.server, *self.server.children(recursive=True)]:  # uvicorn's workers
            times = proc.cpu_times()
            used += times.user + times.system
        return used, self._backends()


def _measure(
    cfg: RunConfig,
    url: str,
    token: str,
    dsn: str,
    work: Workload,
    meter: CpuMeter,
    paths: dict[str, Measured],
    names: dict[str, str],
) -> None:
    """Time the paths in ``names`` (path -> key in ``paths``), interleaved in blocks."""
    blocks = cfg.size(full=5, smoke=2)
    per_block = cfg.size(full=12, smoke=2)  # batches per path and block
    singles = cfg.size(full=600, smoke=60)  # single-report requests per block
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    http = [httpx.Client(base_url=url, headers=headers, timeout=120) for _ in range(SINGLE_CLIENTS)]
    raw = [psycopg.connect(dsn) for _ in range(CLIENTS)]  # kept open: their CPU is counted
    try:
        # Warm-up: every host enters the inventory (and the warning hosts open their
        # tickets), and each path runs once, so the timed blocks measure steady state.
        warm = work.mixed(max(1, work.hosts // work.batch)) + work.replay(1)
        _parallel(warm, http[:1], _http_send)
        _parallel([_raw_rows(b) for b in work.mixed(1)], raw[:1], _raw_send)
        for block in range(blocks):
            cfg.log(f"{NAME}: {', '.join(names.values())}: block {block + 1}/{blocks}")
            jobs: dict[str, Callable[[], tuple[list[Any], Sequence[Any], Sender]]] = {
                "raw": lambda: ([_raw_rows(b) for b in work.mixed(per_block)], raw, _raw_send),
                "mixed": lambda: (work.mixed(per_block), http[:CLIENTS], _http_send),
                "replay": lambda: (work.replay(per_block), http[:CLIENTS], _http_send),
                "single": lambda: (work.singles(singles), http, _http_send),
            }
            for name, make in jobs.items():
                if name not in names:
                    continue
                bodies, conns, send = make()  # only what is sent is made (and counted)
                server_cpu, db_cpu = meter.read()
                spent = _parallel(bodies, conns, send)
                server_after, db_after = meter.read()
                path = paths[names[name]]
                path.seconds += spent
                path.server_cpu += server_after - server_cpu
                path.db_cpu += db_after - db_cpu
                path.requests += len(bodies)
                path.reports += len(bodies) * (1 if name == "single" else work.batch)
    finally:
        for client in http:
            client.close()
        for conn in raw:
            conn.close()


def _check(dsn: str, expected: int, warning_hosts: int) -> str:
    """Every report stored once; one diagnostic ticket per warning host."""
    with psycopg.connect(dsn) as conn:
        stored = conn.execute("SELECT count(*), count(DISTINCT report_id) FROM diagnostic_reports")
        count, distinct = stored.fetchone() or (0, 0)
        tickets = conn.execute("SELECT count(*) FROM tickets WHERE source = 'diagnostic'")
        (opened,) = tickets.fetchone() or (0,)
    if count != expected or distinct != expected or opened != warning_hosts:
        raise RuntimeError(
            f"expected {expected} reports and {warning_hosts} tickets, found {count} "
            f"({distinct} distinct) and {opened}"
        )
    return f"{count} reports stored once each, {opened} tickets"


def run(cfg: RunConfig) -> Result:
    result = Result(name=NAME, title=TITLE)
    reason = postgres_reachable()
    if reason is not None:
        result.skipped.append(f"PostgreSQL: server not reachable ({reason})")
        return result
    hosts = cfg.size(full=500, smoke=100)
    batch = cfg.size(full=100, smoke=50)
    work = Workload(_template(), hosts=hosts, batch=batch, start=datetime.now(UTC))
    paths = {name: Measured() for name in ("raw", "mixed", "replay", "single", "mixed2")}
    with isolated_settings_env() as home, postgres_database() as name:
        url_db = postgres_sqlalchemy_url(name)
        settings = settings_for(url_db, home)
        migrate_database(settings)
        token = _agent_token(settings)
        env = {**os.environ, "ITSM_DATABASE_URL": url_db, "ITSM_LOG_LEVEL": "WARNING"}
        with (
            tempfile.TemporaryDirectory() as tmp,
            api_server(env, Path(tmp) / "server.log") as (
                url,
                pid,
            ),
        ):
            meter = CpuMeter(pid, name)
            names = {k: k for k in ("raw", "mixed", "replay", "single")}
            _measure(cfg, url, token, postgres_dsn(name), work, meter, paths, names)
        with (
            tempfile.TemporaryDirectory() as tmp,
            api_server(env, Path(tmp) / "server.log", workers=2) as (url, pid),
        ):
            meter = CpuMeter(pid, name)
            names = {"raw": "raw", "mixed": "mixed2"}  # the baseline again, interleaved
            _measure(cfg, url, token, postgres_dsn(name), work, meter, paths, names)
        warning_hosts = len(range(0, hosts, WARNING_SHARE))
        result.notes.append(_check(postgres_dsn(name), len(work.report_ids), warning_hosts))

    raw = paths["raw"]
    raw_label = "raw executemany INSERT"
    size = len(json.dumps(work.template))
    result.notes.append(
        f"{hosts} hosts, batches of {batch} reports of about {size / 1024:.1f} KiB each, "
        f"{CLIENTS} connections at once ({SINGLE_CLIENTS} for one report per request); "
        "one uvicorn worker; rate = reports / wall time of the path's blocks"
    )

    def cpu(path: Measured) -> str:
        # Backends the pool opens and closes for a burst of requests take their CPU
        # time with them: only a steady set of connections gives a database figure.
        db = path.per_report_us(path.db_cpu)
        shown = f"{db:,.0f} µs" if db > 0 and path is not paths["single"] else "n/a"
        return (
            f"CPU per report: server {path.per_report_us(path.server_cpu):,.0f} µs, "
            f"PostgreSQL {shown}"
        )

    result.figures.append(
        Figure(
            raw_label,
            raw.rate,
            "reports/s",
            detail=f"baseline; {raw.requests} transactions; {cpu(raw)}",
        )
    )
    labels = {
        "mixed": "HTTP, batches from many hosts",
        "replay": "HTTP, batches from one host",
        "single": "HTTP, one report per request",
        "mixed2": "HTTP, batches from many hosts, 2 workers",
    }
    for key, label in labels.items():
        path = paths[key]
        result.figures.append(
            Figure(
                label,
                path.rate,
                "reports/s",
                baseline=raw_label,
                baseline_value=raw.rate,
                ratio_style=RatioStyle.PERCENT,
                detail=f"{1000 * path.seconds / path.requests:.1f} ms a request; {cpu(path)}",
            )
        )
    result.targets.append(
        Target(
            f"HTTP batches from many hosts >= {INGEST_MIN_RATE:,.0f} reports/s",
            paths["mixed"].rate >= INGEST_MIN_RATE,
            f"{paths['mixed'].rate:,.0f} reports/s",
        )
    )
    result.data = {
        key: {
            "reports": p.reports,
            "seconds": round(p.seconds, 3),
            "requests": p.requests,
            "server_cpu_seconds": round(p.server_cpu, 3),
            "db_cpu_seconds": round(p.db_cpu, 3),
        }
        for key, p in paths.items()
    }
    return result
