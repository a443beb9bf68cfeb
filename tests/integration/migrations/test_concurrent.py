"""Two processes migrating one new database at once: both succeed, the schema is
made once. Each test holds the lock the migrations take, observes that both
processes are waiting for it, then lets them go."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from itsm.config import Settings
from itsm.db import migrate
from itsm.db.engine import build_engine
from tests import pg
from tests.e2e.cli import ITSM, make_env
from tests.waiting import wait_until

#: The advisory lock the migration environment takes on PostgreSQL (migrations/env.py).
MIGRATION_LOCK = 712201
DEADLINE_S = 60.0


def start(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(ITSM), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=DEADLINE_S)
    return proc.returncode, out, err


@pytest.mark.postgres
def test_two_db_upgrades_at_once_on_postgresql_migrate_once() -> None:
    pg.require_postgres()
    name = pg.create_database("itsm_race")
    url = pg.url_for(name)
    env = make_env(url)
    try:
        with psycopg.connect(pg.ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}") as holder:
            holder.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            procs = [start("db", "upgrade", env=env) for _ in range(2)]
            with psycopg.connect(pg.ADMIN_DSN, autocommit=True) as watcher:

                def both_wait() -> bool:
                    row = watcher.execute(
                        "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                        " WHERE d.datname = %s AND l.locktype = 'advisory' AND NOT l.granted",
                        (name,),
                    ).fetchone()
                    return row is not None and row[0] == 2

                wait_until("both upgrades wait for the migration lock", both_wait)
            holder.rollback()  # releases the lock: one migrates, then the other
            results = [finish(p) for p in procs]
        for code, _out, err in results:
            assert code == 0, err
            assert err == ""
        head = migrate.head_revision()
        for _code, out, _err in results:
            # The second read the revision before it waited: it may say either.
            assert f"upgraded from empty to {head}." in out or f"(revision {head})" in out
        engine = build_engine(Settings(database_url=url))
        try:
            assert migrate.current_revision(engine) == migrate.head_revision()
            with engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
        finally:
            engine.dispose()
    finally:
        pg.drop_database(name)


def has_open(pid: int, path: Path) -> bool:
    """Whether process ``pid`` has ``path`` open (Linux /proc)."""
    fds = Path(f"/proc/{pid}/fd")
    try:
        return any(os.path.realpath(fd) == str(path) for fd in fds.iterdir())
    except (FileNotFoundError, PermissionError):
        return False


def test_first_use_of_a_new_sqlite_file_by_two_processes_migrates_it_once(
    tmp_path: Path,
) -> None:
    env = make_env(None, XDG_DATA_HOME=str(tmp_path / "data"))
    data_dir = tmp_path / "data" / "itsm"
    data_dir.mkdir(parents=True)
    db_file = (data_dir / "itsm.db").resolve()
    # An empty database file whose write lock the test holds: both commands open
    # it, find no schema and wait for the lock to migrate.
    holder = sqlite3.connect(db_file, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        procs = [start("ticket", "list", "--json", env=env) for _ in range(2)]
        wait_until(
            "both commands have the database file open",
            lambda: all(has_open(p.pid, db_file) or p.poll() is not None for p in procs),
        )
        assert all(p.poll() is None for p in procs), "a command ended before the lock was let go"
        holder.execute("ROLLBACK")
    finally:
        holder.close()
    results = [finish(p) for p in procs]
    for code, out, err in results:
        assert code == 0, err
        assert err == ""
        assert out.strip().startswith("{") or out.strip().startswith("[")
    engine = build_engine(Settings(database_url=f"sqlite:///{db_file}"))
    try:
        assert migrate.current_revision(engine) == migrate.head_revision()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    finally:
        engine.dispose()
