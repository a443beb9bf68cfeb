"""A killed import leaves the database exactly as it was: all or nothing, indexes intact.

``itsm ticket import`` runs in a subprocess and gets SIGKILL a moment after it
entered its write pass (on PostgreSQL ``pg_stat_activity`` shows its ``COPY``, on
SQLite its uncommitted pages spill into the WAL file), so that several batches are
written. If it finished first, the file doubles and it runs again.
"""

from __future__ import annotations

import signal
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
from tests.e2e.cli import ITSM, Cli, describe
from tests.e2e.transfer.support import add_people
from tests.integration.transfer.support import bulk_rows, consistency, write_csv

WAL_GROWTH = 1 << 20  # bytes of uncommitted pages that prove the write pass has begun
DEADLINE = 120.0
# Some batches in, so that an import committing piecemeal would show it.
INTO_WRITE_PASS_ROWS = 5000  # PostgreSQL: rows COPY has taken in
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


def _wal_size(url: str) -> int:
    wal = Path(url.removeprefix("sqlite:///") + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def _kill_when_writing(proc: subprocess.Popen[str], backend: str, url: str) -> bool:
    """SIGKILL the import once it is well into writing; False if it ended before that."""
    baseline = _wal_size(url) if backend == "sqlite" else 0
    started = time.monotonic()
    while proc.poll() is None:
        assert time.monotonic() - started < DEADLINE, "import neither wrote nor finished"
        writing = (
            _copied(url) >= INTO_WRITE_PASS_ROWS
            if backend == "postgresql"
            else _wal_size(url) > baseline + INTO_WRITE_PASS_WAL
        )
        if writing:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.02)
    return False


def _state(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        state = consistency(conn)
        conn.rollback()
    with Session(engine) as session:
        _, total = queries.search(session, query="cafetera", limit=1)
        imported = session.scalar(
            text("SELECT count(*) FROM tickets WHERE title LIKE '%cafetera%'")
        )
        assert total == imported  # the index knows exactly the tickets that exist
    return state


@pytest.mark.slow
def test_killed_import_leaves_no_trace(
    cli: Cli, backend: str, fresh_db_url: str, tmp_path: Path
) -> None:
    add_people(fresh_db_url)
    cli.ok("ticket", "create", "Before the import", "x", "other", "low", "req")
    engine = build_engine(Settings(database_url=fresh_db_url))
    try:
        rows = 50_000
        for attempt in range(4):
            before = _state(engine)
            path = write_csv(
                tmp_path / f"big{attempt}.csv", bulk_rows(rows, requester="req", assignee="tec")
            )
            with subprocess.Popen(
                [str(ITSM), "ticket", "import", str(path)],
                env=cli.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            ) as proc:
                killed = _kill_when_writing(proc, backend, fresh_db_url)
                _, stderr = proc.communicate()
            after = _state(engine)
            if killed and after == before:
                break  # killed inside the write pass: nothing of it is left
            # It finished (or died committing): then all of it is there.
            assert after["tickets"] == before["tickets"] + rows, (proc.returncode, stderr)
            rows *= 2
        else:
            pytest.fail("the import always finished before it could be killed")
        assert proc.returncode == -signal.SIGKILL
        # No lock left behind; on SQLite the WAL was recovered by the next opener.
        created = cli.json("ticket", "create", "After the kill", "x", "other", "low", "req")
        assert created["number"].endswith("-0002")
        final = _state(engine)
        assert final["tickets"] == before["tickets"] + 1
    finally:
        engine.dispose()
    result = cli.run(
        "ticket", "import", str(write_csv(tmp_path / "small.csv", bulk_rows(10, requester="req")))
    )
    assert result.returncode == 0, describe(result)
