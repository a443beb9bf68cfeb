"""A batch of reports written to ``diagnostic_reports``, each ``report_id`` once.

One Core ``INSERT`` for the batch (plain column values: no ORM object is built per
row), in a savepoint: a duplicate ``report_id`` stored meanwhile by another request
rolls it back, and the next attempt leaves those rows out.
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
    """The reports among ``report_ids`` already stored, by report id."""
    if not report_ids:
        return {}
    rows = session.scalars(
        select(DiagnosticReport).where(DiagnosticReport.report_id.in_(list(report_ids)))
    )
    return {row.report_id: row for row in rows}


Inserted = tuple[dict[str, int], dict[str, DiagnosticReport]]


def insert_new(session: Session, rows: Sequence[NewRow]) -> Inserted:
    """Store ``rows`` (distinct report ids; row ids ascend in their order).

    Returns the ids of the rows stored, and the rows another transaction stored
    meanwhile (which are duplicates now), by report id.
    """
    if not rows:
        return {}, {}
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
