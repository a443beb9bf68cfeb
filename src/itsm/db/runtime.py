"""Open the configured database ready for work: reachable, migrated, sessions at hand."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from itsm.config import Settings
from itsm.db import migrate, notify
from itsm.db.engine import build_engine, make_session_factory, session_scope, unavailable
from itsm.events.domain import Bus
from itsm.events.log import log_committed
from itsm.notify import outbox


@dataclass
class Database:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session] = field(init=False)
    #: The domain events' subscribers of this database's sessions.
    bus: Bus = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = make_session_factory(self.engine)
        self.bus = Bus()
        self.bus.attach(self.sessions)
        self.bus.after_commit.append(log_committed)
        notify.install(self.engine, self.bus)
        outbox.install(self.bus)

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """One unit of work; a lost connection becomes :class:`DatabaseUnavailable`."""
        try:
            with session_scope(self.sessions, write=write) as session:
                yield session
        except DBAPIError as exc:
            if _is_unreachable(exc):
                raise unavailable(exc, self.settings) from None
            raise

    def cap_sqlite_page_cache(self, kib: int) -> None:
        """Keep at most ``kib`` KiB of SQLite pages in memory per connection.

        SQLite's default page cache, 2 MiB per connection, fills with every page
        a long-running process touches: the storing agent appends a report each
        cycle, so its memory creeps up by that much. For a process with a
        memory budget and a small working set, a smaller cache costs nothing
        noticeable (pages come back from the OS's file cache). No-op on
        PostgreSQL, whose cache lives in the server, and on an in-memory SQLite
        database, which is all cache.
        """
        url = self.engine.url
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return
        pragma = f"PRAGMA cache_size = -{int(kib)}"

        @event.listens_for(self.engine, "connect")
        def _cap(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute(pragma)
            cursor.close()

        self.engine.dispose()  # pooled connections were opened with the default

    def dispose(self) -> None:
        self.engine.dispose()


# SQLSTATEs of a server that is going away or not there yet: class 08 (connection
# exception), admin shutdown, crash shutdown, "cannot connect now" (starting up).
_GONE_SQLSTATES = ("57P01", "57P02", "57P03")


def _is_unreachable(exc: DBAPIError) -> bool:
    """Whether ``exc`` says the database cannot be reached, rather than refused a statement."""
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        return orig.sqlite_errorcode & 0xFF == sqlite3.SQLITE_CANTOPEN  # "unable to open"
    # psycopg: an error the server sent carries its SQLSTATE; one on the client's
    # side of the connection (refused, closed, broken) carries none.
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is None:
        return isinstance(exc, OperationalError)
    return str(sqlstate).startswith("08") or sqlstate in _GONE_SQLSTATES


def open_database(settings: Settings, *, check_schema: bool = True) -> Database:
    """Connect; upgrade a SQLite file in place; refuse an outdated server schema."""
    engine = build_engine(settings)
    try:
        with engine.connect():
            pass
        if check_schema:
            if engine.dialect.name == "sqlite":  # embedded: any file upgrades itself
                if migrate.current_revision(engine) != migrate.head_revision():
                    migrate.upgrade(engine)
            else:
                migrate.require_current(engine)
    except DBAPIError as exc:
        engine.dispose()
        raise unavailable(exc, settings) from None
    except BaseException:
        engine.dispose()
        raise
    return Database(settings=settings, engine=engine)
