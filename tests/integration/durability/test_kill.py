"""SIGKILL in the middle of writing: whole tickets or none, and the next command just works.

A creator process makes tickets one by one and is killed at varying moments; an
``itsm ticket import`` is killed while it writes its rows. Afterwards every
ticket has its 'created' audit event, numbers are unique and gap-free per day
(a ticket killed before its commit gave its number back), the import left either
all its rows or none, the search index (SQLite's FTS5 table, PostgreSQL's
generated ``tsvector``) finds exactly the tickets that exist, and the next
``itsm ticket create`` succeeds without any repair.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from itsm.config import Settings
from itsm.db.engine import build_engine
from itsm.tickets import queries
from tests.e2e.cli import ITSM, Cli, make_env
from tests.integration.durability.support import (
    acknowledged_lines,
    add_staff,
    add_ticket,
    check_consistent,
    check_searchable,
    db_tickets,
    read_log,
    spawn_worker,
    stderr_of,
)
from tests.integration.transfer.support import bulk_rows, write_jsonl

KILLS = 3
DEADLINE = 90.0


def _wait_for_lines(proc: subprocess.Popen[str], log: Path, count: int) -> None:
    deadline = time.monotonic() + DEADLINE
    while acknowledged_lines(log) < count:
        if proc.poll() is not None:
            errors = [e for e in read_log(log, killed=True) if e["op"] == "error"]
            pytest.fail(f"the creator died: {errors} {stderr_of(log)[-2000:]}")
        assert time.monotonic() < deadline, "the creator made no progress"
        time.sleep(0.005)


@pytest.mark.slow
def test_killed_creator_leaves_only_whole_tickets(fresh_db_url: str, tmp_path: Path) -> None:
    requester, (actor,) = add_staff(fresh_db_url, 1)
    engine = build_engine(Settings(database_url=fresh_db_url))
    acknowledged: dict[int, tuple[str, str]] = {}
    try:
        for kill in range(KILLS):
            log = tmp_path / f"creator{kill}.log"
            proc = spawn_worker(
                "create", fresh_db_url, log, seed=kill + 1, actor=actor, requester=requester
            )
            try:
                # A few tickets in, then at once: most likely inside a transaction.
                _wait_for_lines(proc, log, 3 + 4 * kill)
                time.sleep(0.003 * kill)
            finally:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
            assert proc.returncode == -signal.SIGKILL, stderr_of(log)
            entries = read_log(log, killed=True)
            assert [e for e in entries if e["op"] != "create"] == []
            acknowledged.update({e["ticket"]: (e["number"], e["title"]) for e in entries})

            stored = db_tickets(engine)
            # Nothing acknowledged is lost; at most the ticket of each kill's last
            # commit is there unacknowledged (killed between commit and log line).
            assert {k: stored.get(k) for k in acknowledged} == acknowledged
            assert len(stored) - len(acknowledged) <= kill + 1
            check_consistent(engine)  # 'created' events, gap-free numbers, FTS intact
            check_searchable(engine, {k: title for k, (_, title) in stored.items()})

        # The next command needs no repair: no lock is left, the numbering goes on.
        before = len(db_tickets(engine))
        cli = Cli(env=make_env(fresh_db_url))
        created = cli.json(
            "ticket", "create", "Cafetera zzkillnext ok", "x", "hardware", "low", "requester"
        )
        stored = db_tickets(engine)
        assert len(stored) == before + 1
        assert stored[created["id"]] == (created["number"], "Cafetera zzkillnext ok")
        check_consistent(engine)
        check_searchable(engine, {k: title for k, (_, title) in stored.items()})
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------- import

IMPORT_ROWS = 6000
WAL_GROWTH = 256 * 1024  # bytes of uncommitted pages: the write pass has begun
# Deep enough into the write pass that an import committing piecemeal would show it.
INTO_WRITE_PASS_ROWS = 1000  # PostgreSQL: rows COPY has taken in
INTO_WRITE_PASS_WAL = 4 * WAL_GROWTH  # SQLite: bytes of uncommitted pages


def _copied(url: str) -> int:
    """Rows the import's COPY has taken in so far (0: no COPY running)."""
    conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute(
            "SELECT coalesce(max(p.tuples_processed), 0) FROM pg_stat_progress_copy p"
            " JOIN pg_stat_activity a ON a.pid = p.pid"
            " WHERE a.datname = current_database() AND a.application_name = 'itsm'"
        ).fetchone()
    return int(row[0]) if row else 0


def _wal(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///") + "-wal")


def _truncate_wal(url: str) -> None:
    """Start from an empty WAL file, so that its growth shows uncommitted writing."""
    conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
    finally:
        conn.close()


def _into_write_pass(backend: str, url: str) -> bool:
    if backend == "postgresql":
        return _copied(url) >= INTO_WRITE_PASS_ROWS
    wal = _wal(url)
    return wal.exists() and wal.stat().st_size > INTO_WRITE_PASS_WAL


def _kill_while_writing(proc: subprocess.Popen[str], backend: str, url: str) -> bool:
    """SIGKILL the import once it is well into writing; False if it ended before."""
    deadline = time.monotonic() + DEADLINE
    while proc.poll() is None:
        assert time.monotonic() < deadline, "the import neither wrote nor finished"
        if _into_write_pass(backend, url):
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.01)
    return False


def _imported(engine: Engine) -> tuple[int, int]:
    """Imported tickets stored, and how many of them the search index finds."""
    with Session(engine) as session:
        stored = session.scalar(text("SELECT count(*) FROM tickets WHERE title LIKE 'Bulk %'"))
        _, found = queries.search(session, query="bulk cafetera", limit=1)
    return int(stored or 0), found


@pytest.mark.slow
def test_killed_import_is_all_or_nothing(backend: str, fresh_db_url: str, tmp_path: Path) -> None:
    requester, _ = add_staff(fresh_db_url, 1)
    add_ticket(fresh_db_url, title="Cafetera zzimpbefore ok", requester=requester)
    cli = Cli(env=make_env(fresh_db_url))
    engine = build_engine(Settings(database_url=fresh_db_url))
    try:
        rows = IMPORT_ROWS
        for attempt in range(3):
            before = check_consistent(engine)
            imported_before, _ = _imported(engine)
            path = write_jsonl(
                tmp_path / f"big{attempt}.jsonl",
                bulk_rows(rows, requester="requester", assignee="w0", padding=400),
            )
            if backend == "sqlite":
                _truncate_wal(fresh_db_url)
            with subprocess.Popen(
                [str(ITSM), "ticket", "import", str(path)],
                env=cli.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            ) as proc:
                killed = _kill_while_writing(proc, backend, fresh_db_url)
                _, stderr = proc.communicate()
            after = check_consistent(engine)  # events, numbering and FTS, whatever happened
            stored, found = _imported(engine)
            assert found == stored, f"the search index finds {found} of {stored} imported tickets"
            if killed:
                assert proc.returncode == -signal.SIGKILL
            else:
                assert proc.returncode == 0, stderr
            if stored == imported_before:
                assert after == before, "a killed import left part of its rows"
                assert killed, stderr
                break
            # It committed before the kill (or finished): then all of its rows are there.
            assert stored == imported_before + rows, "a killed import left part of its rows"
            rows *= 2
        else:
            pytest.fail("the import always committed before it could be killed")

        # No lock left behind (on SQLite the next opener recovers the WAL).
        created = cli.json(
            "ticket", "create", "Cafetera zzimpafter ok", "x", "other", "low", "requester"
        )
        assert db_tickets(engine)[created["id"]][0] == created["number"]
        # Nor a counter out of step: an import into the same days numbers on from it.
        small = write_jsonl(tmp_path / "small.jsonl", bulk_rows(20, requester="requester"))
        assert cli.json("ticket", "import", str(small))["imported"] == 20
        check_consistent(engine)
        stored, found = _imported(engine)
        assert found == stored == imported_before + 20
        check_searchable(
            engine,
            {k: title for k, (_, title) in db_tickets(engine).items() if title.startswith("Caf")},
        )
    finally:
        engine.dispose()
