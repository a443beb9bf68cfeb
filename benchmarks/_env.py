"""Throw-away databases and a clean settings environment for benchmarks.

Benchmarks never touch the developer's own itsm data or config: ``ITSM_*``
variables are set aside while they run, and every database is created for the
run and dropped after it (a SQLite file in a temporary directory, or a
PostgreSQL database ``itsm_bench_<random>``).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import make_url

from itsm.config import Settings
from itsm.db import migrate
from itsm.db.engine import build_engine

PG_ADMIN_DSN = os.environ.get(
    "ITSM_BENCH_PG_ADMIN",
    os.environ.get("ITSM_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"),
)


@contextmanager
def isolated_settings_env() -> Iterator[Path]:
    """Hide ``ITSM_*`` variables and point ``ITSM_CONFIG`` at an empty file; yields a temp dir."""
    saved = {key: value for key, value in os.environ.items() if key.startswith("ITSM_")}
    with tempfile.TemporaryDirectory(prefix="itsm-bench-") as tmp:
        home = Path(tmp)
        config = home / "config.toml"
        config.write_text("", encoding="utf-8")
        for key in saved:
            del os.environ[key]
        os.environ["ITSM_CONFIG"] = str(config)
        try:
            yield home
        finally:
            for key in [k for k in os.environ if k.startswith("ITSM_")]:
                del os.environ[key]
            os.environ.update(saved)


def settings_for(url: str, home: Path) -> Settings:
    """Settings as the CLI would build them for ``url``, with nothing from the user's config."""
    return Settings(database_url=url, data_dir=home / "data", sql_echo=False)


def migrate_database(settings: Settings) -> None:
    engine = build_engine(settings)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def postgres_reachable() -> str | None:
    """``None`` when the PostgreSQL server answers, else the reason it does not."""
    try:
        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def postgres_server_version() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
    except psycopg.Error:
        return None
    return str(row[0]) if row else None


@contextmanager
def postgres_database(prefix: str = "itsm_bench") -> Iterator[str]:
    """A fresh, empty PostgreSQL database for the duration of the block; yields its name."""
    name = f"{prefix}_{secrets.token_hex(5)}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def postgres_sqlalchemy_url(dbname: str) -> str:
    url = make_url(PG_ADMIN_DSN).set(drivername="postgresql+psycopg", database=dbname)
    return url.render_as_string(hide_password=False)


def postgres_dsn(dbname: str) -> str:
    """A libpq connection string for ``dbname`` on the admin DSN's server."""
    return make_conninfo(PG_ADMIN_DSN, dbname=dbname)


def itsm_command() -> str:
    """The installed ``itsm`` console script next to this interpreter."""
    return str(Path(sys.executable).with_name("itsm"))


@contextmanager
def api_server(env: dict[str, str], log: Path, workers: int = 1) -> Iterator[tuple[str, int]]:
    """``itsm serve`` on a free loopback port until the block ends; yields its URL and pid."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    cmd = [itsm_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*cmd, "--workers", str(workers)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # polls readiness: the server says when it is up, nothing else does
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the API server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
