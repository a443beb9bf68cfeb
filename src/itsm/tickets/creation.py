"""Writing a new ticket: its number, its row and its first audit events, in few statements.

:func:`insert_ticket` does in SQL what the ORM's unit of work would do in a
requester lookup and two flushes, with Core statements built once here:

- **PostgreSQL**: one statement of data-modifying CTEs. It bumps the day's
  counter *if the requester is an active user*, inserts the ticket numbered from
  the counter, inserts its 'created' (and 'assigned') events and returns the
  ticket's id, number and priority rank: one round trip between ``BEGIN`` and
  ``COMMIT``, as for a bare ``INSERT``. Compiled once (SQLAlchemy's compiled
  cache); psycopg prepares it on the server after a few executions.
- **SQLite** (no DML inside CTEs): three statements on the same connection, the
  same conditional counter upsert, the ticket ``INSERT ... RETURNING`` and the
  events ``INSERT``. SQLite runs in-process, so statements cost CPU, not round
  trips, and SQLAlchemy's own work per execution is the larger part: they are
  compiled once per dialect and run with ``exec_driver_sql`` (:class:`_Prepared`).

Everything follows from the counter bump, and the bump happens only for an
active requester: when it is refused, nothing at all was written (the caller
then finds out why). The counter row stays locked by the caller's transaction
until it ends, as :mod:`itsm.tickets.numbering` describes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
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
    literal,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
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

#: The ticket columns an insert writes: all but the id and the computed ``priority_rank``.
WRITTEN = tuple(c.name for c in TICKETS.columns if not c.primary_key and c.computed is None)


def _default(column: Column[Any]) -> Any:
    default = column.default
    return getattr(default, "arg", None) if default is not None and default.is_scalar else None


EVENT_COLUMNS = ("ticket_id", "actor_id", "kind", "field", "old_value", "new_value", "created_at")

#: What a new ticket holds in the columns nobody gave a value: the scalar defaults of
#: the model (``False`` for the SLA flags), else NULL. The number is never given.
DEFAULTS: dict[str, Any] = {name: _default(TICKETS.c[name]) for name in WRITTEN if name != "number"}


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
    """Number and insert ``row`` (every column of :data:`WRITTEN` but ``number``) with its
    'created' event, plus an 'assigned' event when ``assignee_name`` is given.

    ``None`` when ``row['requester_id']`` is not an active user: then nothing was written.
    """
    if conn.dialect.name == "postgresql":
        params = {**row, "day": day, "actor_id": actor_id, "at": row["created_at"]}
        if assignee_name is not None:
            params["assignee_name"] = assignee_name
        got = conn.execute(_postgres_statement(assignee_name is not None), params).first()
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
    value = plan.bump.run(conn, {"day": day, "requester_id": row["requester_id"]}).scalar()
    if value is None:
        return None
    number = format_number(day, int(value))
    inserted = plan.ticket.run(conn, {**row, "number": number}).one()
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
    """A Core statement compiled once, run with ``exec_driver_sql``.

    For a compiled statement SQLAlchemy still spends 40-60 µs per execution (cache
    lookup by statement and parameter names, parameter processing, result set-up):
    more than SQLite's own work for one row. This keeps the statement's text and its
    parameters' type processing from the one compilation and leaves SQLAlchemy
    only the execution itself (events, echo, error wrapping): 15-35 µs.
    """

    sql: str
    names: tuple[str, ...]
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, type processing)

    @classmethod
    def compile(cls, statement: ClauseElement, dialect: Dialect) -> _Prepared:
        compiled = typing_cast(SQLCompiler, statement.compile(dialect=dialect))
        if not compiled.positional:
            raise ValueError(f"{dialect.name}: expected a positional parameter style")
        names = tuple(compiled.positiontup or ())
        processors = [compiled.binds[name].type.bind_processor(dialect) for name in names]
        processing = tuple((i, p) for i, p in enumerate(processors) if p is not None)
        return cls(compiled.string, names, processing)

    def _params(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        params = [values[name] for name in self.names]
        for position, process in self.processors:
            params[position] = process(params[position])
        return tuple(params)

    def run(self, conn: Connection, values: Mapping[str, Any]) -> CursorResult[*tuple[Any, ...]]:
        return conn.exec_driver_sql(self.sql, self._params(values))

    def run_many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        conn.exec_driver_sql(self.sql, [self._params(values) for values in rows])


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


def _typed(name: str, sql_type: Any) -> ColumnElement[Any]:
    """A bound value in a SELECT list, cast so that PostgreSQL need not guess its type (a
    NULL would be taken for text). Strings are cast to unbounded text: the column's own
    length check still applies on insert."""
    target = Text() if isinstance(sql_type, String) else sql_type
    return cast(bindparam(name, type_=sql_type), target)


@cache
def _postgres_statement(assigned: bool) -> Select[Any]:
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
    # format_number in SQL: four digits at least, wider past 9999.
    digits = cast(bump.c.last_value, Text())
    number = (
        literal("TKT-", Text())
        + day
        + literal("-", Text())
        + func.lpad(digits, func.greatest(4, func.length(digits)), "0")
    )
    values = [
        number if name == "number" else _typed(name, TICKETS.c[name].type) for name in WRITTEN
    ]
    ticket = (
        insert(TICKETS)
        .from_select(list(WRITTEN), select(*values).select_from(bump))
        .returning(TICKETS.c.id, TICKETS.c.number, TICKETS.c.priority_rank)
        .cte("ticket")
    )
    actor = _typed("actor_id", Integer())
    at = _typed("at", UTCDateTime())
    rows: Select[Any] | Any = select(
        ticket.c.id,
        actor,
        literal(EventKind.CREATED.value, Text()),
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
                literal(EventKind.ASSIGNED.value, Text()),
                literal("assignee", Text()),
                null(),
                _typed("assignee_name", String()),
                at,
            ),
        )
    events = insert(EVENTS).from_select(list(EVENT_COLUMNS), rows)
    return select(ticket.c.id, ticket.c.number, ticket.c.priority_rank).add_cte(
        events.cte("events")
    )
