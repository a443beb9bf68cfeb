"""Writing imported tickets in bulk, inside the caller's transaction.

Numbers are reserved with one counter bump per day (the rows stay locked until
the transaction ends, as for a single ticket), ids are reserved up front so the
audit events can point at their tickets, and rows go in batches: ``COPY`` on
PostgreSQL, ``executemany`` on SQLite. Generated columns (``priority_rank``,
PostgreSQL's ``search_vector``) are never written; SQLite's FTS5 index follows
through its ``AFTER INSERT`` triggers. Nothing is committed here: a failure or
a killed process leaves no trace but burnt PostgreSQL sequence values.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from itsm.sla import clock
from itsm.sla.config import SlaSettings
from itsm.tickets.models import ACTIVE_STATUSES, EventKind, Status, Ticket
from itsm.tickets.transfer_rows import Row

BATCH = 5000
_SQLITE_ROWS = 500  # rows per INSERT statement on SQLite

TICKET_COLUMNS = (
    "id",
    "number",
    "title",
    "description",
    "category",
    "priority",
    "status",
    "source",
    "requester_id",
    "assignee_id",
    "created_at",
    "updated_at",
    "resolved_at",
    "closed_at",
    "resolution_note",
    "first_response_due_at",
    "first_response_warn_at",
    "resolution_due_at",
    "resolution_warn_at",
    "sla_paused_at",
)
EVENT_COLUMNS = ("ticket_id", "actor_id", "kind", "field", "old_value", "new_value", "created_at")
_SLA_TIMES = TICKET_COLUMNS[15:]

_BUMP_BY = text(
    "INSERT INTO ticket_counters (day, last_value) VALUES (:day, :k) "
    "ON CONFLICT (day) DO UPDATE SET last_value = ticket_counters.last_value + :k "
    "RETURNING last_value"
)
_PG_IDS = text(
    "SELECT nextval(pg_get_serial_sequence('tickets', 'id')) FROM generate_series(1, :k)"
)
_NOTE_SHOWN = 500  # as much of a resolution note as the audit event keeps


def reserve_numbers(session: Session, counts: Mapping[str, int]) -> dict[str, int]:
    """Bump each day's counter once by its row count; the first value of each day.

    Days are bumped in order so that two imports never lock counters crosswise.
    """
    first: dict[str, int] = {}
    for day in sorted(counts):
        last = int(session.execute(_BUMP_BY, {"day": day, "k": counts[day]}).scalar_one())
        first[day] = last - counts[day] + 1
    return first


class Writer:
    """Batches of tickets and their audit events into the session's connection."""

    def __init__(self, session: Session, *, actor_id: int | None, sla: SlaSettings | None) -> None:
        session.flush()
        self._session = session
        self._actor_id = actor_id
        self._sla = sla if sla is not None and sla.enabled else None
        self._pending: list[tuple[Row, str]] = []
        self._postgres = session.get_bind().dialect.name == "postgresql"
        driver = session.connection().connection.driver_connection
        assert driver is not None  # the psycopg or sqlite3 connection of this transaction
        self._driver: Any = driver
        self._next_id = 0
        if not self._postgres:
            self._sqlite_params = int(self._driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
            # Safe: the SQLite write transaction (BEGIN IMMEDIATE) excludes other writers.
            top = session.execute(text("SELECT coalesce(max(id), 0) FROM tickets")).scalar_one()
            self._next_id = int(top) + 1

    def add(self, row: Row, number: str) -> None:
        self._pending.append((row, number))
        if len(self._pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        ids = self._ids(len(self._pending))
        tickets: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        for ticket_id, (row, number) in zip(ids, self._pending, strict=True):
            tickets.append(self._ticket(ticket_id, row, number))
            events.extend(self._events(ticket_id, row, number))
        self._pending.clear()
        self._insert("tickets", TICKET_COLUMNS, tickets)
        self._insert("ticket_events", EVENT_COLUMNS, events)

    def _ids(self, k: int) -> list[int]:
        if self._postgres:
            return sorted(int(i) for i in self._session.execute(_PG_IDS, {"k": k}).scalars())
        first, self._next_id = self._next_id, self._next_id + k
        return list(range(first, first + k))

    def _time(self, moment: datetime | None) -> Any:
        """As the ORM stores it: ``timestamptz`` on PostgreSQL, naive UTC text on SQLite."""
        if moment is None or self._postgres:
            return moment
        return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    def _ticket(self, ticket_id: int, row: Row, number: str) -> tuple[Any, ...]:
        t = self._time
        return (
            ticket_id,
            number,
            row.title,
            row.description,
            row.category,
            row.priority,
            row.status.value,
            row.source,
            row.requester_id,
            row.assignee_id,
            t(row.created_at),
            t(row.created_at),
            t(row.resolved_at),
            t(row.closed_at),
            row.resolution_note,
            *(t(m) for m in self._clock(row)),
        )

    def _clock(self, row: Row) -> Sequence[datetime | None]:
        """SLA due and warning times of an active ticket, counted from its creation.

        Resolved and closed tickets get none: their SLA history (first response,
        pauses) is unknown, so reports do not judge them.
        """
        if self._sla is None or row.status not in ACTIVE_STATUSES:
            return (None,) * len(_SLA_TIMES)
        probe = Ticket(priority=row.priority, first_response_at=None, resolved_at=None)
        clock.start_clock(probe, self._sla, since=row.created_at)
        paused = row.created_at if row.status is Status.PENDING else None
        return (
            probe.first_response_due_at,
            probe.first_response_warn_at,
            probe.resolution_due_at,
            probe.resolution_warn_at,
            paused,
        )

    def _events(self, ticket_id: int, row: Row, number: str) -> Iterable[tuple[Any, ...]]:
        """The trail creating and then moving the ticket would have left."""
        t, actor = self._time, self._actor_id
        yield (ticket_id, actor, EventKind.CREATED.value, None, None, number, t(row.created_at))
        if row.assignee is not None:
            yield (
                ticket_id,
                actor,
                EventKind.ASSIGNED.value,
                "assignee",
                None,
                row.assignee,
                t(row.created_at),
            )
        if row.status is Status.OPEN:
            return
        when = t(row.closed_at or row.resolved_at or row.created_at)
        yield (
            ticket_id,
            actor,
            EventKind.STATUS_CHANGED.value,
            "status",
            Status.OPEN.value,
            row.status.value,
            when,
        )
        if row.resolution_note is not None and row.status not in ACTIVE_STATUSES:
            note = row.resolution_note[:_NOTE_SHOWN]
            yield (
                ticket_id,
                actor,
                EventKind.FIELD_CHANGED.value,
                "resolution_note",
                None,
                note,
                when,
            )

    def _insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        names = ", ".join(columns)
        if self._postgres:
            with (
                self._driver.cursor() as cursor,
                cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
            ):
                for values in rows:
                    copy.write_row(values)
            return
        # Many rows per statement, not executemany: FTS5 flushes its pending index
        # data at every statement its triggers run in, so one row per statement is
        # seven times slower.
        per = max(1, min(_SQLITE_ROWS, self._sqlite_params // len(columns)))
        one = "(" + ", ".join("?" * len(columns)) + ")"
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            marks = ", ".join([one] * len(chunk))
            flat = [v for row in chunk for v in row]
            self._driver.execute(f"INSERT INTO {table} ({names}) VALUES {marks}", flat)
