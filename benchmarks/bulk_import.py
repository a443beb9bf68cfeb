"""Bulk import of tickets through itsm, against a raw bulk insert of the same rows.

One CSV file of N tickets (the rows of :mod:`benchmarks._dataset`: a year of
tickets, about 96 % resolved or closed with their resolution notes, most
assigned) is imported into a throw-away database migrated to head, holding only
the users the file names. Three paths, each into its own fresh database:

* **itsm import**: ``itsm.tickets.transfer.import_tickets`` in one
  ``Database.session()`` of ``open_database``, exactly what ``itsm ticket import
  FILE`` runs: it reads the file once, validating every row first and staging
  the valid ones as written (memory, then a temporary file), reserves the
  numbers, and writes tickets and their audit events (created, assigned, status
  changed, resolution note) in batches through ``itsm.db.bulk``, ``COPY`` on
  PostgreSQL and multi-row ``INSERT`` on SQLite; SLA due times of the active
  tickets; one transaction.
* **raw**: the same ticket and event rows, built in Python before timing,
  written with ``executemany`` (SQLite) or ``COPY`` (PostgreSQL) on a raw DBAPI
  connection in one transaction, plus the number counters.
* **raw, multi-row INSERT** (SQLite only): the same rows as 500-row ``INSERT``
  statements, the statement shape itsm uses there (SQLite's full-text triggers
  cost much less per statement than per row).

Indexes, full-text triggers and (PostgreSQL) generated search columns are in
place for every path, as for a real import. Target: itsm's rate >= 50 % of the
raw rate of the same statement shape (``COPY`` on PostgreSQL, multi-row
``INSERT`` on SQLite). Before reporting, the databases are compared: the same
tickets and events by kind.
"""

from __future__ import annotations

import cProfile
import csv
import io
import pstats
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select

from benchmarks import _dataset
from benchmarks._core import IMPORT_MIN_RATIO, Figure, RatioStyle, Result, RunConfig, Target
from benchmarks._dataset import Row
from benchmarks._env import (
    isolated_settings_env,
    migrate_database,
    postgres_database,
    postgres_dsn,
    postgres_sqlalchemy_url,
    settings_for,
    sqlite_url,
)
from itsm.db.runtime import open_database
from itsm.tickets import transfer
from itsm.tickets.models import Ticket, TicketEvent
from itsm.users.models import User

NAME = "bulk_import"
TITLE = "Bulk import: itsm ticket import vs raw COPY / executemany of the same rows"
_SQLITE_ROWS = 500
PROFILE_ROWS = 20_000  # imported again under cProfile when a full-size run misses
HEADER = (
    "title",
    "description",
    "category",
    "priority",
    "status",
    "requester",
    "assignee",
    "created_at",
    "resolved_at",
    "closed_at",
    "resolution_note",
    "source",
)
RAW_TICKET_COLUMNS = (
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
    "created_at",
    "updated_at",
    "resolved_at",
    "closed_at",
    "resolution_note",
    "first_response_due_at",
    "resolution_due_at",
)
EVENT_COLUMNS = ("ticket_id", "actor_id", "kind", "field", "old_value", "new_value", "created_at")
_T = {name: i for i, name in enumerate(_dataset.TICKET_COLUMNS)}


# The file and the raw rows ------------------------------------------------------------


def _iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat()


@dataclass
class Prepared:
    path: Path
    tickets: list[Row]
    events: list[Row]
    counters: list[Row]


def prepare(count: int, folder: Path) -> Prepared:
    """The CSV file and, for the raw paths, the rows importing it writes."""
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    totals = _dataset.Totals()
    path = folder / "tickets.csv"
    tickets: list[Row] = []
    events: list[Row] = []
    hour = timedelta(hours=1)
    admin = _dataset.ADMIN_ID
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for chunk in _dataset.generate(count, now, totals):
            for t in chunk.tickets:
                status, assignee = t[_T["status"]], t[_T["assignee_id"]]
                created, resolved, closed = (
                    t[_T["created_at"]],
                    t[_T["resolved_at"]],
                    t[_T["closed_at"]],
                )
                writer.writerow(
                    (
                        t[_T["title"]],
                        t[_T["description"]],
                        t[_T["category"]],
                        t[_T["priority"]],
                        status,
                        _dataset.username(t[_T["requester_id"]]),
                        "" if assignee is None else _dataset.username(assignee),
                        _iso(created),
                        _iso(resolved),
                        _iso(closed),
                        t[_T["resolution_note"]] or "",
                        t[_T["source"]],
                    )
                )
                active = status in ("open", "in_progress", "pending")
                fr, res = _dataset.SLA_HOURS[t[_T["priority"]]]
                ticket_id, number = t[_T["id"]], t[_T["number"]]
                tickets.append(
                    (
                        ticket_id,
                        number,
                        t[_T["title"]],
                        t[_T["description"]],
                        t[_T["category"]],
                        t[_T["priority"]],
                        status,
                        t[_T["source"]],
                        t[_T["requester_id"]],
                        assignee,
                        created,
                        created,
                        resolved,
                        closed,
                        t[_T["resolution_note"]],
                        created + fr * hour if active else None,
                        created + res * hour if active else None,
                    )
                )
                events.append((ticket_id, admin, "created", None, None, number, created))
                if assignee is not None:
                    name = _dataset.username(assignee)
                    events.append((ticket_id, admin, "assigned", "assignee", None, name, created))
                if status != "open":
                    when = closed or resolved or created
                    events.append(
                        (ticket_id, admin, "status_changed", "status", "open", status, when)
                    )
                    if not active:
                        note = t[_T["resolution_note"]]
                        events.append(
                            (ticket_id, admin, "field_changed", "resolution_note", None, note, when)
                        )
    return Prepared(path, tickets, events, sorted(totals.counters.items()))


# Databases ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Fresh:
    url: str
    connect: Callable[[], Any]


@contextmanager
def _fresh(kind: str, folder: Path, name: str) -> Iterator[Fresh]:
    """A migrated throw-away database holding the data set's users."""
    if kind == "sqlite":
        path = folder / f"{name}.db"
        target = Fresh(sqlite_url(path), lambda: _dataset.sqlite_connect(path))
        _prepare_db(target, folder)
        yield target
        return
    with postgres_database() as dbname:
        dsn = postgres_dsn(dbname)
        target = Fresh(postgres_sqlalchemy_url(dbname), lambda: psycopg.connect(dsn))
        _prepare_db(target, folder)
        yield target


def _prepare_db(target: Fresh, home: Path) -> None:
    migrate_database(settings_for(target.url, home))
    conn = target.connect()
    try:
        sqlite = isinstance(conn, sqlite3.Connection)
        mark = "?" if sqlite else "%s"
        if sqlite:
            conn.execute("BEGIN")
        sql = _dataset.insert_sql("users", _dataset.USER_COLUMNS, mark)
        conn.cursor().executemany(sql, _dataset.users())
        if sqlite:
            conn.execute("COMMIT")
        else:
            conn.execute("SELECT setval(pg_get_serial_sequence('users', 'id'), max(id)) FROM users")
            conn.commit()
    finally:
        conn.close()


_BUMP = (
    "INSERT INTO ticket_counters (day, last_value) VALUES ({p}, {p}) "
    "ON CONFLICT (day) DO UPDATE SET last_value = ticket_counters.last_value + excluded.last_value"
)


def raw_sqlite(target: Fresh, data: Prepared, *, multirow: bool) -> float:
    conn = target.connect()
    try:
        tickets = [_dataset.sqlite_text(r) for r in data.tickets]
        events = [_dataset.sqlite_text(r) for r in data.events]
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        for table, columns, rows in (
            ("tickets", RAW_TICKET_COLUMNS, tickets),
            ("ticket_events", EVENT_COLUMNS, events),
        ):
            if multirow:
                one = "(" + ", ".join("?" * len(columns)) + ")"
                per = _SQLITE_ROWS
                for start in range(0, len(rows), per):
                    part = rows[start : start + per]
                    marks = ", ".join([one] * len(part))
                    flat = [v for row in part for v in row]
                    conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {marks}", flat)
            else:
                conn.executemany(_dataset.insert_sql(table, columns, "?"), rows)
        conn.executemany(_BUMP.format(p="?"), data.counters)
        conn.execute("COMMIT")
        return time.perf_counter() - t0
    finally:
        conn.close()


def raw_postgres(target: Fresh, data: Prepared) -> float:
    conn = target.connect()
    try:
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            _dataset.copy_rows(cur, "tickets", RAW_TICKET_COLUMNS, data.tickets)
            _dataset.copy_rows(cur, "ticket_events", EVENT_COLUMNS, data.events)
            cur.executemany(_BUMP.format(p="%s"), data.counters)
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('tickets', 'id'), max(id)) FROM tickets"
            )
        conn.commit()
        return time.perf_counter() - t0
    finally:
        conn.close()


def itsm_import(
    target: Fresh, data: Prepared, home: Path, *, profile: bool = False
) -> tuple[float, str]:
    """Seconds of ``import_tickets`` in one session, and a profile summary if asked."""
    settings = settings_for(target.url, home)
    db = open_database(settings)
    try:
        with db.session(write=False) as session:
            admin = session.scalar(select(User).where(User.username == _dataset.ADMIN))
            session.expunge_all()
        profiler = cProfile.Profile() if profile else None
        t0 = time.perf_counter()
        if profiler:
            profiler.enable()
        with db.session() as session:
            result = transfer.import_tickets(
                session,
                path=data.path,
                fmt=transfer.Format.CSV,
                actor=admin,
                zone=settings.zone,
                sla=settings.sla,
            )
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - t0
        if result.imported != len(data.tickets):
            raise RuntimeError(f"imported {result.imported} of {len(data.tickets)} tickets")
        summary = ""
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
            summary = out.getvalue()
        return seconds, summary
    finally:
        db.dispose()


def contents(target: Fresh, home: Path) -> tuple[int, dict[str, int]]:
    """Tickets, and events by kind: what every path must have written."""
    db = open_database(settings_for(target.url, home))
    try:
        with db.session(write=False) as session:
            tickets = int(session.scalar(select(func.count()).select_from(Ticket)) or 0)
            kinds = Counter(
                {
                    str(k): int(n)
                    for k, n in session.execute(
                        select(TicketEvent.kind, func.count()).group_by(TicketEvent.kind)
                    )
                }
            )
        return tickets, dict(sorted(kinds.items()))
    finally:
        db.dispose()


# The benchmark ---------------------------------------------------------------------------


def run(cfg: RunConfig) -> Result:
    count = cfg.ticket_count(full=1_000_000, smoke=5_000)
    result = Result(name=NAME, title=TITLE)
    skipped = _dataset.skipped_kinds()
    with (
        isolated_settings_env(),
        tempfile.TemporaryDirectory(prefix="itsm-bench-import-") as tmp,
    ):
        folder = Path(tmp)
        cfg.log(f"{NAME}: writing {count:,} tickets to a CSV file, building the raw rows")
        data = prepare(count, folder)
        size_mb = data.path.stat().st_size / 1e6
        result.notes.append(
            f"{count:,} tickets in a {size_mb:,.0f} MB CSV file; {len(data.events):,} audit "
            "events written with them; each path into its own fresh database holding the users"
        )
        for kind, label in _dataset.KINDS:
            if kind in skipped:
                result.skipped.append(f"{label}: {skipped[kind]}")
                continue
            paths: dict[str, float] = {}
            written: dict[str, Any] = {}
            profile = ""
            cfg.log(f"{NAME}/{kind}: raw {'executemany' if kind == 'sqlite' else 'COPY'}")
            with _fresh(kind, folder, "raw") as target:
                if kind == "sqlite":
                    paths["raw"] = raw_sqlite(target, data, multirow=False)
                else:
                    paths["raw"] = raw_postgres(target, data)
                written["raw"] = contents(target, folder)
            if kind == "sqlite":
                cfg.log(f"{NAME}/{kind}: raw multi-row INSERT")
                with _fresh(kind, folder, "multirow") as target:
                    paths["multirow"] = raw_sqlite(target, data, multirow=True)
                    written["multirow"] = contents(target, folder)
            cfg.log(f"{NAME}/{kind}: itsm import_tickets")
            with _fresh(kind, folder, "itsm") as target:
                paths["itsm"], _ = itsm_import(target, data, folder)
                written["itsm"] = contents(target, folder)
            for name, got in written.items():
                if got != written["itsm"]:
                    raise RuntimeError(f"{label}: {name} wrote {got}, itsm {written['itsm']}")
            cfg.log(
                f"{NAME}/{kind}: "
                + ", ".join(f"{k} {v:.1f} s ({count / v:,.0f}/s)" for k, v in paths.items())
            )
            same_shape = "multirow" if kind == "sqlite" else "raw"
            ratio = paths[same_shape] / paths["itsm"]
            if ratio < IMPORT_MIN_RATIO and not cfg.smoke:
                rows = min(count, PROFILE_ROWS)
                cfg.log(f"{NAME}/{kind}: target missed, profiling the import of {rows:,} rows")
                profile = _profile(kind, folder, rows)
            _report(result, label, kind, count, paths, ratio)
            result.data[kind] = {
                "seconds": {k: round(v, 3) for k, v in paths.items()},
                "rate_per_second": {k: round(count / v, 1) for k, v in paths.items()},
                "ratio": round(ratio, 4),
                "written": written["itsm"],
                "profile": profile,
            }
            if profile:
                result.notes.append(f"{label}: profile of the import (top by own time):\n{profile}")
    return result


def _profile(kind: str, folder: Path, count: int) -> str:
    sub = folder / "profile"
    sub.mkdir(exist_ok=True)
    data = prepare(count, sub)
    with _fresh(kind, sub, "profiled") as target:
        _seconds, summary = itsm_import(target, data, sub, profile=True)
    lines = [line for line in summary.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return "\n".join(lines[start : start + 16])


def _report(
    result: Result, label: str, kind: str, count: int, paths: dict[str, float], ratio: float
) -> None:
    raw_label = f"{label} raw {'executemany' if kind == 'sqlite' else 'COPY'}"
    raw_rate = count / paths["raw"]
    result.figures.append(
        Figure(raw_label, raw_rate, "tickets/s", detail=f"baseline; {paths['raw']:.1f} s")
    )
    if "multirow" in paths:
        result.figures.append(
            Figure(
                f"{label} raw multi-row INSERT",
                count / paths["multirow"],
                "tickets/s",
                baseline=raw_label,
                baseline_value=raw_rate,
                ratio_style=RatioStyle.PERCENT,
                detail=f"the statement shape itsm uses; {paths['multirow']:.1f} s",
            )
        )
    detail = f"{paths['itsm']:.1f} s"
    same_shape = f"{label} raw COPY"
    if "multirow" in paths:
        detail += f"; {paths['multirow'] / paths['itsm']:.1%} of raw multi-row INSERT"
        same_shape = f"{label} raw multi-row INSERT"
    result.figures.append(
        Figure(
            f"{label} itsm import_tickets",
            count / paths["itsm"],
            "tickets/s",
            baseline=raw_label,
            baseline_value=raw_rate,
            ratio_style=RatioStyle.PERCENT,
            detail=detail,
        )
    )
    result.targets.append(
        Target(
            f"{label}: import rate >= {IMPORT_MIN_RATIO:.0%} of "
            f"{same_shape.removeprefix(label + ' ')}",
            ratio >= IMPORT_MIN_RATIO,
            f"{ratio:.1%}",
        )
    )
