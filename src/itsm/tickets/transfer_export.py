"""Export tickets to CSV or JSON Lines, streamed: memory stays flat at any table size.

Rows are read as plain columns (no ORM objects, no identity map) in chunks of
``yield_per`` rows, through a server-side cursor on PostgreSQL, ordered by id,
with the filters of ``itsm ticket list``. The columns are those of the import
(``external_id`` included, so importing an export again finds its tickets), plus
``id`` and ``number``, so that an export imports again.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import Select
from sqlalchemy.orm import Session, aliased

from itsm.tickets import queries
from itsm.tickets.csv_cells import guard
from itsm.tickets.models import Ticket
from itsm.tickets.schemas import TicketFilters
from itsm.tickets.transfer_read import Format
from itsm.users.models import User

CHUNK = 2000
EXPORTED = (
    "id",
    "number",
    "title",
    "description",
    "category",
    "priority",
    "status",
    "requester",
    "assignee",
    "created_at",
    "resolved_at",
    "closed_at",
    "resolution_note",
    "source",
    "external_id",
)


def _statement(session: Session, filters: TicketFilters) -> Select[*tuple[Any, ...]]:
    requester = aliased(User, name="requester_user")
    assignee = aliased(User, name="assignee_user")
    # The filters of `itsm ticket list`, over columns instead of ORM objects.
    filtered = queries.filtered(session, filters)
    return (
        filtered.with_only_columns(
            Ticket.id,
            Ticket.number,
            Ticket.title,
            Ticket.description,
            Ticket.category,
            Ticket.priority,
            Ticket.status,
            requester.username,
            assignee.username,
            Ticket.created_at,
            Ticket.resolved_at,
            Ticket.closed_at,
            Ticket.resolution_note,
            Ticket.source,
            Ticket.external_id,
        )
        .join(requester, requester.id == Ticket.requester_id)
        .outerjoin(assignee, assignee.id == Ticket.assignee_id)
        .order_by(Ticket.id)
        .execution_options(yield_per=CHUNK)
    )


def _rows(session: Session, filters: TicketFilters) -> Iterator[tuple[Any, ...]]:
    """Runs the query at once (a bad filter fails before any output), rows on demand."""
    result = session.execute(_statement(session, filters))

    def rows() -> Iterator[tuple[Any, ...]]:
        try:
            for partition in result.partitions():
                yield from (tuple(r) for r in partition)
        finally:
            result.close()

    return rows()


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def export_tickets(
    session: Session, *, filters: TicketFilters, fmt: Format, out: TextIO, raw: bool = False
) -> int:
    """Write the matching tickets to ``out``, oldest id first; the number written.

    CSV cells a spreadsheet would take for formulas are guarded (:mod:`csv_cells`)
    unless ``raw``.
    """
    rows = _rows(session, filters)
    count = 0
    if fmt is Format.CSV:
        writer = csv.writer(out)
        writer.writerow(EXPORTED)
        for row in rows:
            cells = ["" if v is None else _plain(v) for v in row]
            if not raw:
                cells = [guard(c) if isinstance(c, str) else c for c in cells]
            writer.writerow(cells)
            count += 1
        return count
    for row in rows:
        data = {k: _plain(v) for k, v in zip(EXPORTED, row, strict=True)}
        out.write(json.dumps(data, ensure_ascii=False) + "\n")
        count += 1
    return count
