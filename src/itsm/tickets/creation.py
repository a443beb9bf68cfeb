"""Writing a new ticket: its number, its row and its first audit events, in few statements.

:func:`insert_ticket` does in SQL what the ORM's unit of work would do in a
requester lookup and two flushes, with Core statements built and compiled once
per dialect and run with ``exec_driver_sql`` (:class:`_Prepared`):

- **PostgreSQL**: one statement of data-modifying CTEs. It bumps the day's
  counter *if the requester is an active user*, inserts the ticket numbered from
  the counter, inserts its 'created' (and 'assigned') events and returns the
  ticket's id, number and priority rank: one round trip between ``BEGIN`` and
  ``COMMIT``, as for a bare ``INSERT``. psycopg prepares it on the server after a
  few executions.
- **SQLite** (no DML inside CTEs): three statements on the same connection, the
  same conditional counter upsert, the ticket ``INSERT ... RETURNING`` and the
  events ``INSERT``. SQLite runs in-process, so statements cost CPU, not round
  trips, and SQLAlchemy's own work per execution would be the larger part.

Everything follows from the counter bump, and the bump happens only for an
active requester: when it is refused, nothing at all was written (the caller
then finds out why). The counter row stays locked by the caller's transaction
until it ends, as :mod:`itsm.tickets.numbering` describes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from typing import cast as typing_cast

from sqlalchemy import (
    ClauseElement,
    Column,
    ColumnElement,
    Connection,
    CursorResult,
    Dialect,
    Integer,
    Select,
    String,
    Table,
    Text,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import manager_of_class
from sqlalchemy.sql.compiler import SQLCompiler

from itsm.db.base import UTCDateTime
from itsm.tickets.models import EventKind, Ticket, TicketCounter, TicketEvent
from itsm.tickets.numbering import format_number
from itsm.users import service as users

TICKETS = typing_cast(Table, Ticket.__table__)
EVENTS = typing_cast(Table, TicketEvent.__table__)
COUNTERS = typing_cast(Table, TicketCounter.__table__)

#: The ticket columns a new ticket's INSERT writes (a ``row`` gives all but the number).
WRITTEN = (
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
    "first_response_due_at",
    "first_response_warn_at",
    "resolution_due_at",
    "resolution_warn_at",
    "created_at",
    "updated_at",
)
EVENT_COLUMNS = ("ticket_id", "actor_id", "kind", "field", "old_value", "new_value", "created_at")


def _default(column: Column[Any]) -> Any:
    default = column.default
    return getattr(default, "arg", None) if default is not None and default.is_scalar else None


#: What a new ticket holds in the columns its INSERT leaves to the database: NULL, or
#: ``false`` for the SLA flags (their model default, the same as their server default).
DEFAULTS: dict[str, Any] = {
    c.name: _default(c)
    for c in TICKETS.columns
    if c.name not in WRITTEN and not c.primary_key and c.computed is None
}


_TICKET_CLASS = manager_of_class(Ticket)


@dataclass(frozen=True, slots=True)
class Inserted:
    id: int
    number: str
    priority_rank: int


def insert_ticket(
    conn: Connection,
    *,
    row: dict[str, Any],
    day: str,
    actor_id: int | None,
    assignee_name: str | None,
) -> Inserted | None:
    """Number and insert ``row`` (the columns of :data:`WRITTEN` but ``number``) with its
    'created' event, plus an 'assigned' event when ``assignee_name`` is given.

    ``None`` when ``row['requester_id']`` is not an active user: then nothing was written.
    """
    if conn.dialect.name == "postgresql":
        params = {**row, "day": day, "actor_id": actor_id, "at": row["created_at"]}
        if assignee_name is not None:
            params["assignee_name"] = assignee_name
        got = _postgres_plan(conn.dialect, assignee_name is not None).run(conn, params).first()
        if got is None:
            return None
        return Inserted(int(got.id), str(got.number), int(got.priority_rank))
    return _insert_sqlite(conn, row=row, day=day, actor_id=actor_id, assignee_name=assignee_name)


def loaded_ticket(session: Session, values: dict[str, Any]) -> Ticket:
    """The row just written (every column in ``values``) as a :class:`Ticket` of ``session``:
    persistent, every column loaded, nothing pending, as if read back.

    Built the way the ORM builds an object from a result row, the values put straight
    into the instance's ``__dict__``: a third of the cost of the constructor's
    instrumented assignments (change history that would be thrown away at once).
    """
    ticket = _TICKET_CLASS.new_instance()
    ticket.__dict__.update(values)
    make_transient_to_detached(ticket)
    session.add(ticket)
    return ticket


def _insert_sqlite(
    conn: Connection,
    *,
    row: dict[str, Any],
    day: str,
    actor_id: int | None,
    assignee_name: str | None,
) -> Inserted | None:
    plan = _sqlite_plan(conn.dialect)
    bumped = plan.bump.first_row(conn, {"day": day, "requester_id": row["requester_id"]})
    if bumped is None:
        return None
    number = format_number(day, int(bumped[0]))
    inserted = plan.ticket.first_row(conn, {**row, "number": number})
    assert inserted is not None  # INSERT ... RETURNING of one row
    ticket_id, rank = int(inserted[0]), int(inserted[1])
    event = {
        "ticket_id": ticket_id,
        "actor_id": actor_id,
        "old_value": None,
        "at": row["created_at"],
    }
    events = [{**event, "kind": EventKind.CREATED.value, "field": None, "new_value": number}]
    if assignee_name is not None:
        events.append(
            {
                **event,
                "kind": EventKind.ASSIGNED.value,
                "field": "assignee",
                "new_value": assignee_name,
            }
        )
    plan.events.run_many(conn, events)
    return Inserted(ticket_id, number, rank)


def _gate() -> ColumnElement[bool]:
    return users.active_user_condition(bindparam("requester_id", type_=Integer()))


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A Core statement compiled once per dialect, run with ``exec_driver_sql``.

    For a compiled Core statement SQLAlchemy still does per execution what never
    changes here: look the statement up in its compiled cache by the statement and
    the parameter names, build every parameter, set up the result: 50-60 µs per
    statement on this machine for SQLite's small ones (more than SQLite's own work
    for a row), about 100 µs for PostgreSQL's CTE. This keeps what the compilation
    gives (the SQL text, the parameter order, each parameter's type processing, the
    values the statement carries itself) and leaves SQLAlchemy only the execution
    (events, echo, error translation, the result): 10-30 µs.
    """

    sql: str
    names: tuple[str, ...]  # every parameter, in a positional style's order
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, type processing)
    fixed: dict[str, Any]  # literals and scalar column defaults: values nobody passes
    positional: bool  # parameters as a tuple (SQLite's qmark), else as a dict (psycopg's)

    @classmethod
    def compile(cls, statement: ClauseElement, dialect: Dialect) -> _Prepared:
        compiled = typing_cast(SQLCompiler, statement.compile(dialect=dialect))
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(binds)
        processors = [binds[name].type.bind_processor(dialect) for name in names]
        processing = tuple((i, p) for i, p in enumerate(processors) if p is not None)
        fixed = {name: bind.effective_value for name, bind in binds.items() if not bind.required}
        # Column defaults are filled in by SQLAlchemy's execution context, which
        # exec_driver_sql skips: take the scalar ones here, refuse the others.
        for column in compiled.insert_prefetch:
            default = column.default
            if default is None or not default.is_scalar:
                raise ValueError(f"{column}: give it a value, its default is not a constant")
            fixed[column.key] = getattr(default, "arg", None)
        return cls(compiled.string, names, processing, fixed, compiled.positional)

    def _params(self, given: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        values = {**self.fixed, **given} if self.fixed else given
        params = [values[name] for name in self.names]
        for position, process in self.processors:
            if params[position] is not None:  # NULL stays NULL for every type written here
                params[position] = process(params[position])
        return tuple(params) if self.positional else dict(zip(self.names, params, strict=True))

    def run(self, conn: Connection, values: Mapping[str, Any]) -> CursorResult[*tuple[Any, ...]]:
        return conn.exec_driver_sql(self.sql, self._params(values))

    def first_row(self, conn: Connection, values: Mapping[str, Any]) -> Sequence[Any] | None:
        """The statement's first row, run on the driver's cursor (see :func:`driver_cursor`)."""
        params = self._params(values)
        if _logs_sql(conn):
            return conn.exec_driver_sql(self.sql, params).first()
        with driver_cursor(conn, self.sql, params) as cursor:
            cursor.execute(self.sql, params)
            row: Sequence[Any] | None = cursor.fetchone()
            return row

    def run_many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        params = [self._params(values) for values in rows]
        if _logs_sql(conn):
            conn.exec_driver_sql(self.sql, params)
            return
        with driver_cursor(conn, self.sql, params) as cursor:
            cursor.executemany(self.sql, params)


def _logs_sql(conn: Connection) -> bool:
    """Whether SQLAlchemy logs statements (``sql_echo``, or its logger set to INFO)."""
    return bool(conn.engine.echo) or logging.getLogger("sqlalchemy.engine.Engine").isEnabledFor(
        logging.INFO
    )


@contextmanager
def driver_cursor(conn: Connection, statement: str, params: Any) -> Iterator[Any]:
    """A cursor of ``conn``'s driver connection, its errors raised as SQLAlchemy's.

    On SQLite a statement through ``exec_driver_sql`` costs SQLAlchemy about 30 µs
    (execution context, events, result set-up) on top of SQLite's 20-60 µs: the
    three statements of a new ticket would spend more in SQLAlchemy than in SQLite.
    This runs them on the driver's cursor, in the connection's transaction, and
    keeps what callers rely on: a driver error becomes the same
    :class:`sqlalchemy.exc.DBAPIError` subclass (``IntegrityError`` for a duplicate
    fingerprint). When SQLAlchemy logs statements it is not used, so every one is logged.
    SQLite only: it skips SQLAlchemy's disconnect handling, which PostgreSQL needs.
    """
    driver = conn.connection.driver_connection
    dbapi = conn.dialect.loaded_dbapi
    cursor = typing_cast(Any, driver).cursor()
    try:
        yield cursor
    except dbapi.Error as exc:
        raise DBAPIError.instance(
            statement, params, exc, dbapi.Error, dialect=conn.dialect
        ) from exc
    finally:
        cursor.close()


@dataclass(frozen=True, slots=True)
class _SqlitePlan:
    bump: _Prepared
    ticket: _Prepared
    events: _Prepared


@lru_cache(maxsize=8)
def _sqlite_plan(dialect: Dialect) -> _SqlitePlan:
    # INSERT ... SELECT before ON CONFLICT needs a WHERE clause in SQLite: the gate is one.
    bump = (
        sqlite.insert(COUNTERS)
        .from_select(
            ["day", "last_value"],
            select(bindparam("day", type_=String()), literal_column("1")).where(_gate()),
        )
        .on_conflict_do_update(
            index_elements=[COUNTERS.c.day],
            set_={"last_value": COUNTERS.c.last_value + literal_column("1")},
        )
        .returning(COUNTERS.c.last_value)
    )
    ticket = (
        insert(TICKETS)
        .values({name: bindparam(name, type_=TICKETS.c[name].type) for name in WRITTEN})
        .returning(TICKETS.c.id, TICKETS.c.priority_rank)
    )
    events = insert(EVENTS).values(
        {
            name: bindparam("at" if name == "created_at" else name, type_=EVENTS.c[name].type)
            for name in EVENT_COLUMNS
        }
    )
    return _SqlitePlan(
        bump=_Prepared.compile(bump, dialect),
        ticket=_Prepared.compile(ticket, dialect),
        events=_Prepared.compile(events, dialect),
    )


def _text_literal(value: str) -> ColumnElement[str]:
    assert value.isalnum() or value.isidentifier()  # nothing to quote
    return literal_column(f"'{value}'", Text())


def _typed(name: str, sql_type: Any) -> ColumnElement[Any]:
    """A bound value in a SELECT list, cast so that PostgreSQL need not guess its type (a
    NULL would be taken for text). Strings are cast to unbounded text: the column's own
    length check still applies on insert."""
    target = Text() if isinstance(sql_type, String) else sql_type
    return cast(bindparam(name, type_=sql_type), target)


@lru_cache(maxsize=16)
def _postgres_plan(dialect: Dialect, assigned: bool) -> _Prepared:
    return _Prepared.compile(_postgres_statement(assigned), dialect)


def _postgres_statement(assigned: bool) -> Select[Any]:
    from sqlalchemy.dialects import postgresql  # not loaded by processes that use SQLite

    day = _typed("day", String())
    bump = (
        postgresql.insert(COUNTERS)
        .from_select(["day", "last_value"], select(day, literal_column("1")).where(_gate()))
        .on_conflict_do_update(
            index_elements=[COUNTERS.c.day],
            set_={"last_value": COUNTERS.c.last_value + literal_column("1")},
        )
        .returning(COUNTERS.c.last_value)
        .cte("bump")
    )
    # format_number in SQL: four digits at least, wider past 9999. Constants are
    # inlined (literal_column): parameters would be sent and converted every time.
    digits = cast(bump.c.last_value, Text())
    number = (
        literal_column("'TKT-'", Text())
        + day
        + literal_column("'-'", Text())
        + func.lpad(
            digits, func.greatest(literal_column("4"), func.length(digits)), _text_literal("0")
        )
    )
    values = [
        number if name == "number" else _typed(name, TICKETS.c[name].type) for name in WRITTEN
    ]
    ticket = (
        insert(TICKETS)
        # The SLA flags are left to their server default (false): Python-side defaults
        # would be parameters nobody fills in, inside a CTE.
        .from_select(list(WRITTEN), select(*values).select_from(bump), include_defaults=False)
        .returning(TICKETS.c.id, TICKETS.c.number, TICKETS.c.priority_rank)
        .cte("ticket")
    )
    actor = _typed("actor_id", Integer())
    at = _typed("at", UTCDateTime())
    rows: Select[Any] | Any = select(
        ticket.c.id,
        actor,
        _text_literal(EventKind.CREATED.value),
        null(),
        null(),
        ticket.c.number,
        at,
    )
    if assigned:
        rows = union_all(
            rows,
            select(
                ticket.c.id,
                actor,
                _text_literal(EventKind.ASSIGNED.value),
                _text_literal("assignee"),
                null(),
                _typed("assignee_name", String()),
                at,
            ),
        )
    events = insert(EVENTS).from_select(list(EVENT_COLUMNS), rows, include_defaults=False)
    return select(ticket.c.id, ticket.c.number, ticket.c.priority_rank).add_cte(
        events.cte("events")
    )
