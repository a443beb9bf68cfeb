"""A batch of reports written to ``diagnostic_reports``, each ``report_id`` once.

The rows are plain column values, not ORM objects: nothing else in the
transaction touches them, and building, attaching and expiring a hundred
objects per batch cost the server more than the insert itself.

On PostgreSQL the batch is one statement, whatever its size: the values go as
one array per column (``INSERT ... SELECT FROM unnest(...)``), so neither the
driver nor the database handles a statement per row, and ``ON CONFLICT
(report_id) DO NOTHING`` settles a race with another request carrying the
same report (an agent retrying after a timeout while its first attempt still
runs): the rows it does not return were stored by the other request. Other
databases take a Core ``INSERT`` executed for all rows, in a savepoint that a
duplicate ``report_id`` rolls back.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from itsm.diagnostics.models import DiagnosticReport, EncodedJSON


@dataclass(frozen=True)
class NewRow:
    """The columns of a report to store."""

    report_id: str
    host: str
    asset_id: int | None
    collected_at: datetime
    severity: str
    report: EncodedJSON
    created_at: datetime


def stored(session: Session, report_ids: Collection[str]) -> dict[str, DiagnosticReport]:
    """The reports among ``report_ids`` already stored, by report id.

    On PostgreSQL one query probes the unique index for each id and returns the few
    found (mostly none), and only those are loaded as objects: asked as ``report_id
    = ANY(...)``, the planner, misled by statistics not yet updated after the table
    grew, scanned the whole table on every batch.
    """
    if not report_ids:
        return {}
    wanted = list(report_ids)
    if _is_postgresql(session):
        found = session.connection().exec_driver_sql(_PROBE, {"ids": wanted})
        wanted = [report_id for (report_id,) in found]
        if not wanted:
            return {}
    rows = session.scalars(select(DiagnosticReport).where(DiagnosticReport.report_id.in_(wanted)))
    return {row.report_id: row for row in rows}


# OFFSET 0 keeps the subquery a parameterised probe of the unique index per id.
_PROBE = """
    SELECT found.report_id
    FROM unnest(CAST(%(ids)b AS varchar[])) AS wanted(report_id)
    CROSS JOIN LATERAL (
        SELECT d.report_id FROM diagnostic_reports AS d
        WHERE d.report_id = wanted.report_id OFFSET 0
    ) AS found
"""


Inserted = tuple[dict[str, int], dict[str, DiagnosticReport]]


def insert_new(session: Session, rows: Sequence[NewRow]) -> Inserted:
    """Store ``rows`` (distinct report ids; row ids ascend in their order).

    Returns the ids of the rows stored, and the rows another transaction stored
    meanwhile (which are duplicates now), by report id.
    """
    if not rows:
        return {}, {}
    if _is_postgresql(session):
        return _insert_postgresql(session, rows)
    return _insert_generic(session, rows)


def as_row(session: Session, row_id: int, new: NewRow) -> DiagnosticReport:
    """The ORM object of a row :func:`insert_new` stored, made without a query.

    Part of the session while its transaction lasts, as a loaded row would be.
    """
    key = identity_key(DiagnosticReport, row_id)
    known = session.identity_map.get(key) if session.in_transaction() else None
    if isinstance(known, DiagnosticReport):
        return known
    row = DiagnosticReport(id=row_id, **_columns(new))
    make_transient_to_detached(row)
    set_committed_value(row, "report", json.loads(new.report))  # read back as objects
    if session.in_transaction():
        session.add(row)
    return row


# psycopg's own placeholders, in binary: as text, an array of JSON documents would
# be escaped element by element in Python (slower than all the rest of a batch).
_UNNEST_INSERT = """
    INSERT INTO diagnostic_reports
        (report_id, host, asset_id, collected_at, severity, report, created_at)
    SELECT report_id, host, asset_id, collected_at, severity, CAST(report AS json),
        %(created_at)b
    FROM unnest(
        CAST(%(report_id)b AS varchar[]), CAST(%(host)b AS varchar[]),
        CAST(%(asset_id)b AS integer[]), CAST(%(collected_at)b AS timestamptz[]),
        CAST(%(severity)b AS varchar[]), CAST(%(report)b AS text[])
    ) WITH ORDINALITY AS batch(report_id, host, asset_id, collected_at, severity, report, n)
    ORDER BY n
    ON CONFLICT (report_id) DO NOTHING
    RETURNING report_id, id
"""


def _insert_postgresql(session: Session, rows: Sequence[NewRow]) -> Inserted:
    params: dict[str, Any] = {
        "report_id": [r.report_id for r in rows],
        "host": [r.host for r in rows],
        "asset_id": [r.asset_id for r in rows],
        "collected_at": [r.collected_at for r in rows],
        "severity": [r.severity for r in rows],
        "report": [str(r.report) for r in rows],
        "created_at": rows[0].created_at,
    }
    if any(r.created_at != rows[0].created_at for r in rows):
        raise ValueError("a batch's rows share their created_at")
    result = session.connection().exec_driver_sql(_UNNEST_INSERT, params)
    new = {report_id: row_id for report_id, row_id in result}
    raced: dict[str, DiagnosticReport] = {}
    if len(new) < len(rows):  # stored meanwhile by a concurrent request (now committed)
        missing = [r.report_id for r in rows if r.report_id not in new]
        raced = stored(session, missing)
        if len(raced) < len(missing):  # cannot happen under READ COMMITTED: say so loudly
            raise RuntimeError("a report was neither inserted nor found stored")
    return new, raced


def _insert_generic(session: Session, rows: Sequence[NewRow]) -> Inserted:
    table = DiagnosticReport.__table__
    assert isinstance(table, Table)
    new: dict[str, int] = {}
    raced: dict[str, DiagnosticReport] = {}
    left = list(rows)
    while left:
        params = [_columns(row) for row in left]
        try:
            with session.begin_nested():
                stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
                ids = session.execute(stmt, params).scalars().all()
        except IntegrityError:
            taken = stored(session, [row.report_id for row in left])
            if not taken:
                raise  # not a report stored twice: a real error
            raced.update(taken)
            left = [row for row in left if row.report_id not in taken]
            continue
        for row, new_id in zip(left, ids, strict=True):
            new[row.report_id] = new_id
        break
    return new, raced


def _columns(row: NewRow) -> dict[str, Any]:
    return {
        "report_id": row.report_id,
        "host": row.host,
        "asset_id": row.asset_id,
        "collected_at": row.collected_at,
        "severity": row.severity,
        "report": row.report,
        "created_at": row.created_at,
    }


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
