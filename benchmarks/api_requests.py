"""REST API reads per second and p95 latency, against bare endpoints in the same server.

For each database kind, on the run's shared help desk data set
(:mod:`benchmarks._dataset`: 10,000 tickets full, 500 smoke, 5,021 users), one
uvicorn worker in a subprocess serves ``benchmarks.api_bare:create_app``: the app
of ``itsm serve`` (same factory, middleware, engine and uvicorn options) plus
bare twins of the routes under test (see :mod:`benchmarks.api_bare`). Requests
(``GET``, a technician's bearer token, the same for every path):

* **GET one ticket**: ``/api/v1/tickets/{id}`` against ``/bare/tickets/{id}``,
  the ids taken in turn from a fixed random sample;
* **list, first page**: ``/api/v1/tickets?limit=20`` against
  ``/bare/tickets?limit=20`` (newest first);
* **list, first page of status=open**: the same with ``&status=open``.

The real routes are the API's own (FastAPI's dependencies, the ORM through
:mod:`itsm.tickets.access`, Pydantic's ``response_model``). Each bare route runs
on a raw DBAPI connection of the same engine the SQL its real twin sends, and
writes the same JSON by hand; before timing, the benchmark checks both
in-process: the statements (captured with ``before_cursor_execute`` for the real
route, traced for the bare one) and the JSON bodies must be equal.

The load comes from another process (:mod:`benchmarks._loadgen`: asyncio +
httpx, ``CONNECTIONS`` keep-alive connections, requests back to back for a fixed
time per block). After a warm-up block of each path, real and bare blocks
alternate for every case, the order swapped every round. Rate = requests / wall
time of the path's blocks; latency is per request as the client saw it; server
CPU per request is the server process's CPU time (psutil) over the blocks.
No target: an informative figure (what the framework costs over the same SQL and
JSON done by hand); the user-visible latency targets of the queue and ticket pages
are :mod:`benchmarks.ticket_queries`'.

Both databases' servers (and load generators) start together, while the
benchmark runs its in-process check; then each database is measured in turn,
its server stopped after it. ``--smoke`` (500 tickets) times only the first two
cases, two rounds of 0.25 s blocks: it checks that everything runs, its figures
are noise.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import psutil
from sqlalchemy import event

from benchmarks import _dataset, api_bare
from benchmarks._core import Figure, RatioStyle, Result, RunConfig, percentile
from benchmarks._env import isolated_settings_env, settings_for
from itsm.config import Settings

NAME = "api_requests"
TITLE = "REST API reads (one uvicorn worker): GET a ticket, first list page vs bare endpoints"
CONNECTIONS = 8
TECHNICIAN = "tech01"
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    real: list[str]
    bare: list[str]

    def paths(self, which: str) -> list[str]:
        return self.real if which == "real" else self.bare


def cases(ticket_ids: Sequence[int]) -> list[Case]:
    page = "?limit=20"
    open_page = "?limit=20&status=open"
    return [
        Case(
            "get",
            "GET one ticket",
            [f"/api/v1/tickets/{i}" for i in ticket_ids],
            [f"/bare/tickets/{i}" for i in ticket_ids],
        ),
        Case("list", "list, first page", [f"/api/v1/tickets{page}"], [f"/bare/tickets{page}"]),
        Case(
            "list_open",
            "list, first page of status=open",
            [f"/api/v1/tickets{open_page}"],
            [f"/bare/tickets{open_page}"],
        ),
    ]


@dataclass
class PathRun:
    """Every timed block of one path of one case."""

    requests: int = 0
    wall_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.wall_s if self.wall_s else 0.0

    def p(self, pct: float) -> float:
        return percentile(self.latencies_ms, pct)

    @property
    def server_ms_per_request(self) -> float:
        return 1000 * self.server_cpu_s / self.requests if self.requests else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "wall_s": round(self.wall_s, 3),
            "per_second": round(self.rate, 1),
            "p50_ms": round(self.p(50), 3),
            "p95_ms": round(self.p(95), 3),
            "p99_ms": round(self.p(99), 3),
            "max_ms": round(max(self.latencies_ms), 3),
            "server_cpu_ms_per_request": round(self.server_ms_per_request, 4),
            "client_cpu_share": round(self.client_cpu_s / self.wall_s, 3) if self.wall_s else None,
        }


# Processes --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _server(env: dict[str, str], log: IO[bytes]) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``python -m benchmarks.api_bare`` (uvicorn, one worker); yields its URL, not yet ready."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.api_bare", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{port}", proc
    finally:
        _stop(proc)


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the API server did not start: {log.read_text()[-2000:]}")
        time.sleep(0.05)


def _stop(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class LoadGenerator:
    """The client process (:mod:`benchmarks._loadgen`), one block at a time."""

    def __init__(self, url: str, token: str, err: IO[bytes]) -> None:
        env = {**os.environ, "LOADGEN_TOKEN": token}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._loadgen", url, str(CONNECTIONS)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )

    def block(
        self,
        paths: Sequence[str],
        seconds: float,
        headers: dict[str, str] | None = None,
        *,
        errors_ok: bool = False,
    ) -> dict[str, Any]:
        """One block's figures; failed requests raise unless ``errors_ok`` (then counted)."""
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        order: dict[str, Any] = {"paths": list(paths), "seconds": seconds}
        if headers:
            order["headers"] = headers
        self.proc.stdin.write(json.dumps(order) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the load generator died (see its stderr above)")
        result: dict[str, Any] = json.loads(line)
        if result["errors"] and not errors_ok:
            raise RuntimeError(
                f"{result['errors']} of {result['requests']} requests failed, "
                f"first: {result['first_error']}"
            )
        return result

    def close(self) -> None:
        if self.proc.stdin is not None:
            try:
                self.proc.stdin.write("\n")
                self.proc.stdin.close()
            except OSError:
                pass
        _stop(self.proc)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


# Same SQL, same JSON ------------------------------------------------------------------


def _normal(sql: str) -> str:
    """Placeholders of any style as ``?``, whitespace collapsed."""
    sql = re.sub(r"%\(\w+\)s", "?", sql).replace("%s", "?")
    return " ".join(sql.split())


def _statements(sqls: Sequence[str]) -> list[str]:
    """The statements compared, normalised; ``BEGIN`` left out.

    itsm sends SQLite's ``BEGIN`` on the driver's connection
    (``itsm.db.engine._begin_sqlite``), which ``before_cursor_execute`` does not
    see; the bare route sends it too (see its trace), so it is not compared.
    """
    return [_normal(s) for s in sqls if not _normal(s).upper().startswith("BEGIN")]


async def _same_work(settings: Settings, token: str, todo: Sequence[Case]) -> list[str]:
    """Each case's real and bare route, in-process: same statements, same JSON, or raise."""
    app = api_bare.create_app(settings)
    lines: list[str] = []
    async with app.router.lifespan_context(app):
        engine = app.state.db.engine
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", headers=headers
        ) as client:
            await client.get(todo[0].real[0])  # writes last_used_at: not again for a minute
            for case in todo:
                real_sql: list[str] = []

                def capture(*args: Any, into: list[str] = real_sql) -> None:
                    into.append(str(args[2]))

                event.listen(engine, "before_cursor_execute", capture)
                try:
                    real = await client.get(case.real[0])
                finally:
                    event.remove(engine, "before_cursor_execute", capture)
                bare_sql: list[str] = []
                api_bare.TRACE = bare_sql
                try:
                    bare = await client.get(case.bare[0])
                finally:
                    api_bare.TRACE = None
                if real.status_code != 200 or bare.status_code != 200:
                    raise RuntimeError(
                        f"{case.label}: real {real.status_code} {real.text[:200]}, "
                        f"bare {bare.status_code} {bare.text[:200]}"
                    )
                if real.json() != bare.json():
                    raise RuntimeError(
                        f"{case.label}: the bare route's JSON differs from the real one's:\n"
                        f"real {real.text[:1500]}\nbare {bare.text[:1500]}"
                    )
                if _statements(real_sql) != _statements(bare_sql):
                    raise RuntimeError(
                        f"{case.label}: the bare route's SQL differs from the real one's:\n"
                        + "\n".join(f"real: {s}" for s in _statements(real_sql))
                        + "\n"
                        + "\n".join(f"bare: {s}" for s in _statements(bare_sql))
                    )
                sent = len(_statements(real_sql))
                lines.append(f"{case.key}: {sent} statements, {len(real.content)} bytes")
    return lines


# Measuring ----------------------------------------------------------------------------


def _token(settings: Settings) -> str:
    from itsm.accounts import service as accounts
    from itsm.accounts.schemas import TokenCreate
    from itsm.db.runtime import open_database
    from itsm.users import service as users

    db = open_database(settings)
    try:
        with db.session() as session:
            owner = users.get_user(session, ref=TECHNICIAN)
            data = TokenCreate(name=f"bench {NAME}")
            return accounts.create_token(session, owner=owner, data=data)[1]
    finally:
        db.dispose()


@dataclass
class Measured:
    runs: dict[tuple[str, str], PathRun]
    checks: list[str]


class Rig:
    """One database's server and load generator, started at once (they boot in parallel)."""

    def __init__(self, ds: _dataset.Dataset, stack: ExitStack) -> None:
        self.ds = ds
        home = stack.enter_context(isolated_settings_env())
        self.settings = settings_for(ds.url, home)
        self.token = _token(self.settings)
        env = {**os.environ, "ITSM_DATABASE_URL": ds.url, "ITSM_DATA_DIR": str(home / "data")}
        self.log_path = home / "server.log"
        log = stack.enter_context(self.log_path.open("wb"))
        self.url, self.proc = stack.enter_context(_server(env, log))
        gen_err = stack.enter_context((home / "loadgen.log").open("wb"))
        self.gen = LoadGenerator(self.url, self.token, gen_err)
        stack.callback(self.gen.close)

    def check(self, todo: Sequence[Case]) -> list[str]:
        """In this process, while the server starts: same SQL and JSON for every case."""
        return asyncio.run(_same_work(self.settings, self.token, todo))

    def measure(
        self, cfg: RunConfig, todo: Sequence[Case], block_s: float, rounds: int, warm_s: float
    ) -> dict[tuple[str, str], PathRun]:
        _wait_ready(self.url, self.proc, self.log_path)
        server = psutil.Process(self.proc.pid)
        runs = {(c.key, which): PathRun() for c in todo for which in ("real", "bare")}

        def block(case: Case, which: str, seconds: float) -> dict[str, Any]:
            before = server.cpu_times()
            out = self.gen.block(case.paths(which), seconds)
            after = server.cpu_times()
            out["server_cpu_s"] = (after.user - before.user) + (after.system - before.system)
            return out

        kind = self.ds.kind
        cfg.log(f"{NAME}/{kind}: warm-up, {warm_s:.1f} s per path")
        for case in todo:
            for which in ("real", "bare"):
                block(case, which, warm_s)
        cfg.log(f"{NAME}/{kind}: {rounds} rounds of {block_s:.1f} s per path, {CONNECTIONS} conns")
        for r in range(rounds):
            for case in todo:
                for which in ("real", "bare") if r % 2 == 0 else ("bare", "real"):
                    out = block(case, which, block_s)
                    run = runs[case.key, which]
                    run.requests += int(out["requests"])
                    run.wall_s += float(out["wall_s"])
                    run.latencies_ms += out["latencies_ms"]
                    run.server_cpu_s += float(out["server_cpu_s"])
                    run.client_cpu_s += float(out["cpu_s"])
        return runs


@dataclass(frozen=True)
class Plan:
    rounds: int
    block_s: float
    warm_s: float
    timed: int  # how many of the cases are timed (all are checked)

    @classmethod
    def of(cls, cfg: RunConfig) -> Plan:
        if cfg.smoke:  # the two requests of the issue, briefly: CI's check that it all runs
            return cls(rounds=2, block_s=0.25, warm_s=0.2, timed=2)
        return cls(rounds=5, block_s=2.0, warm_s=2.0, timed=3)


def _measure_all(
    cfg: RunConfig, datasets: Sequence[_dataset.Dataset], todo: Sequence[Case], plan: Plan
) -> dict[str, Measured]:
    """Every database's figures: servers started together, then measured one at a time."""
    out: dict[str, Measured] = {}
    with ExitStack() as stack:
        rigs = [Rig(ds, stack) for ds in datasets]
        checks = {rig.ds.kind: rig.check(todo) for rig in rigs}
        for rig in rigs:
            runs = rig.measure(cfg, todo[: plan.timed], plan.block_s, plan.rounds, plan.warm_s)
            out[rig.ds.kind] = Measured(runs, checks[rig.ds.kind])
            _stop(rig.proc)  # the next database's server has the machine to itself
    return out


def run(cfg: RunConfig) -> Result:
    count = cfg.size(full=10_000, smoke=500)
    plan = Plan.of(cfg)
    result = Result(name=NAME, title=TITLE)
    skipped = _dataset.skipped_kinds()
    sample = random.Random(_dataset.SEED).sample(range(1, count + 1), min(count, 1000))
    todo = cases(sample)
    result.notes.append(
        f"{count:,} tickets; one uvicorn worker; {CONNECTIONS} keep-alive connections from a "
        f"separate asyncio + httpx process; {plan.rounds} rounds of {plan.block_s:.2g} s per "
        "path and case, real and bare alternated, after a warm-up block each; rate = requests "
        "/ wall time; p95 = the client's per-request latency; server CPU = the server "
        "process's CPU time per request"
    )
    datasets = []
    for kind, label in _dataset.KINDS:
        if kind in skipped:
            result.skipped.append(f"{label}: {skipped[kind]}")
        else:
            datasets.append(_dataset.provide(cfg, kind, count))
    measured = _measure_all(cfg, datasets, todo, plan)
    for ds in datasets:
        label, m = ds.label, measured[ds.kind]
        result.notes.append(f"{label}: same SQL and JSON checked ({'; '.join(m.checks)})")
        data: dict[str, Any] = {}
        for case in todo[: plan.timed]:
            real, bare = m.runs[case.key, "real"], m.runs[case.key, "bare"]
            bare_label = f"{label} {case.label}: bare"
            ratio = real.rate / bare.rate if bare.rate else 0.0
            result.figures += [
                Figure(
                    bare_label,
                    bare.rate,
                    "requests/s",
                    detail=(
                        f"baseline; p50 {bare.p(50):.2f} ms, p95 {bare.p(95):.2f} ms; "
                        f"server CPU {bare.server_ms_per_request:.2f} ms/request"
                    ),
                ),
                Figure(
                    f"{label} {case.label}: API",
                    real.rate,
                    "requests/s",
                    baseline=bare_label,
                    baseline_value=bare.rate,
                    ratio_style=RatioStyle.PERCENT,
                    detail=(
                        f"p50 {real.p(50):.2f} ms, p95 {real.p(95):.2f} ms; "
                        f"server CPU {real.server_ms_per_request:.2f} ms/request "
                        f"({real.server_ms_per_request / bare.server_ms_per_request:.2f}× bare)"
                    ),
                ),
                Figure(
                    f"{label} {case.label}: API p95",
                    real.p(95),
                    "ms",
                    baseline=f"{bare_label} p95",
                    baseline_value=bare.p(95),
                    detail=f"bare p95 {bare.p(95):.2f} ms",
                ),
            ]
            data[case.key] = {
                "real": real.as_json(),
                "bare": bare.as_json(),
                "rate_ratio": round(ratio, 4),
                "p95_ratio": round(real.p(95) / bare.p(95), 4),
                "server_cpu_ratio": round(
                    real.server_ms_per_request / bare.server_ms_per_request, 4
                ),
            }
        data["dataset"] = ds.detail
        result.data[ds.kind] = data
    return result
