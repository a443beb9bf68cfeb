"""Engine and session factory for SQLite (embedded default) and PostgreSQL.

SQLite is tuned for several processes at once: WAL journal, a busy timeout, and
``BEGIN IMMEDIATE`` for write transactions so that a writer waits for the lock
up front instead of failing later with "database is locked".

Pooled PostgreSQL connections are pinged before use (``pool_pre_ping``), so one
that died while idle (a server restart, a failover) is replaced unnoticed by the
user, though not by the log: ``db.invalidated`` and ``db.reconnect`` lines tell it.
"""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from itsm import extras
from itsm.config import Settings, mask_url
from itsm.db import partial_index
from itsm.errors import ConfigError, DatabaseUnavailable
from itsm.logs import fields

log = logging.getLogger(__name__)

_BEGIN_OPTION = "itsm_sqlite_begin"
_READER_BIND = "_itsm_reader_bind"  # SQLite: the engine whose transactions begin DEFERRED


#: libpq parameters of every PostgreSQL connection, the pool's and the LISTEN one's: give
#: up on a server that does not answer, and notice a peer gone silent (a connection
#: idle in LISTEN sends nothing, so without keepalives a dead server is never noticed).
PG_CONNECT_ARGS: dict[str, int] = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


def build_engine(settings: Settings) -> Engine:
    """Create the engine for ``settings``; creates the SQLite file's directory.

    Every new connection logs one ``db.connect`` line (the URL without its password);
    a connection the pool found dead or broken (a failed ping, an error that says the
    server went away) logs ``db.invalidated``, and its slot's new connection, the
    pool's retry of the checkout or a later one, ``db.reconnect``. All at INFO: a
    command that fails over a lost server says so in its one error line, on stderr.
    """
    engine = _build_engine(settings)
    shown = mask_url(settings.effective_database_url)
    slots: weakref.WeakSet[Any] = weakref.WeakSet()  # the pool's records, once connected

    @event.listens_for(engine, "connect")
    def _log_connect(_dbapi_conn: Any, record: Any) -> None:
        again = record in slots
        slots.add(record)
        log.info("db.reconnect" if again else "db.connect", extra=fields(database=shown))

    @event.listens_for(engine, "invalidate")
    def _log_invalidate(_dbapi_conn: Any, _record: Any, exc: BaseException | None) -> None:
        log.info("db.invalidated", extra=fields(database=shown, reason=_reason(exc)))

    return engine


def _reason(exc: BaseException | None) -> str:
    """An invalidation's cause in one line (``None``: the code asked for it)."""
    if exc is None:
        return "invalidated"
    if isinstance(exc, DisconnectionError):  # raised, without a message, by a failed ping
        return "ping failed"
    first = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {first[0]}" if first else type(exc).__name__


def _build_engine(settings: Settings) -> Engine:
    raw = settings.effective_database_url
    try:
        url = make_url(raw)
    except Exception:
        raise ConfigError(f"invalid database URL {mask_url(raw)!r}") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url.render_as_string(hide_password=False), settings)
    if backend == "postgresql":
        extras.require("postgresql", needed_by="a postgresql:// database URL")
        partial_index.enable_postgresql()
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        return create_engine(
            url,
            echo=settings.sql_echo,
            connect_args={**PG_CONNECT_ARGS, "application_name": "itsm"},
            pool_pre_ping=True,
            **_pool_options(settings),
        )
    raise ConfigError(
        f"unsupported database {backend!r} in {mask_url(raw)!r}; use sqlite:// or postgresql://"
    )


def _sqlite_engine(url: str, settings: Settings) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        _create_private(Path(database).expanduser())
    in_memory = not database or database == ":memory:"  # one shared connection, no pool
    engine = create_engine(
        url,
        echo=settings.sql_echo,
        connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000},
        **({} if in_memory else _pool_options(settings)),
    )
    busy = settings.sqlite_busy_timeout_ms

    # SQLAlchemy's documented pysqlite recipe: the driver's own transaction handling
    # off, BEGIN emitted by SQLAlchemy (IMMEDIATE for writers, DEFERRED for readers).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy)}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")

    # The same engine and pool for readers' sessions (see session_scope), made once.
    setattr(engine, _READER_BIND, engine.execution_options(**{_BEGIN_OPTION: "DEFERRED"}))
    return engine


def _create_private(path: Path) -> None:
    """Create a missing SQLite file (and its folders) readable by its owner only: it holds
    password and token hashes. SQLite gives its -wal and -shm files the same mode.
    Existing files and folders keep the mode an administrator gave them."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _pool_options(settings: Settings) -> dict[str, int]:
    """The connection pool's size: at least the API server's usual concurrency.

    Past ``pool_size`` connections in use, each further one is opened for one unit of
    work and closed when given back: with SQLAlchemy's default of 5 an API server
    under 8 concurrent requests kept opening connections (a TCP connection and
    authentication on PostgreSQL, four PRAGMAs on SQLite).
    """
    return {
        "pool_size": settings.database_pool_size,
        "max_overflow": settings.database_max_overflow,
    }


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session], *, write: bool = True) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error.

    ``write=False`` opens a deferred transaction on SQLite so that readers never
    queue behind writers. Entering does no I/O: the connection is taken from the
    pool, and the transaction begun, when the session is first used.
    """
    session = factory()
    try:
        if not write:
            reader = getattr(session.get_bind(), _READER_BIND, None)
            if reader is not None:
                session.bind = reader
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def unavailable(exc: DBAPIError, settings: Settings) -> DatabaseUnavailable:
    """Translate a driver failure into a one-line, password-free message."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    where = mask_url(settings.effective_database_url)
    return DatabaseUnavailable(f"database {where} is not reachable: {mask_url(reason)}")
