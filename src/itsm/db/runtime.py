"""Open the configured database ready for work: reachable, migrated, sessions at hand."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from itsm.config import Settings
from itsm.db import migrate
from itsm.db.engine import build_engine, make_session_factory, session_scope, unavailable


@dataclass
class Database:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = make_session_factory(self.engine)

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

    def dispose(self) -> None:
        self.engine.dispose()


def _is_unreachable(exc: DBAPIError) -> bool:
    if exc.connection_invalidated:
        return True
    text = str(exc.orig).lower()
    return any(
        marker in text
        for marker in (
            "connection",
            "could not connect",
            "server closed",
            "unable to open",
            "terminating",
        )
    )


def open_database(settings: Settings, *, check_schema: bool = True) -> Database:
    """Connect; upgrade the embedded default in place; refuse an outdated server schema."""
    engine = build_engine(settings)
    try:
        with engine.connect():
            pass
        if check_schema:
            if settings.is_default_database:
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
