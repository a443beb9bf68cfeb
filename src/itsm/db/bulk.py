"""Many rows into a table at once, in the caller's transaction, the way each database
takes them fastest: ``COPY`` on PostgreSQL, multi-row ``INSERT`` statements on SQLite.

The rows are tuples of driver values (text, numbers, None): times as
:func:`time_text` writes them, no type processing. This is the one module that
speaks to the PostgreSQL driver directly (``COPY`` has no SQLAlchemy construct).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

SQLITE_ROWS = 500  # rows per INSERT statement on SQLite

TimeText = Callable[[datetime | None], str | None]


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _pg_time(moment: datetime | None) -> str | None:
    """``timestamptz`` text (``COPY`` parses it), always with its UTC offset."""
    return None if moment is None else moment.isoformat(" ")


def _sqlite_time(moment: datetime | None) -> str | None:
    """As the ORM stores it on SQLite: naive UTC text with microseconds."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def time_text(session: Session) -> TimeText:
    """How :func:`insert_rows` takes a timezone-aware time on this database."""
    return _pg_time if _postgresql(session) else _sqlite_time


def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    """``count`` new ids for ``table``'s integer primary key ``id``, ascending.

    PostgreSQL takes them from the column's sequence. SQLite has none: its ids
    follow the highest id, and the write transaction (``BEGIN IMMEDIATE``) keeps
    other writers out, so the caller must insert them before asking again.
    """
    if _postgresql(session):
        ids = session.execute(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :k)"),
            {"t": table.name, "k": count},
        ).scalars()
        return sorted(int(i) for i in ids)
    top = session.execute(text(f"SELECT coalesce(max(id), 0) FROM {table.name}")).scalar_one()
    return list(range(int(top) + 1, int(top) + 1 + count))


def insert_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (values of ``columns``, in order) into ``table``.

    ``rows`` may be a generator: on PostgreSQL the server stores rows while the
    next are built. A database error arrives as SQLAlchemy's (a constraint
    failure as :class:`~sqlalchemy.exc.IntegrityError`), as for any statement.
    """
    names = ", ".join(table.c[name].name for name in columns)
    if _postgresql(session):
        _copy(session, f"COPY {table.name} ({names}) FROM STDIN", rows)
        return
    # Many rows per statement, not executemany: FTS5 flushes its pending index data
    # at every statement its triggers run in, so one row per statement is far slower.
    connection = session.connection()
    driver = connection.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    limit = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per = max(1, min(SQLITE_ROWS, limit // len(columns)))
    one = "(" + ", ".join("?" * len(columns)) + ")"
    it = iter(rows)
    while chunk := list(islice(it, per)):
        marks = ", ".join([one] * len(chunk))
        flat = tuple(v for row in chunk for v in row)
        connection.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES {marks}", flat)


def _copy(session: Session, statement: str, rows: Iterable[tuple[Any, ...]]) -> None:
    connection = session.connection()
    dialect = connection.dialect
    driver: Any = connection.connection.driver_connection
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for values in rows:
                copy.write_row(values)
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(
            statement, None, exc, dialect.loaded_dbapi.Error, dialect=dialect
        ) from exc
