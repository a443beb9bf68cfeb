"""Tickets created per second through the service layer, against a raw INSERT + COMMIT.

For each database kind (SQLite file, PostgreSQL server), in a throw-away
database migrated to head and opened with ``itsm.db.runtime.open_database``:

* **service**: ``tickets.creation.create_ticket`` in its own unit of work per
  ticket (``Database.session()``: requester check, per-day number, ticket row,
  'created' audit event, commit), the path every door takes;
* **raw baseline**: one ``INSERT INTO tickets`` of the same columns with a
  precomputed number, then ``COMMIT``, on a raw DBAPI connection (``sqlite3``
  with the engine's pragmas and ``BEGIN IMMEDIATE``, or ``psycopg``);
* **raw, same work** (a second reference, not the target's baseline): the
  statements the service needs, hand-written on the raw connection: counter
  upsert, ticket INSERT ... RETURNING id, audit-event INSERT, COMMIT. The
  service's ratio to it is the cost of the ORM and Python layers alone; its
  ratio to the raw baseline is the cost of the extra rows;
* **same work in a unit of work** (the floor): those statements by hand on the
  driver connection of a ``Database.session()``. Its distance from "raw, same
  work" is the cost of the unit of work itself, which every service path pays.

All run on the same database, interleaved in blocks after a warm-up, so that
table growth and checkpoints hit them alike. Inputs (``TicketCreate`` objects,
raw rows) are built before timing. Targets: the service's rate itself, single
connection (``CREATE_MIN_RATE``); the raw paths are references, with no ratio target.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy import event, func, select

from benchmarks._core import (
    CREATE_MIN_RATE,
    Figure,
    RatioStyle,
    Result,
    RunConfig,
    Target,
    percentile,
)
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
from itsm.tickets import creation
from itsm.tickets.models import Category, Priority, Ticket, TicketCounter, TicketEvent
from itsm.tickets.numbering import format_number
from itsm.tickets.schemas import TicketCreate
from itsm.users import service as users
from itsm.users.models import User
from itsm.users.schemas import UserCreate

NAME = "ticket_create"
TITLE = "Ticket creation rate: service vs raw INSERT + COMMIT"
BLOCKS = 10

_COLUMNS = (
    "number",
    "title",
    "description",
    "category",
    "priority",
    "status",
    "source",
    "requester_id",
    "assignee_id",
    "asset_id",
    "fingerprint",
    "created_at",
    "updated_at",
)
_RAW_DAY = "19700101"  # raw rows get numbers from days the service never numbers
_RAW_WORK_DAY = "19700102"
_FLOOR_DAY = "19700103"
_BUMP = (
    "INSERT INTO ticket_counters (day, last_value) VALUES ({p}, 1) "
    "ON CONFLICT (day) DO UPDATE SET last_value = ticket_counters.last_value + 1 "
    "RETURNING last_value"
)
_EVENT = (
    "INSERT INTO ticket_events (ticket_id, actor_id, kind, new_value, created_at) "
    "VALUES ({p}, {p}, 'created', {p}, {p})"
)


def _insert_sql(mark: str) -> str:
    return (
        f"INSERT INTO tickets ({', '.join(_COLUMNS)}) VALUES ({', '.join(mark for _ in _COLUMNS)})"
    )


class RawInserter(Protocol):
    def insert(self, row: dict[str, Any]) -> None:
        """The baseline: one INSERT of a ticket row, then COMMIT."""

    def insert_same_work(self, row: dict[str, Any], actor_id: int) -> None:
        """Counter upsert, ticket INSERT ... RETURNING id, event INSERT, COMMIT."""

    def same_work_on(self, conn: Any, row: dict[str, Any], actor_id: int, day: str) -> None:
        """The same work's three statements on ``conn`` (a driver connection), no COMMIT."""

    def close(self) -> None: ...


class SqliteRaw:
    """``sqlite3`` with the pragmas of itsm's engine; ``BEGIN IMMEDIATE``/INSERT/``COMMIT``."""

    def __init__(self, path: Path, busy_timeout_ms: int) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None)
        self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._sql = _insert_sql("?")
        self._returning = self._sql + " RETURNING id"
        self._bump = _BUMP.format(p="?")
        self._event = _EVENT.format(p="?")

    @staticmethod
    def _now() -> str:
        return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's text format

    def insert(self, row: dict[str, Any]) -> None:
        now = self._now()
        values = [row[c] for c in _COLUMNS[:-2]] + [now, now]
        self._conn.execute("BEGIN IMMEDIATE")
        self._conn.execute(self._sql, values)
        self._conn.execute("COMMIT")

    def insert_same_work(self, row: dict[str, Any], actor_id: int) -> None:
        self._conn.execute("BEGIN IMMEDIATE")
        self.same_work_on(self._conn, row, actor_id, _RAW_WORK_DAY)
        self._conn.execute("COMMIT")

    def same_work_on(self, conn: Any, row: dict[str, Any], actor_id: int, day: str) -> None:
        now = self._now()
        value = _one(conn.execute(self._bump, (day,)).fetchone())
        number = format_number(day, value)
        values = [number, *(row[c] for c in _COLUMNS[1:-2]), now, now]
        ticket_id = _one(conn.execute(self._returning, values).fetchone())
        conn.execute(self._event, (ticket_id, actor_id, number, now))

    def close(self) -> None:
        self._conn.close()


class PostgresRaw:
    """``psycopg`` in its default transactional mode: INSERT, then ``commit()``."""

    def __init__(self, dsn: str) -> None:
        self._conn = psycopg.connect(dsn)
        self._sql = _insert_sql("%s").encode()
        self._returning = self._sql + b" RETURNING id"
        self._bump = _BUMP.format(p="%s").encode()
        self._event = _EVENT.format(p="%s").encode()

    def insert(self, row: dict[str, Any]) -> None:
        now = datetime.now(UTC)
        values = [row[c] for c in _COLUMNS[:-2]] + [now, now]
        self._conn.execute(self._sql, values)
        self._conn.commit()

    def insert_same_work(self, row: dict[str, Any], actor_id: int) -> None:
        self.same_work_on(self._conn, row, actor_id, _RAW_WORK_DAY)
        self._conn.commit()

    def same_work_on(self, conn: Any, row: dict[str, Any], actor_id: int, day: str) -> None:
        now = datetime.now(UTC)
        value = _one(conn.execute(self._bump, (day,)).fetchone())
        number = format_number(day, int(value))
        values = [number, *(row[c] for c in _COLUMNS[1:-2]), now, now]
        ticket_id = _one(conn.execute(self._returning, values).fetchone())
        conn.execute(self._event, (ticket_id, actor_id, number, now))

    def close(self) -> None:
        self._conn.close()


def _one(row: tuple[Any, ...] | None) -> Any:
    if row is None:
        raise RuntimeError("RETURNING gave no row")
    return row[0]


@dataclass(frozen=True)
class BackendSpec:
    """How to get a migrated throw-away database of one kind and a raw connection to it."""

    name: str
    label: str
    provision: Callable[[Path], AbstractContextManager[tuple[str, Callable[[], RawInserter]]]]


@contextmanager
def _sqlite(home: Path) -> Iterator[tuple[str, Callable[[], RawInserter]]]:
    path = home / "bench.db"
    settings = settings_for(sqlite_url(path), home)
    yield sqlite_url(path), lambda: SqliteRaw(path, settings.sqlite_busy_timeout_ms)


@contextmanager
def _postgres(home: Path) -> Iterator[tuple[str, Callable[[], RawInserter]]]:
    with postgres_database() as dbname:
        dsn = postgres_dsn(dbname)
        yield postgres_sqlalchemy_url(dbname), lambda: PostgresRaw(dsn)


BACKENDS = (
    BackendSpec("sqlite", "SQLite", _sqlite),
    BackendSpec("postgresql", "PostgreSQL", _postgres),
)


@dataclass
class Timings:
    seconds: list[float]

    @property
    def rate(self) -> float:
        total = sum(self.seconds)
        return len(self.seconds) / total if total else 0.0

    def as_json(self) -> dict[str, float]:
        ms = [s * 1000 for s in self.seconds]
        return {
            "count": len(ms),
            "per_second": round(self.rate, 1),
            "p50_ms": round(percentile(ms, 50), 4),
            "p99_ms": round(percentile(ms, 99), 4),
            "max_ms": round(max(ms), 4),
        }


def _inputs(requester_id: int, start: int, count: int) -> list[TicketCreate]:
    return [
        TicketCreate(
            title=f"Benchmark ticket {start + i}",
            description="The printer on floor 3 jams on every second page.",
            category=Category.HARDWARE,
            priority=Priority.MEDIUM,
            requester_id=requester_id,
        )
        for i in range(count)
    ]


def _raw_rows(items: Sequence[TicketCreate], first_value: int) -> list[dict[str, Any]]:
    return [
        {
            "number": format_number(_RAW_DAY, first_value + i),
            "title": data.title,
            "description": data.description,
            "category": data.category.value,
            "priority": data.priority.value,
            "status": "open",
            "source": data.source.value,
            "requester_id": data.requester_id,
            "assignee_id": data.assignee_id,
            "asset_id": data.asset_id,
            "fingerprint": data.fingerprint,
        }
        for i, data in enumerate(items)
    ]


def _time_service(
    db: Database, items: Sequence[TicketCreate], actor: User, zone: ZoneInfo
) -> list[float]:
    out: list[float] = []
    clock = time.perf_counter
    for data in items:
        start = clock()
        with db.session() as session:
            creation.create_ticket(session, data=data, actor=actor, zone=zone)
        out.append(clock() - start)
    return out


def _time_raw(raw: RawInserter, rows: Sequence[dict[str, Any]]) -> list[float]:
    out: list[float] = []
    clock = time.perf_counter
    for row in rows:
        start = clock()
        raw.insert(row)
        out.append(clock() - start)
    return out


def _time_raw_same_work(
    raw: RawInserter, rows: Sequence[dict[str, Any]], actor_id: int
) -> list[float]:
    out: list[float] = []
    clock = time.perf_counter
    for row in rows:
        start = clock()
        raw.insert_same_work(row, actor_id)
        out.append(clock() - start)
    return out


def _time_session_floor(
    db: Database, raw: RawInserter, rows: Sequence[dict[str, Any]], actor_id: int
) -> list[float]:
    """The same work by hand inside ``Database.session()``: the floor of any service path."""
    out: list[float] = []
    clock = time.perf_counter
    for row in rows:
        start = clock()
        with db.session() as session:
            driver = session.connection().connection.driver_connection
            raw.same_work_on(driver, row, actor_id, _FLOOR_DAY)
        out.append(clock() - start)
    return out


def _statements_per_ticket(db: Database, data: TicketCreate, actor: User, zone: ZoneInfo) -> int:
    """SQL statements SQLAlchemy sends for one ticket, not counting BEGIN, COMMIT or the
    pool's ping."""
    seen: list[str] = []

    def _count(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", _count)
    try:
        _time_service(db, [data], actor, zone)
    finally:
        event.remove(db.engine, "before_cursor_execute", _count)
    return len([sql for sql in seen if not sql.lstrip().upper().startswith("BEGIN")])


@dataclass
class BackendRun:
    service: Timings
    raw: Timings
    raw_same_work: Timings
    session_floor: Timings
    statements: int


def _measure(spec: BackendSpec, cfg: RunConfig, count: int, warmup: int) -> BackendRun:
    with isolated_settings_env() as home, spec.provision(home) as (url, make_raw):
        settings = settings_for(url, home)
        migrate_database(settings)
        db = open_database(settings)
        raw = make_raw()
        try:
            with db.session() as session:
                requester = users.create_user(
                    session,
                    data=UserCreate.model_validate(
                        {"username": "bench", "full_name": "Bench Mark", "role": "user"}
                    ),
                )
            zone = settings.zone
            items = _inputs(requester.id, 0, warmup + 1 + count)
            rows = _raw_rows(items, 1)
            cfg.log(f"{NAME}/{spec.name}: warm-up, {warmup} tickets per path")
            _time_raw(raw, rows[:warmup])
            _time_raw_same_work(raw, rows[:warmup], requester.id)
            _time_session_floor(db, raw, rows[:warmup], requester.id)
            _time_service(db, items[:warmup], requester, zone)
            statements = _statements_per_ticket(db, items[warmup], requester, zone)
            todo_items, todo_rows = items[warmup + 1 :], rows[warmup + 1 :]
            cfg.log(f"{NAME}/{spec.name}: {count} tickets per path, interleaved in {BLOCKS} blocks")
            raw_s: list[float] = []
            same_s: list[float] = []
            floor_s: list[float] = []
            svc_s: list[float] = []
            step = -(-count // BLOCKS)
            for lo in range(0, count, step):
                raw_s += _time_raw(raw, todo_rows[lo : lo + step])
                svc_s += _time_service(db, todo_items[lo : lo + step], requester, zone)
                same_s += _time_raw_same_work(raw, todo_rows[lo : lo + step], requester.id)
                floor_s += _time_session_floor(db, raw, todo_rows[lo : lo + step], requester.id)
            _verify(
                db, raw=warmup + count, same_work=2 * (warmup + count), service=warmup + 1 + count
            )
        finally:
            raw.close()
            db.dispose()
    return BackendRun(Timings(svc_s), Timings(raw_s), Timings(same_s), Timings(floor_s), statements)


def _verify(db: Database, *, raw: int, same_work: int, service: int) -> None:
    """The work really happened: every row, every event, numbers without gaps."""
    with db.session(write=False) as session:
        n_tickets = session.scalar(select(func.count()).select_from(Ticket))
        n_events = session.scalar(select(func.count()).select_from(TicketEvent))
        numbered = session.scalar(
            select(func.sum(TicketCounter.last_value)).where(
                TicketCounter.day.not_in([_RAW_WORK_DAY, _FLOOR_DAY])
            )
        )
    got = (n_tickets, n_events, numbered)
    want = (raw + same_work + service, same_work + service, service)
    if got != want:
        raise RuntimeError(
            f"unexpected database state: (tickets, events, service numbers) = {got}, want {want}"
        )


def _ms(seconds: Sequence[float], pct: float) -> str:
    return f"{percentile(seconds, pct) * 1000:.3f} ms"


def run(cfg: RunConfig) -> Result:
    count = cfg.size(full=2000, smoke=200)
    warmup = cfg.size(full=100, smoke=20)
    result = Result(name=NAME, title=TITLE)
    result.notes.append(
        f"{count} tickets per path and database after {warmup} warm-up tickets per path, "
        f"interleaved in {BLOCKS} blocks; rate = tickets / summed per-ticket wall time"
    )
    for spec in BACKENDS:
        if spec.name == "postgresql":
            reason = postgres_reachable()
            if reason is not None:
                result.skipped.append(f"{spec.label}: server not reachable ({reason})")
                continue
        m = _measure(spec, cfg, count, warmup)
        raw_label = f"{spec.label} raw INSERT + COMMIT"
        same_label = f"{spec.label} raw, same work"
        floor_label = f"{spec.label} same work in a unit of work"
        svc_label = f"{spec.label} service create_ticket"
        # Latency ratio at the median: blind to the rare WAL checkpoint or fsync stall
        # that lands on whichever path commits at that moment.
        p50_ratio = percentile(m.raw.seconds, 50) / percentile(m.service.seconds, 50)
        result.figures += [
            Figure(
                raw_label,
                m.raw.rate,
                "tickets/s",
                detail=f"baseline: 1 INSERT; p50 {_ms(m.raw.seconds, 50)}",
            ),
            Figure(
                same_label,
                m.raw_same_work.rate,
                "tickets/s",
                baseline=raw_label,
                baseline_value=m.raw.rate,
                ratio_style=RatioStyle.PERCENT,
                detail=f"upsert + 2 INSERTs by hand; p50 {_ms(m.raw_same_work.seconds, 50)}",
            ),
            Figure(
                floor_label,
                m.session_floor.rate,
                "tickets/s",
                baseline=raw_label,
                baseline_value=m.raw.rate,
                ratio_style=RatioStyle.PERCENT,
                detail=(
                    "the same by hand in Database.session(): the floor of any service path; "
                    f"p50 {_ms(m.session_floor.seconds, 50)}"
                ),
            ),
            Figure(
                svc_label,
                m.service.rate,
                "tickets/s",
                baseline=raw_label,
                baseline_value=m.raw.rate,
                ratio_style=RatioStyle.PERCENT,
                detail=(
                    f"p50 {_ms(m.service.seconds, 50)} (p50 ratio {p50_ratio:.1%}); "
                    f"{m.statements} SQL statements; "
                    f"{m.service.rate / m.raw_same_work.rate:.0%} of raw same work, "
                    f"{m.service.rate / m.session_floor.rate:.0%} of the floor"
                ),
            ),
        ]
        ratio = m.service.rate / m.raw.rate if m.raw.rate else 0.0
        wanted = CREATE_MIN_RATE[spec.name]
        result.targets.append(
            Target(
                f"{spec.label}: service >= {wanted:,.0f} tickets/s",
                m.service.rate >= wanted,
                f"{m.service.rate:,.0f} tickets/s",
            )
        )
        result.data[spec.name] = {
            "service": m.service.as_json(),
            "raw": m.raw.as_json(),
            "raw_same_work": m.raw_same_work.as_json(),
            "session_floor": m.session_floor.as_json(),
            "service_over_raw": round(ratio, 4),
            "service_over_raw_same_work": round(m.service.rate / m.raw_same_work.rate, 4),
            "session_floor_over_raw": round(m.session_floor.rate / m.raw.rate, 4),
            "service_over_session_floor": round(m.service.rate / m.session_floor.rate, 4),
            "service_over_raw_at_p50": round(p50_ratio, 4),
            "statements_per_service_ticket": m.statements,
        }
    return result
