"""The service report over 1,000,000 tickets: ``service_report`` against hand-written SQL.

For each database kind, a throw-away database migrated to head
(``itsm.db.migrate.upgrade``) is filled by bulk load (``executemany`` in large
transactions on SQLite, ``COPY`` on PostgreSQL) with a year of tickets: 10
technicians, 2,000 requesters, weighted priorities and categories, SLA due
times by priority, log-normal response and resolution times, statuses that
follow from the ticket's age, ratings on some resolutions, and one comment with
time spent per four tickets. Then ``ANALYZE``.

Two paths compute the same figures over the same period:

* **service**: ``itsm.reports.service.service_report`` in a read-only
  ``Database.session()`` (``open_database``: the engine as in production);
* **raw SQL** (the baseline): the same aggregates written by hand as SQL
  strings, run on a raw DBAPI connection (``sqlite3`` / ``psycopg``), the few
  group rows added up in Python; on PostgreSQL in a transaction with
  ``plan_cache_mode = force_custom_plan``, as the service runs its statements.

Both paths' figures are compared before timing (the baseline must do the same
work). Runs alternate raw, service, raw, ... after one warm-up each; the figure
is the median of the runs. Periods: the last 30 days (the command's default)
and the whole year. Target: service median <= 1.5 x raw median, per database
and period.

The period queries filter on ``resolved_at`` and ``closed_at``, which the
schema indexes since migration 0005 (``ix_tickets_resolved``,
``ix_tickets_closed``; ``ix_tickets_resolved_at`` is partial, ``status =
'resolved'``, and cannot serve them). This benchmark measures the 30-day period
once without those two indexes (dropped after the load), then recreates them for
the timed runs.
"""

from __future__ import annotations

import math
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from benchmarks._core import REPORT_MAX_RATIO, Figure, Result, RunConfig, Target, median
from benchmarks._env import (
    isolated_settings_env,
    migrate_database,
    postgres_database,
    postgres_dsn,
    postgres_reachable,
    postgres_sqlalchemy_url,
    settings_for,
    sqlite_url,
)
from itsm.db.runtime import Database, open_database
from itsm.reports.schemas import Breakdown, ServiceReport
from itsm.reports.service import service_report

NAME = "service_report"
TITLE = "Service report: service_report vs the same aggregates in hand-written SQL"
TECHNICIANS = 10
REQUESTERS = 2000
CHUNK = 50_000
YEAR = timedelta(days=365)

PRIORITIES = ("critical", "high", "medium", "low")
PRIORITY_WEIGHTS = (5, 20, 50, 25)
CATEGORIES = ("hardware", "software", "network", "account", "other")
CATEGORY_WEIGHTS = (30, 30, 15, 15, 10)
# Per priority: SLA hours (first response, resolution), median hours (response, resolution).
SLA_HOURS = {"critical": (1, 4), "high": (4, 24), "medium": (8, 72), "low": (24, 120)}
MEDIAN_HOURS = {"critical": (0.25, 4), "high": (1, 16), "medium": (3, 48), "low": (8, 120)}
TITLES = ("Printer jam", "VPN drops", "Password reset", "Laptop slow", "Mail bounce")
SPENT = (0, 5, 10, 15, 30, 60, 120)

TICKET_COLUMNS = (
    "id",
    "number",
    "title",
    "description",
    "category",
    "priority",
    "status",
    "source",
    "requester_id",
    "assignee_id",
    "first_response_due_at",
    "resolution_due_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "satisfaction_rating",
    "created_at",
    "updated_at",
)
COMMENT_COLUMNS = (
    "ticket_id",
    "author_id",
    "body",
    "is_internal",
    "time_spent_minutes",
    "created_at",
)
PERIOD_INDEXES = (  # as migration 0005 creates them
    "CREATE INDEX ix_tickets_resolved ON tickets (resolved_at)",
    "CREATE INDEX ix_tickets_closed ON tickets (closed_at)",
)
NO_PERIOD_INDEXES = ("DROP INDEX ix_tickets_resolved", "DROP INDEX ix_tickets_closed")

Row = tuple[Any, ...]


# Data ------------------------------------------------------------------------------


def generate(
    count: int, now: datetime, techs: list[int], requesters: list[int]
) -> Iterator[tuple[list[Row], list[Row]]]:
    """Chunks of (ticket rows, comment rows), datetimes as aware UTC ``datetime``."""
    rng = random.Random(20250301)
    hour = timedelta(hours=1)
    lognormal = {p: (math.log(r), math.log(s)) for p, (r, s) in MEDIAN_HOURS.items()}
    tickets: list[Row] = []
    comments: list[Row] = []
    for ticket_id in range(1, count + 1):
        created = now - rng.random() * YEAR
        age = now - created
        priority = rng.choices(PRIORITIES, PRIORITY_WEIGHTS)[0]
        mu_response, mu_resolve = lognormal[priority]
        to_respond = rng.lognormvariate(mu_response, 1.0) * hour
        to_resolve = max(to_respond, rng.lognormvariate(mu_resolve, 1.0) * hour)
        has_sla = rng.random() < 0.9
        fr_hours, res_hours = SLA_HOURS[priority]
        responded = created + to_respond if to_respond < age else None
        resolved = created + to_resolve if to_resolve < age and rng.random() < 0.97 else None
        closed = None
        rating = None
        if resolved is not None:
            status = "resolved"
            if resolved + timedelta(days=3) < now and rng.random() < 0.9:
                status, closed = "closed", resolved + timedelta(days=3, minutes=rng.random() * 60)
            if rng.random() < 0.3:
                rating = rng.choices((1, 2, 3, 4, 5), (5, 5, 15, 35, 40))[0]
        else:
            status = rng.choices(("open", "in_progress", "pending"), (5, 3, 2))[0]
            if status == "open" and rng.random() < 0.5:
                responded = None
        unassigned = (status == "open" and rng.random() < 0.5) or rng.random() < 0.03
        assignee = None if unassigned else rng.choice(techs)
        tickets.append(
            (
                ticket_id,
                f"BENCH-{ticket_id:08d}",
                rng.choice(TITLES),
                "",
                rng.choices(CATEGORIES, CATEGORY_WEIGHTS)[0],
                priority,
                status,
                "web",
                rng.choice(requesters),
                assignee,
                created + fr_hours * hour if has_sla else None,
                created + res_hours * hour if has_sla else None,
                responded,
                resolved,
                closed,
                rating,
                created,
                closed or resolved or responded or created,
            )
        )
        if ticket_id % 4 == 0:
            worked = created + min(age, to_resolve) * rng.random()
            author = assignee or rng.choice(techs)
            comments.append(
                (ticket_id, author, "Looked into it.", False, rng.choice(SPENT), worked)
            )
        if len(tickets) == CHUNK:
            yield tickets, comments
            tickets, comments = [], []
    if tickets:
        yield tickets, comments


def _sqlite_text(row: Row) -> Row:
    """Datetimes (all UTC) in the text shape SQLAlchemy stores on SQLite: naive, microseconds."""
    return tuple(
        v.isoformat(" ", "microseconds")[:26] if isinstance(v, datetime) else v for v in row
    )


def _people() -> list[tuple[str, str, str]]:
    techs = [(f"tech{i:02d}", f"Technician {i}", "technician") for i in range(TECHNICIANS)]
    return techs + [(f"req{i:05d}", f"Requester {i}", "user") for i in range(REQUESTERS)]


def _insert_sql(tbl: str, columns: tuple[str, ...], mark: str) -> str:
    return f"INSERT INTO {tbl} ({', '.join(columns)}) VALUES ({', '.join(mark for _ in columns)})"


DEFERRED_SQLITE = """
SELECT type, name, sql FROM sqlite_master
WHERE tbl_name IN ('tickets', 'ticket_comments') AND sql IS NOT NULL
  AND (type = 'index' OR (type = 'trigger' AND instr(name, '_fts_') > 0))
"""


def load_sqlite(path: Path, count: int, now: datetime, log: Callable[[str], None]) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = OFF")  # set-up only; the runs use itsm's settings
        conn.execute("PRAGMA foreign_keys = OFF")
        # Bulk-load practice: secondary indexes and full-text triggers are dropped for the
        # load and recreated from their own DDL after it (same schema as migrated).
        deferred = conn.execute(DEFERRED_SQLITE).fetchall()
        for kind, name, _sql in deferred:
            conn.execute(f'DROP {kind.upper()} "{name}"')
        conn.execute("BEGIN")
        conn.executemany(_insert_sql("users", ("username", "full_name", "role"), "?"), _people())
        techs, requesters = _user_ids(conn.execute("SELECT id, role FROM users").fetchall())
        tickets_sql = _insert_sql("tickets", TICKET_COLUMNS, "?")
        comments_sql = _insert_sql("ticket_comments", COMMENT_COLUMNS, "?")
        done = 0
        for tickets, comments in generate(count, now, techs, requesters):
            conn.executemany(tickets_sql, map(_sqlite_text, tickets))
            conn.executemany(comments_sql, map(_sqlite_text, comments))
            done += len(tickets)
            if done % 200_000 == 0:
                log(f"{NAME}/sqlite: {done:,} tickets loaded")
        conn.execute("COMMIT")
        log(f"{NAME}/sqlite: recreating {len(deferred)} indexes and triggers, full-text index")
        for _kind, _name, sql in deferred:
            conn.execute(sql)
        for fts in ("tickets_fts", "ticket_comments_fts"):
            conn.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def load_postgres(dsn: str, count: int, now: datetime, log: Callable[[str], None]) -> None:
    with psycopg.connect(dsn) as conn:
        with conn.cursor() as cur:
            cur.executemany(
                _insert_sql("users", ("username", "full_name", "role"), "%s"), _people()
            )
            cur.execute("SELECT id, role FROM users")
            techs, requesters = _user_ids(cur.fetchall())
        done = 0
        for tickets, comments in generate(count, now, techs, requesters):
            with conn.cursor() as cur:
                with cur.copy(f"COPY tickets ({', '.join(TICKET_COLUMNS)}) FROM STDIN") as copy:
                    for row in tickets:
                        copy.write_row(row)
                with cur.copy(
                    f"COPY ticket_comments ({', '.join(COMMENT_COLUMNS)}) FROM STDIN"
                ) as copy:
                    for row in comments:
                        copy.write_row(row)
            done += len(tickets)
            if done % 200_000 == 0:
                log(f"{NAME}/postgresql: {done:,} tickets loaded")
        conn.execute("SELECT setval(pg_get_serial_sequence('tickets', 'id'), max(id)) FROM tickets")
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def _user_ids(rows: list[tuple[Any, ...]]) -> tuple[list[int], list[int]]:
    techs = [int(i) for i, role in rows if role == "technician"]
    return techs, [int(i) for i, role in rows if role == "user"]


# The baseline: the same aggregates, written by hand --------------------------------

ACTIVE_SQL = "status IN ('open', 'in_progress', 'pending')"
CREATED_SQL = """
SELECT category, priority, status, count(*),
       count(first_response_due_at),
       count(*) FILTER (WHERE first_response_at <= first_response_due_at),
       count(*) FILTER (WHERE first_response_at > first_response_due_at
                        OR (first_response_at IS NULL AND first_response_due_at < :end)),
       count(resolution_due_at),
       count(*) FILTER (WHERE resolved_at <= resolution_due_at),
       count(*) FILTER (WHERE resolved_at > resolution_due_at
                        OR (resolved_at IS NULL AND resolution_due_at < :end))
FROM tickets WHERE created_at >= :start AND created_at < :end
GROUP BY category, priority, status"""
RESOLVED_SQL = """
SELECT category, priority, assignee_id, count(*), sum({ttr}),
       count(satisfaction_rating), sum(satisfaction_rating),
       count(*) FILTER (WHERE resolved_at <= resolution_due_at),
       count(*) FILTER (WHERE resolved_at > resolution_due_at)
FROM tickets WHERE resolved_at >= :start AND resolved_at < :end
GROUP BY category, priority, assignee_id"""
CLOSED_SQL = "SELECT count(*) FROM tickets WHERE closed_at >= :start AND closed_at < :end"
BACKLOG_SQL = f"SELECT {{age}} AS x FROM tickets WHERE {ACTIVE_SQL} AND created_at < :end"
TTA_SQL = """SELECT {tta} AS x FROM tickets
WHERE created_at >= :start AND created_at < :end AND first_response_at IS NOT NULL"""
TTR_SQL = "SELECT {ttr} AS x FROM tickets WHERE resolved_at >= :start AND resolved_at < :end"
LOAD_SQL = f"SELECT assignee_id, count(*) FROM tickets WHERE {ACTIVE_SQL} GROUP BY assignee_id"
SPENT_SQL = """SELECT author_id, sum(time_spent_minutes) FROM ticket_comments
WHERE created_at >= :start AND created_at < :end AND time_spent_minutes > 0
GROUP BY author_id"""


def _seconds(dialect: str, later: str, earlier: str) -> str:
    if dialect == "postgresql":
        return f"round(extract(epoch FROM {later} - {earlier}))::bigint"
    return f"CAST(round((julianday({later}) - julianday({earlier})) * 86400) AS INTEGER)"


def _distribution_sql(dialect: str, values: str, fractions: tuple[float, ...]) -> str:
    """PostgreSQL: percentile_cont. SQLite: the two ranks around each percentile."""
    if dialect == "postgresql":
        pcts = ", ".join(f"percentile_cont({f}) WITHIN GROUP (ORDER BY x)" for f in fractions)
        return f"SELECT count(*), sum(x), max(x), {pcts} FROM ({values}) AS v"
    picks = ", ".join(
        f"max(CASE WHEN rn = CAST({f} * (n - 1) AS INTEGER) + {k} THEN x END)"
        for f in fractions
        for k in (1, 2)
    )
    return (
        "WITH r AS (SELECT x, row_number() OVER (ORDER BY x) AS rn, count(*) OVER () AS n "
        f"FROM ({values})) SELECT count(*), sum(x), max(x), {picks} FROM r"
    )


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 4)


class RawReport:
    """The report's figures from hand-written SQL on a raw DBAPI connection."""

    def __init__(self, conn: Any, dialect: str) -> None:
        self.conn = conn
        self.dialect = dialect
        self.last_ms: dict[str, float] = {}  # per query, of the last report
        sec = _seconds
        fill = {
            "age": sec(dialect, ":end", "created_at"),
            "tta": sec(dialect, "first_response_at", "created_at"),
            "ttr": sec(dialect, "resolved_at", "created_at"),
        }
        self.sql = {
            "created": CREATED_SQL,
            "resolved": RESOLVED_SQL.format(**fill),
            "closed": CLOSED_SQL,
            "backlog": _distribution_sql(dialect, BACKLOG_SQL.format(**fill), (0.5,)),
            "tta": _distribution_sql(dialect, TTA_SQL.format(**fill), (0.5, 0.9)),
            "ttr": _distribution_sql(dialect, TTR_SQL.format(**fill), (0.5, 0.9)),
            "load": LOAD_SQL,
            "spent": SPENT_SQL,
        }
        if dialect == "postgresql":  # psycopg's named placeholders
            for key, text in self.sql.items():
                self.sql[key] = text.replace(":start", "%(start)s").replace(":end", "%(end)s")

    @classmethod
    def sqlite(cls, path: Path) -> RawReport:
        conn = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON"):
            conn.execute(f"PRAGMA {pragma}")
        return cls(conn, "sqlite")

    @classmethod
    def postgres(cls, dsn: str) -> RawReport:
        return cls(psycopg.connect(dsn), "postgresql")

    def _all(self, key: str, params: dict[str, Any]) -> list[Any]:
        t0 = time.perf_counter()
        rows = list(self.conn.execute(self.sql[key], params).fetchall())
        self.last_ms[key] = (time.perf_counter() - t0) * 1000
        return rows

    def _distribution(self, key: str, params: dict[str, Any], fractions: int) -> list[Any]:
        count, total, maximum, *rest = self._all(key, params)[0]
        if self.dialect == "postgresql" or not count:
            quantiles = [None if q is None else float(q) for q in rest]
        else:
            quantiles = []
            for i, f in enumerate((0.5, 0.9)[:fractions]):
                lo, hi = rest[2 * i], rest[2 * i + 1]
                pos = f * (count - 1)
                quantiles.append(lo + (pos - int(pos)) * ((lo if hi is None else hi) - lo))
        mean = int(total) / count if count else None
        return [count, _hours(mean), *(_hours(q) for q in quantiles), maximum]

    def report(self, start: datetime, end: datetime) -> dict[str, Any]:
        if self.dialect == "sqlite":
            fmt = "%Y-%m-%d %H:%M:%S.%f"
            params: dict[str, Any] = {
                "start": start.astimezone(UTC).strftime(fmt),
                "end": end.astimezone(UTC).strftime(fmt),
            }
            self.conn.execute("BEGIN")
        else:
            params = {"start": start, "end": end}
            # As the service does: custom plans, whatever psycopg prepared (see
            # itsm.db.dialects.custom_plans); the rollback below ends the setting.
            self.conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        try:
            return self._figures(params)
        finally:
            if self.dialect == "postgresql":
                self.conn.rollback()
            else:
                self.conn.execute("COMMIT")

    def _figures(self, params: dict[str, Any]) -> dict[str, Any]:
        by_status: dict[str, int] = {}
        cats: dict[str, list[Any]] = {}
        prios: dict[str, list[Any]] = {}
        fr, res = [0, 0, 0], [0, 0, 0]
        for cat, prio, status, n, fr_due, fr_met, fr_br, res_due, res_met, res_br in self._all(
            "created", params
        ):
            by_status[status] = by_status.get(status, 0) + n
            for groups, key in ((cats, cat), (prios, prio)):
                groups.setdefault(key, [0, 0, 0])[0] += n
            fr = [fr[0] + fr_met, fr[1] + fr_br, fr[2] + fr_due - fr_met - fr_br]
            res = [res[0] + res_met, res[1] + res_br, res[2] + res_due - res_met - res_br]
        people: dict[int | None, list[int]] = {}
        rated = rating_total = 0
        for cat, prio, who, n, seconds, n_rated, stars, met, breached in self._all(
            "resolved", params
        ):
            for groups, key in ((cats, cat), (prios, prio)):
                group = groups.setdefault(key, [0, 0, 0])
                group[1] += n
                group[2] += int(seconds)
            rated += n_rated
            rating_total += int(stars or 0)
            person = people.setdefault(who, [0, 0, 0, 0, 0])
            person[1] += n
            person[3] += met
            person[4] += breached
        for who, n in self._all("load", params):
            people.setdefault(who, [0, 0, 0, 0, 0])[0] += n
        for who, minutes in self._all("spent", params):
            people.setdefault(who, [0, 0, 0, 0, 0])[2] += int(minutes)
        ids = [i for i in people if i is not None]
        names: dict[int | None, str | None] = {None: None}
        if ids:
            marks = ", ".join("?" if self.dialect == "sqlite" else "%s" for _ in ids)
            sql = f"SELECT id, username FROM users WHERE id IN ({marks})"
            names.update(self.conn.execute(sql, ids).fetchall())
        backlog = self._distribution("backlog", params, 1)
        maximum = backlog.pop()
        return {
            "opened": sum(by_status.values()),
            "closed": self._all("closed", params)[0][0],
            "resolved": sum(p[1] for p in people.values()),
            "by_status": by_status,
            "backlog": (*backlog, _hours(maximum)),
            "tta": tuple(self._distribution("tta", params, 2)[:-1]),
            "ttr": tuple(self._distribution("ttr", params, 2)[:-1]),
            "sla": (tuple(fr), tuple(res)),
            "satisfaction": (rated, round(rating_total / rated, 3) if rated else None),
            "technicians": {names[k]: tuple(v) for k, v in people.items() if any(v[:3])},
            "categories": {
                k: (v[0], v[1], _hours(v[2] / v[1]) if v[1] else None) for k, v in cats.items()
            },
            "priorities": {
                k: (v[0], v[1], _hours(v[2] / v[1]) if v[1] else None) for k, v in prios.items()
            },
        }

    def execute_ddl(self, statements: tuple[str, ...]) -> None:
        for statement in statements:
            self.conn.execute(statement)
        self.conn.execute("ANALYZE")
        if self.dialect == "postgresql":
            self.conn.commit()

    def close(self) -> None:
        self.conn.close()


def figures_of(report: ServiceReport) -> dict[str, Any]:
    """The service's report in the raw baseline's shape, to check they did the same work."""

    def split(rows: list[Breakdown]) -> dict[str, Any]:
        return {
            r.key: (r.opened, r.resolved, r.mean_time_to_resolve_hours)
            for r in rows
            if r.opened or r.resolved
        }

    b, a, r = report.backlog, report.time_to_acknowledge, report.time_to_resolve
    fr, res = report.first_response_sla, report.resolution_sla
    return {
        "opened": report.opened,
        "closed": report.closed,
        "resolved": report.resolved,
        "by_status": {k: n for k, n in report.opened_by_status.items() if n},
        "backlog": (b.count, b.mean_age_hours, b.median_age_hours, b.max_age_hours),
        "tta": (a.count, a.mean_hours, a.median_hours, a.p90_hours),
        "ttr": (r.count, r.mean_hours, r.median_hours, r.p90_hours),
        "sla": ((fr.met, fr.breached, fr.pending), (res.met, res.breached, res.pending)),
        "satisfaction": (report.satisfaction.rated, report.satisfaction.average_rating),
        "technicians": {
            t.username: (t.active_load, t.resolved, t.time_spent_minutes, t.sla_met, t.sla_breached)
            for t in report.technicians
        },
        "categories": split(report.categories),
        "priorities": split(report.priorities),
    }


# Timing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Provisioned:
    url: str
    load: Callable[[int, datetime, Callable[[str], None]], None]
    raw: Callable[[], RawReport]


@dataclass(frozen=True)
class Backend:
    name: str
    label: str
    provision: Callable[[Path], AbstractContextManager[Provisioned]]


@contextmanager
def _sqlite(home: Path) -> Iterator[Provisioned]:
    path = home / "report.db"
    yield Provisioned(
        sqlite_url(path),
        lambda n, now, log: load_sqlite(path, n, now, log),
        lambda: RawReport.sqlite(path),
    )


@contextmanager
def _postgres(home: Path) -> Iterator[Provisioned]:
    with postgres_database() as dbname:
        dsn = postgres_dsn(dbname)
        yield Provisioned(
            postgres_sqlalchemy_url(dbname),
            lambda n, now, log: load_postgres(dsn, n, now, log),
            lambda: RawReport.postgres(dsn),
        )


BACKENDS = (Backend("sqlite", "SQLite", _sqlite), Backend("postgresql", "PostgreSQL", _postgres))


@dataclass
class PeriodRun:
    label: str
    service: list[float]
    raw: list[float]
    raw_queries_ms: dict[str, float]  # median per query of the raw runs: where time goes

    @property
    def ratio(self) -> float:
        return median(self.service) / median(self.raw)


def _measure(
    db: Database, raw: RawReport, label: str, start: datetime, end: datetime, runs: int
) -> PeriodRun:
    def service() -> ServiceReport:
        with db.session(write=False) as session:
            return service_report(session, start=start, end=end)

    want, got = figures_of(service()), raw.report(start, end)  # also the warm-up
    if got != want:
        diff = {k: (got.get(k), want.get(k)) for k in want if got.get(k) != want.get(k)}
        raise RuntimeError(f"raw SQL and service_report disagree ({label}): {diff}")
    clock = time.perf_counter
    service_s: list[float] = []
    raw_s: list[float] = []
    queries: dict[str, list[float]] = {}
    for _ in range(runs):
        t0 = clock()
        raw.report(start, end)
        t1 = clock()
        service()
        raw_s.append(t1 - t0)
        service_s.append(clock() - t1)
        for key, ms in raw.last_ms.items():
            queries.setdefault(key, []).append(ms)
    return PeriodRun(label, service_s, raw_s, {k: median(v) for k, v in queries.items()})


def _run_backend(
    spec: Backend, cfg: RunConfig, count: int, runs: int
) -> tuple[float, list[PeriodRun]]:
    now = datetime.now(UTC).replace(microsecond=0)
    month, year = now - timedelta(days=30), now - YEAR
    with isolated_settings_env() as home, spec.provision(home) as target:
        settings = settings_for(target.url, home)
        migrate_database(settings)
        cfg.log(f"{NAME}/{spec.name}: loading {count:,} tickets")
        t0 = time.perf_counter()
        target.load(count, now, cfg.log)
        load_s = time.perf_counter() - t0
        db = open_database(settings)
        raw = target.raw()
        try:
            cfg.log(f"{NAME}/{spec.name}: last 30 days, no index on resolved_at / closed_at")
            raw.execute_ddl(NO_PERIOD_INDEXES)
            periods = [_measure(db, raw, "last 30 days, no period index", month, now, 3)]
            raw.execute_ddl(PERIOD_INDEXES)
            for label, start in (("last 30 days", month), ("last 365 days", year)):
                cfg.log(f"{NAME}/{spec.name}: {label}, {runs} runs per path")
                periods.append(_measure(db, raw, label, start, now, runs))
        finally:
            raw.close()
            db.dispose()
    return load_s, periods


def run(cfg: RunConfig) -> Result:
    count = cfg.size(full=1_000_000, smoke=20_000)
    runs = cfg.size(full=5, smoke=3)
    result = Result(name=NAME, title=TITLE)
    result.notes.append(
        f"{count:,} tickets over a year, {count // 4:,} comments; median of {runs} runs per "
        "path (3 without period index), alternated, after a warm-up that checks both paths "
        "give the same figures"
    )
    result.notes.append(
        "indexes (migration 0005) dropped for the 'no period index' runs, then recreated: "
        + "; ".join(s.removeprefix("CREATE INDEX ") for s in PERIOD_INDEXES)
    )
    for spec in BACKENDS:
        if spec.name == "postgresql":
            reason = postgres_reachable()
            if reason is not None:
                result.skipped.append(f"{spec.label}: server not reachable ({reason})")
                continue
        load_s, periods = _run_backend(spec, cfg, count, runs)
        result.figures.append(
            Figure(
                f"{spec.label} bulk load",
                count / load_s,
                "tickets/s",
                detail=f"{load_s:.1f} s for {count:,} tickets and {count // 4:,} comments",
            )
        )
        data: dict[str, Any] = {"load_seconds": round(load_s, 2)}
        for p in periods:
            raw_label = f"{spec.label} raw SQL, {p.label}"
            raw_ms = median(p.raw) * 1000
            result.figures += [
                Figure(raw_label, raw_ms, "ms", detail="baseline"),
                Figure(
                    f"{spec.label} service_report, {p.label}",
                    median(p.service) * 1000,
                    "ms",
                    baseline=raw_label,
                    baseline_value=raw_ms,
                    detail="runs " + ", ".join(f"{s * 1000:.0f}" for s in p.service) + " ms",
                ),
            ]
            if "no period index" not in p.label:
                result.targets.append(
                    Target(
                        f"{spec.label}, {p.label}: service_report <= {REPORT_MAX_RATIO}x raw SQL",
                        p.ratio <= REPORT_MAX_RATIO,
                        f"{p.ratio:.2f}x",
                    )
                )
            data[p.label] = {
                "service_ms": [round(s * 1000, 2) for s in p.service],
                "raw_ms": [round(s * 1000, 2) for s in p.raw],
                "ratio": round(p.ratio, 4),
                "raw_queries_ms": {k: round(v, 1) for k, v in p.raw_queries_ms.items()},
            }
            result.notes.append(
                f"{spec.label}, {p.label}, raw SQL per query (median ms): "
                + ", ".join(f"{k} {v:,.0f}" for k, v in p.raw_queries_ms.items())
            )
        result.data[spec.name] = data
    return result
