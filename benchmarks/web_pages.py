"""The web app at 1,000,000 tickets: server time, Chromium page loads, static size, live views.

Issue 14's "Speed" targets, on each database's shared help desk data set
(:mod:`benchmarks._dataset`; 1,000,000 tickets full, 500 smoke) served by
``itsm serve`` (one worker, a subprocess):

* **Server time**: 8 keep-alive connections from a separate process
  (:mod:`benchmarks._loadgen`) send ``GET`` requests back to back, a staff
  session's cookie (``tech01``) or an end user's (``req00000``, about 200 tickets
  at full size): the five queue views, a staff ticket page (ids from a fixed random
  sample), the portal's "my tickets", the dashboard page and its panel. Server time
  is each request's time as the client saw it on loopback (the app sends no
  Server-Timing), so it includes the client's share and the queueing of 8 clients on
  one worker. Target p95 ≤ 30 ms. As information, the API's JSON of the same data
  (a ticket, a first page, the dashboard's figures) under the same load, and the
  dashboard's figures computed uncached in-process (the trend of 30 days as two
  GROUP BY queries against the 29 per-day service reports it replaced).
* **Chromium** (:mod:`benchmarks._browser_pages`): DOMContentLoaded p95 ≤ 300 ms
  for the same pages, one browser, no other load; the JS and CSS each page loads,
  gzip-compressed, ≤ 100 KB.
* **Live dashboards** (:mod:`benchmarks._live_dashboards`): 200 open event streams;
  a ticket created through the API reaches every one within 1 s p95 (the event, then
  the panel read again as the page does); an idle open dashboard costs the server
  < 0.1 % of a core (server CPU over an idle minute with the streams open / their
  number).

``--smoke``: 500 tickets, short blocks, 1 load per page, 10 streams, 0.5 s idle: it
checks that everything runs, its figures are noise.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psutil

from benchmarks import _browser_pages, _dataset, _live_dashboards, _machine
from benchmarks._core import (
    LIVE_CLIENTS,
    LIVE_IDLE_MAX_PERCENT,
    LIVE_P95_MS,
    WEB_DCL_P95_MS,
    WEB_SERVER_P95_MS,
    WEB_STATIC_MAX_KB,
    Figure,
    Result,
    RunConfig,
    Target,
    percentile,
)
from benchmarks._env import api_server, isolated_settings_env, settings_for
from benchmarks.api_requests import LoadGenerator
from itsm.config import Settings

NAME = "web_pages"
TITLE = "Web app pages: server time, Chromium load, JS+CSS size, 200 live dashboards"
STAFF = "tech01"
REQUESTER = "req00000"
COOKIE = "itsm_session"
QUEUE_VIEWS = ("active", "mine", "unassigned", "due-soon", "breached")
SMOKE_PAGES = ("queue_active", "dashboard")  # loaded in Chromium by --smoke


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    paths: list[str]
    viewer: str  # "staff", "user" or "api"
    target: bool  # judged against the server-time target (else information)


def cases(ticket_ids: Sequence[int]) -> list[Case]:
    tickets = [f"/tickets/{i}" for i in ticket_ids]
    out = [
        Case(f"queue_{v}", f"queue view {v}", [f"/queue?view={v}"], "staff", True)
        for v in QUEUE_VIEWS
    ]
    out += [
        Case("ticket", "staff ticket page", tickets, "staff", True),
        Case("portal", "portal my tickets", ["/tickets"], "user", True),
        Case("dashboard", "dashboard page", ["/dashboard"], "staff", True),
        Case("panel", "dashboard panel", ["/dashboard/panel"], "staff", True),
        Case("api_ticket", "API JSON: a ticket", [f"/api/v1{p}" for p in tickets], "api", False),
        Case("api_list", "API JSON: first page", ["/api/v1/tickets?limit=25"], "api", False),
        Case("api_dashboard", "API JSON: dashboard", ["/api/v1/reports/dashboard"], "api", False),
    ]
    return out


@dataclass(frozen=True)
class Plan:
    count: int
    rounds: int
    block_s: float
    warm_s: float
    loads: int
    clients: int
    changes: int
    idle_s: float

    @classmethod
    def of(cls, cfg: RunConfig) -> Plan:
        count = cfg.ticket_count(full=1_000_000, smoke=500)
        if cfg.smoke:
            return cls(count, 1, 0.2, 0.05, 1, 10, 1, 0.5)
        return cls(count, 3, 2.0, 1.0, 20, LIVE_CLIENTS, 10, 60.0)


@dataclass(frozen=True)
class Access:
    staff_cookie: str
    user_cookie: str
    token: str
    requester_id: int


def _access(settings: Settings) -> Access:
    """Two web sessions (staff, end user) and a staff API token, opened in-process."""
    from itsm.accounts import service as accounts
    from itsm.accounts import sessions
    from itsm.accounts.schemas import TokenCreate
    from itsm.db.runtime import open_database
    from itsm.users import service as users
    from itsm.web.session import lifetime

    db = open_database(settings)
    try:
        with db.session() as session:
            staff = users.get_user(session, ref=STAFF)
            requester = users.get_user(session, ref=REQUESTER)
            life = lifetime(settings)
            _, staff_secret = sessions.open_session(
                session, user=staff, address="127.0.0.1", lifetime=life
            )
            _, user_secret = sessions.open_session(
                session, user=requester, address="127.0.0.1", lifetime=life
            )
            token = accounts.create_token(session, owner=staff, data=TokenCreate(name=NAME))[1]
            return Access(staff_secret, user_secret, token, requester.id)
    finally:
        db.dispose()


def _dashboard_compute(settings: Settings, repeat: int) -> dict[str, float]:
    """Uncached dashboard figures in-process, ms (median): the whole, the trend's two
    queries, and the 29 per-day service reports the trend replaced."""
    from itsm.accounts.principal import Principal
    from itsm.db.base import utcnow
    from itsm.db.runtime import open_database
    from itsm.reports.dashboard import TREND_DAYS, dashboard, past_days
    from itsm.reports.service import service_report
    from itsm.users import service as users

    db = open_database(settings)
    zone = settings.zone
    timings: dict[str, list[float]] = {"dashboard": [], "trend": [], "per_day_reports": []}
    try:
        with db.session() as session:
            who = Principal(user=users.get_user(session, ref=STAFF))
            for _ in range(repeat):
                now = utcnow()
                runs: dict[str, Callable[[datetime], object]] = {
                    "dashboard": lambda at: dashboard(session, who=who, now=at, zone=zone),
                    "trend": lambda at: past_days(session, now=at, zone=zone),
                    "per_day_reports": lambda at: [
                        service_report(
                            session,
                            start=at - timedelta(days=back),
                            end=at - timedelta(days=back - 1),
                        )
                        for back in range(TREND_DAYS - 1, 0, -1)
                    ],
                }
                for key, call in runs.items():
                    if key == "per_day_reports" and repeat == 1:
                        timings[key].append(float("nan"))  # --smoke: not the old way
                        continue
                    t0 = time.perf_counter()
                    call(now)
                    timings[key].append((time.perf_counter() - t0) * 1000)
    finally:
        db.dispose()
    return {key: sorted(v)[len(v) // 2] for key, v in timings.items() if v}


def _server_times(
    cfg: RunConfig, gen: LoadGenerator, access: Access, todo: Sequence[Case], plan: Plan
) -> tuple[dict[str, list[float]], dict[str, str]]:
    headers = {
        "staff": {"Cookie": f"{COOKIE}={access.staff_cookie}"},
        "user": {"Cookie": f"{COOKIE}={access.user_cookie}"},
        "api": {"Authorization": f"Bearer {access.token}"},
    }
    failed: dict[str, str] = {}

    def block(case: Case, seconds: float) -> list[float]:
        got = gen.block(case.paths, seconds, headers[case.viewer], errors_ok=True)
        if got["errors"]:  # timed as they came (a timeout counts its wait), and named
            failed.setdefault(case.key, f"{got['errors']} failed: {got['first_error'][:120]}")
        return list(got["latencies_ms"])

    for case in todo:
        block(case, plan.warm_s)
    out: dict[str, list[float]] = {case.key: [] for case in todo}
    for r in range(plan.rounds):
        for case in todo if r % 2 == 0 else list(reversed(todo)):
            out[case.key] += block(case, plan.block_s)
    cfg.log(f"{NAME}: {sum(map(len, out.values())):,} requests timed")
    return out, failed


def _measure(cfg: RunConfig, ds: _dataset.Dataset, plan: Plan, result: Result) -> None:
    label = ds.label
    sample = random.Random(_dataset.SEED).sample(range(1, plan.count + 1), min(plan.count, 200))
    todo = cases(sample)
    if cfg.smoke:  # the pages of the targets only: a check that everything runs
        todo = [c for c in todo if c.target]
    data: dict[str, Any] = {"dataset": ds.detail}
    with ExitStack() as stack:
        home = stack.enter_context(isolated_settings_env())
        settings = settings_for(ds.url, home)
        access = _access(settings)
        env = {**os.environ, "ITSM_DATABASE_URL": ds.url, "ITSM_DATA_DIR": str(home / "data")}
        url, pid = stack.enter_context(api_server(env, home / "server.log"))
        gen = LoadGenerator(url, "", stack.enter_context((home / "loadgen.log").open("wb")))
        stack.callback(gen.close)
        cfg.log(f"{NAME}/{ds.kind}: server time, {len(todo)} cases")
        load = _machine.load_average()
        times, failed = _server_times(cfg, gen, access, todo, plan)
        _server_figures(result, label, todo, times, failed, load)
        data["server_ms"] = {
            k: {"p50": percentile(v, 50), "p95": percentile(v, 95), "n": len(v)}
            for k, v in times.items()
        }
        data["load_server_time"] = load

        missing = _browser_pages.available()
        if missing:
            result.skipped.append(f"{label} Chromium: {missing}")
        else:
            cfg.log(f"{NAME}/{ds.kind}: Chromium, {plan.loads} loads per page")
            _browser(result, label, url, access, todo, plan, data)

        cfg.log(f"{NAME}/{ds.kind}: {plan.clients} live dashboards")
        load = _machine.load_average()
        try:
            live = _live_dashboards.measure(
                url,
                cookie=f"{COOKIE}={access.staff_cookie}",
                token=access.token,
                requester_id=access.requester_id,
                clients=plan.clients,
                changes=plan.changes,
                idle_s=plan.idle_s,
                server_pid=pid,
            )
        except (RuntimeError, TimeoutError) as exc:  # a MISS with its reason, not a crash
            errors = [ln for ln in (home / "server.log").read_text().splitlines() if ln.strip()]
            reason = f"{type(exc).__name__}: {exc}; server log: {' | '.join(errors[-6:])[-600:]}"
            result.targets.append(Target(f"{label} live dashboards", False, reason))
            data["live"] = {"error": reason, "load": load}
        else:
            _live_figures(result, label, live, load)
            data["live"] = {**live.as_json(), "load": load}
        data["server_rss_mb"] = round(psutil.Process(pid).memory_info().rss / 2**20, 1)
    cfg.log(f"{NAME}/{ds.kind}: dashboard figures uncached, in-process")
    compute = _dashboard_compute(settings, 3 if not cfg.smoke else 1)
    old = compute.get("per_day_reports", float("nan"))
    result.figures.append(
        Figure(
            f"{label} dashboard figures, uncached",
            compute["dashboard"],
            "ms",
            detail=(
                f"in-process; the 30-day trend's past days {compute['trend']:.1f} ms "
                f"(2 GROUP BY queries) against {old:.1f} ms for the 29 per-day service "
                "reports it replaced; served from the cache between changes"
            ),
        )
    )
    data["dashboard_compute_ms"] = compute
    result.data[ds.kind] = data


def _load_text(load: Sequence[float] | None) -> str:
    return "load " + (" ".join(f"{v:.2f}" for v in load) if load else "?")


def _server_figures(
    result: Result,
    label: str,
    todo: Sequence[Case],
    times: dict[str, list[float]],
    failed: dict[str, str],
    load: Sequence[float] | None,
) -> None:
    for case in todo:
        values = times[case.key]
        p95 = percentile(values, 95)
        result.figures.append(
            Figure(
                f"{label} {case.label}: p95",
                p95,
                "ms",
                detail=f"p50 {percentile(values, 50):.1f} ms, {len(values):,} requests"
                + ("" if case.target else "; information")
                + (f"; {failed[case.key]}" if case.key in failed else ""),
            )
        )
    judged = [c for c in todo if c.target]
    worst = max(judged, key=lambda c: percentile(times[c.key], 95))
    worst_p95 = percentile(times[worst.key], 95)
    result.targets.append(
        Target(
            f"{label} server time p95 ≤ {WEB_SERVER_P95_MS:.0f} ms on every page "
            f"(8 clients, measured by the client on loopback)",
            worst_p95 <= WEB_SERVER_P95_MS and not any(c.key in failed for c in judged),
            f"worst {worst.label} {worst_p95:.1f} ms; {_load_text(load)}"
            + (f"; failed requests: {', '.join(sorted(failed))}" if failed else ""),
        )
    )


def _browser(
    result: Result,
    label: str,
    url: str,
    access: Access,
    todo: Sequence[Case],
    plan: Plan,
    data: dict[str, Any],
) -> None:
    cookies = {"staff": access.staff_cookie, "user": access.user_cookie}
    pages = [
        _browser_pages.Page(c.key, c.paths[0], (COOKIE, cookies[c.viewer]))
        for c in todo
        if c.target and c.key != "panel" and (plan.loads > 1 or c.key in SMOKE_PAGES)
    ]
    load = _machine.load_average()
    loaded = _browser_pages.load_pages(url, pages, plan.loads)
    assets = _browser_pages.sizes(set().union(*(p.assets for p in loaded.values())))
    worst_dcl = ("", 0.0)
    worst_kb = ("", 0.0)
    for key, page in loaded.items():
        p95 = percentile(page.dcl_ms, 95)
        kb = sum(assets[u].gzip_bytes for u in page.assets) / 1024
        raw_kb = sum(assets[u].raw_bytes for u in page.assets) / 1024
        result.figures.append(
            Figure(
                f"{label} Chromium {key}: DOMContentLoaded p95",
                p95,
                "ms",
                detail=f"median {percentile(page.dcl_ms, 50):.0f} ms, max {max(page.dcl_ms):.0f} "
                f"ms; JS+CSS {len(page.assets)} files, {raw_kb:.1f} KB, gzip {kb:.1f} KB",
            )
        )
        worst_dcl = max(worst_dcl, (key, p95), key=lambda kv: kv[1])
        worst_kb = max(worst_kb, (key, kb), key=lambda kv: kv[1])
    encodings = sorted({a.served_encoding for a in assets.values()})
    result.targets += [
        Target(
            f"{label} DOMContentLoaded p95 ≤ {WEB_DCL_P95_MS:.0f} ms in Chromium on every page",
            worst_dcl[1] <= WEB_DCL_P95_MS,
            f"worst {worst_dcl[0]} {worst_dcl[1]:.0f} ms; {_load_text(load)}",
        ),
        Target(
            f"{label} JS+CSS of any page ≤ {WEB_STATIC_MAX_KB:.0f} KB compressed",
            worst_kb[1] <= WEB_STATIC_MAX_KB,
            f"worst {worst_kb[0]} {worst_kb[1]:.1f} KB gzip -6; served as {', '.join(encodings)}",
        ),
    ]
    data["chromium"] = {
        key: {"dcl_ms": page.dcl_ms, "assets": sorted(page.assets)} for key, page in loaded.items()
    }
    data["assets"] = {u: [a.raw_bytes, a.gzip_bytes, a.served_encoding] for u, a in assets.items()}
    data["load_chromium"] = load


def _live_figures(
    result: Result, label: str, live: _live_dashboards.LiveFigures, load: Sequence[float] | None
) -> None:
    event_p95 = percentile(live.event_ms, 95)
    panel_p95 = percentile(live.panel_ms, 95)
    idle = live.idle_percent_per_client()
    fixed = 100.0 * live.idle_cpu_s_without / live.idle_s
    result.figures += [
        Figure(
            f"{label} {live.clients} dashboards: change -> event p95",
            event_p95,
            "ms",
            detail=f"max {max(live.event_ms):.0f} ms over {len(live.event_ms):,} deliveries",
        ),
        Figure(
            f"{label} {live.clients} dashboards: change -> panel read p95",
            panel_p95,
            "ms",
            detail=f"max {max(live.panel_ms):.0f} ms; every dashboard reads its panel again",
        ),
        Figure(
            f"{label} idle dashboard: server CPU per stream",
            idle,
            "% of a core",
            detail=f"{live.idle_cpu_s_with:.2f} s CPU over {live.idle_s:.0f} s with "
            f"{live.clients} streams; the server alone {fixed:.3f} % of a core",
        ),
    ]
    result.targets += [
        Target(
            f"{label} a change reaches {live.clients} open dashboards within "
            f"{LIVE_P95_MS / 1000:.0f} s p95 (event, then the panel read again)",
            panel_p95 <= LIVE_P95_MS,
            f"{panel_p95:.0f} ms (event {event_p95:.0f} ms); {_load_text(load)}",
        ),
        Target(
            f"{label} an idle open dashboard costs < {LIVE_IDLE_MAX_PERCENT} % of a core",
            idle < LIVE_IDLE_MAX_PERCENT,
            f"{idle:.4f} %; {_load_text(load)}",
        ),
    ]


def run(cfg: RunConfig) -> Result:
    plan = Plan.of(cfg)
    result = Result(name=NAME, title=TITLE)
    result.notes.append(
        f"{plan.count:,} tickets; itsm serve, one worker; server time = each request's time "
        "as the client saw it on loopback (no Server-Timing), 8 keep-alive connections from "
        f"a separate asyncio + httpx process, {plan.rounds} rounds of {plan.block_s:.2g} s per "
        f"page after a warm-up block; Chromium {plan.loads} loads per page, alone; "
        f"{plan.clients} event streams, {plan.changes} changes, {plan.idle_s:.0f} s idle"
    )
    skipped = _dataset.skipped_kinds()
    for kind, label in _dataset.KINDS:
        if kind in skipped:
            result.skipped.append(f"{label}: {skipped[kind]}")
            continue
        _measure(cfg, _dataset.provide(cfg, kind, plan.count), plan, result)
    return result
