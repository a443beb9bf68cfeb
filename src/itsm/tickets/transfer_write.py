"""Writing imported tickets in bulk, inside the caller's transaction.

Valid rows are converted once into the values they are written with and staged in
a :class:`Staging` (memory, then an anonymous temporary file), so memory stays flat
at any file size. Numbers are reserved with one counter bump per day, ids per batch
(the events point at their tickets), and rows go through :mod:`itsm.db.bulk`.
"""

from __future__ import annotations

import marshal
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from itsm.db import bulk
from itsm.db.base import utcnow
from itsm.db.fulltext import ticket_search_terms
from itsm.errors import N_, ConfigError
from itsm.sla import clock
from itsm.sla.config import SlaSettings
from itsm.sla.due import next_due
from itsm.tickets.models import ACTIVE_STATUSES, EventKind, Status, Ticket, TicketEvent
from itsm.tickets.numbering import format_number, reserve
from itsm.tickets.transfer_rows import Row

BATCH = 20_000  # tickets per bulk insert (their events in the next one)
_CHUNK = 1000  # staged rows serialised together
SPOOL_MEMORY = 32 * 1024 * 1024  # staged bytes kept in memory before a temporary file

# No generated column (priority_rank, PostgreSQL's search_vector): the database fills
# them, and SQLite's FTS5 index follows through its AFTER INSERT triggers.
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
    "first_response_warned",
    "first_response_breached",
    "resolution_warned",
    "resolution_breached",
    "due_at",
    "external_id",
    "search_terms",  # what the models fill in (itsm.db.fulltext.ticket_search_terms)
)
# Places in a staged ticket (without id and number).
_CREATED_AT = TICKET_COLUMNS.index("created_at") - 2
_TITLE, _DESCRIPTION = TICKET_COLUMNS.index("title") - 2, TICKET_COLUMNS.index("description") - 2
_NOTE = TICKET_COLUMNS.index("resolution_note") - 2
EVENT_COLUMNS = ("ticket_id", "actor_id", "kind", "field", "old_value", "new_value", "created_at")


def _table(model: type[Ticket | TicketEvent]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


_TICKETS, _EVENTS = _table(Ticket), _table(TicketEvent)
_NOTE_SHOWN = 500  # as much of a resolution note as the audit event keeps
_NO_SLA = (None,) * 5 + (False,) * 4 + (None,)
# Enum values looked up once: ``.value`` is a descriptor call, and it runs for every row.
_STATUS = {status: status.value for status in Status}
_OPEN = Status.OPEN.value
_CREATED = EventKind.CREATED.value
_ASSIGNED = EventKind.ASSIGNED.value
_STATUS_CHANGED = EventKind.STATUS_CHANGED.value
_FIELD_CHANGED = EventKind.FIELD_CHANGED.value

# A staged row: its numbering day, its ticket's values but id and number, and its
# audit events after "created" without ticket and actor. Only str, int and None,
# so that ``marshal`` (fast, C) can keep it.
Staged = tuple[str, tuple[Any, ...], tuple[tuple[Any, ...], ...]]


def reserve_numbers(session: Session, counts: Mapping[str, int]) -> dict[str, int]:
    """Bump each day's counter once by its row count; the first value of each day.

    Days are bumped in order so that two imports never lock counters crosswise.
    """
    first: dict[str, int] = {}
    for day in sorted(counts):
        last = reserve(session, day=day, count=counts[day])
        first[day] = last - counts[day] + 1
    return first


@dataclass(frozen=True, slots=True)
class Written:
    count: int
    first_number: str
    last_number: str


class Staging:
    """The checked rows, as written, in file order; see the module docstring."""

    def __init__(
        self,
        session: Session,
        *,
        actor_id: int | None,
        sla: SlaSettings | None,
        now: datetime | None = None,
    ) -> None:
        self._time = bulk.time_text(session)
        self.actor_id = actor_id
        self._sla = sla if sla is not None and sla.enabled else None
        self._now = now or utcnow()  # what "already past" means for the rows' SLA clocks
        self._pending: list[Staged] = []
        self._spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)  # noqa: SIM115
        self.count = 0

    def close(self) -> None:
        self._spool.close()

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def add(self, row: Row) -> None:
        self._pending.append((row.day, self._ticket(row), self._events(row)))
        self.count += 1
        if len(self._pending) >= _CHUNK:
            self._dump()

    def _dump(self) -> None:
        data = marshal.dumps(self._pending)
        try:
            self._spool.write(len(data).to_bytes(8, "little"))
            self._spool.write(data)
        except OSError as exc:
            raise ConfigError(
                N_(
                    "cannot keep the checked rows in a temporary file in %(folder)s: "
                    "%(reason)s (TMPDIR chooses the folder)"
                ),
                folder=tempfile.gettempdir(),
                reason=exc.strerror or exc,
            ) from None
        self._pending.clear()

    def rows(self) -> Iterator[Staged]:
        """Every staged row, in the order they were added."""
        if self._pending:
            self._dump()
        self._spool.seek(0)
        while size := int.from_bytes(self._spool.read(8), "little"):
            # Safe: only this process wrote it, to an anonymous file no one else sees.
            chunk: list[Staged] = marshal.loads(self._spool.read(size))  # noqa: S302
            yield from chunk

    def _ticket(self, row: Row) -> tuple[Any, ...]:
        t = self._time
        created = t(row.created_at)
        return (
            row.title,
            row.description,
            row.category,
            row.priority,
            _STATUS[row.status],
            row.source,
            row.requester_id,
            row.assignee_id,
            created,
            created,
            t(row.resolved_at),
            t(row.closed_at),
            row.resolution_note,
            *self._clock(row),
            row.external_id,
        )

    def _clock(self, row: Row) -> tuple[str | bool | None, ...]:
        """SLA due and warning times of an active ticket, counted from its creation,
        and its warned and breached flags.

        Resolved and closed tickets get none: their SLA history (first response,
        pauses) is unknown, so reports do not judge them. A running clock (open, in
        progress) already past its warning or due time is imported warned or breached:
        it was missed before itsm knew of the ticket, so the next ``itsm sla tick``
        neither records it again nor escalates a whole imported backlog at once.
        A pending ticket's clocks are paused, and judged when it resumes. Last, the
        running clock's due time (:mod:`itsm.sla.due`), as the model keeps it.
        """
        if self._sla is None or row.status not in ACTIVE_STATUSES:
            return _NO_SLA
        times = clock.start_times(row.priority, self._sla, since=row.created_at)
        paused = row.created_at if row.status is Status.PENDING else None
        running, now = paused is None, self._now
        t = self._time
        due = next_due(
            running=running,
            first_response_at=None,
            first_response_due_at=times["first_response_due_at"],
            resolution_due_at=times["resolution_due_at"],
        )
        return (
            t(times["first_response_due_at"]),
            t(times["first_response_warn_at"]),
            t(times["resolution_due_at"]),
            t(times["resolution_warn_at"]),
            t(paused),
            running and times["first_response_warn_at"] <= now,
            running and times["first_response_due_at"] <= now,
            running and times["resolution_warn_at"] <= now,
            running and times["resolution_due_at"] <= now,
            t(due),
        )

    def _events(self, row: Row) -> tuple[tuple[Any, ...], ...]:
        """The trail creating and then moving the ticket would have left, after "created"."""
        t = self._time
        events: list[tuple[Any, ...]] = []
        if row.assignee is not None:
            events.append((_ASSIGNED, "assignee", None, row.assignee, t(row.created_at)))
        if row.status is Status.OPEN:
            return tuple(events)
        when = t(row.closed_at or row.resolved_at or row.created_at)
        status = _STATUS[row.status]
        events.append((_STATUS_CHANGED, "status", _OPEN, status, when))
        if row.resolution_note is not None and row.status not in ACTIVE_STATUSES:
            note = row.resolution_note[:_NOTE_SHOWN]
            events.append((_FIELD_CHANGED, "resolution_note", None, note, when))
        return tuple(events)


class Writer:
    """Batches of staged tickets and their audit events into the session's connection."""

    def __init__(self, session: Session, staging: Staging) -> None:
        session.flush()
        self._session = session
        self._staging = staging

    def write(self, first_values: Mapping[str, int]) -> Written:
        """Every staged row, numbered from ``first_values`` (per day) in staged order.

        Tickets stream from the staging file into the database; only a batch's
        audit events (notes cut short) are held, until its tickets are in.
        """
        next_value = dict(first_values)
        numbers: list[str] = []  # the first and the last
        staged = self._staging.rows()
        left = self._staging.count
        while left:
            k = min(BATCH, left)
            events: list[tuple[Any, ...]] = []
            ids = bulk.reserve_ids(self._session, _TICKETS, k)
            rows = self._tickets(ids, islice(staged, k), next_value, events, numbers)
            bulk.insert_rows(self._session, _TICKETS, TICKET_COLUMNS, rows)
            bulk.insert_rows(self._session, _EVENTS, EVENT_COLUMNS, events)
            left -= k
        return Written(self._staging.count, numbers[0], numbers[-1])

    def _tickets(
        self,
        ids: list[int],
        batch: Iterable[Staged],
        next_value: dict[str, int],
        events: list[tuple[Any, ...]],
        numbers: list[str],
    ) -> Iterator[tuple[Any, ...]]:
        """The batch's ticket rows, numbered; their events go to ``events`` meanwhile.

        A generator: the database may store rows while the next are built.
        """
        created, actor = _CREATED, self._staging.actor_id
        number = ""
        for ticket_id, (day, ticket, more) in zip(ids, batch, strict=True):
            number = format_number(day, next_value[day])
            next_value[day] += 1
            if not numbers:
                numbers.append(number)
            texts = (ticket[_TITLE], ticket[_DESCRIPTION], ticket[_NOTE])
            yield (ticket_id, number, *ticket, ticket_search_terms(number, *texts))
            events.append((ticket_id, actor, created, None, None, number, ticket[_CREATED_AT]))
            events.extend((ticket_id, actor, *event) for event in more)
        numbers[1:] = [number]
