"""Import tickets from CSV or JSON Lines, export them back: whole files, constant memory.

Import reads the file twice inside the caller's transaction. The first pass
validates every row (:mod:`~itsm.tickets.transfer_rows`) and counts rows per
numbering day, keeping only those counts and the first problems; unless asked
to skip invalid rows, any problem stops the import before anything is written.
The second pass reserves the numbers of each day with one counter bump, then
re-reads the file and writes tickets and their audit events in batches
(:mod:`~itsm.tickets.transfer_write`). Everything lands in one transaction, so
an interrupted import leaves nothing behind, and no counter moves without its
tickets.

Export (:mod:`~itsm.tickets.transfer_export`) writes the same columns plus
``id`` and ``number``, so an export can be imported elsewhere.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from itsm.db.base import utcnow
from itsm.errors import Conflict, InvalidInput
from itsm.sla.config import SlaSettings
from itsm.tickets.numbering import format_number
from itsm.tickets.transfer_export import export_tickets
from itsm.tickets.transfer_read import (
    COLUMNS,
    IGNORED,
    REQUIRED,
    Format,
    HeaderError,
    export_format,
    format_of,
    read_records,
)
from itsm.tickets.transfer_rows import Row, RowChecker
from itsm.tickets.transfer_write import Writer, reserve_numbers
from itsm.users.models import User

MAX_PROBLEMS = 1000  # kept for the report; the count goes on


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    reason: str


@dataclass
class ImportResult:
    imported: int = 0
    skipped: int = 0
    first_number: str | None = None
    last_number: str | None = None
    problems: list[RowProblem] = field(default_factory=list)  # of the skipped rows


class ImportRejected(InvalidInput):
    """Invalid rows (or an unusable header): nothing was imported."""

    def __init__(self, message: str, problems: list[RowProblem], invalid: int) -> None:
        super().__init__(message)
        self.problems = problems
        self.invalid = invalid


def _rows(n: int) -> str:
    return f"{n} invalid row{'' if n == 1 else 's'}"


def import_tickets(
    session: Session,
    *,
    path: Path,
    fmt: Format,
    actor: User | None,
    zone: ZoneInfo,
    sla: SlaSettings | None = None,
    skip_invalid: bool = False,
    now: datetime | None = None,
) -> ImportResult:
    """Validate the whole file, then write every valid row; see the module docstring.

    Raises :class:`ImportRejected` when a row is invalid (and ``skip_invalid`` is
    false) or the CSV header is unusable, before anything is written.
    """
    if path.exists() and not path.is_file():
        raise InvalidInput(f"{path} is not a regular file; the import reads it twice")
    checker = RowChecker(session, zone=zone, now=now or utcnow())
    result = ImportResult()
    days: Counter[str] = Counter()
    try:
        for record in read_records(path, fmt):
            outcome = record.problem or checker.check(record.values)
            if isinstance(outcome, Row):
                days[outcome.day] += 1
                continue
            result.skipped += 1
            if len(result.problems) < MAX_PROBLEMS:
                result.problems.append(RowProblem(record.line, outcome))
    except HeaderError as exc:
        raise ImportRejected(
            f"the header of {path.name} is not usable; nothing imported",
            [RowProblem(1, exc.reason)],
            1,
        ) from None
    if result.skipped and not skip_invalid:
        raise ImportRejected(
            f"{_rows(result.skipped)}; nothing imported "
            "(use --skip-invalid to import the valid ones)",
            result.problems,
            result.skipped,
        )
    if days:
        _write(session, path, fmt, checker, days, result, actor=actor, sla=sla)
    return result


def _write(
    session: Session,
    path: Path,
    fmt: Format,
    checker: RowChecker,
    days: Counter[str],
    result: ImportResult,
    *,
    actor: User | None,
    sla: SlaSettings | None,
) -> None:
    writer = Writer(session, actor_id=actor.id if actor else None, sla=sla)
    next_value = reserve_numbers(session, days)
    written: Counter[str] = Counter()
    for record in read_records(path, fmt):
        row = None if record.problem else checker.check(record.values)
        if not isinstance(row, Row):
            continue
        written[row.day] += 1
        if written[row.day] > days[row.day]:
            break
        number = format_number(row.day, next_value[row.day])
        next_value[row.day] += 1
        writer.add(row, number)
        result.first_number = result.first_number or number
        result.last_number = number
        result.imported += 1
    if written != days:
        # The reserved numbers no longer match the rows: the caller rolls everything back.
        raise Conflict(f"{path.name} changed while it was being imported; nothing imported")
    writer.flush()


__all__ = [
    "COLUMNS",
    "IGNORED",
    "REQUIRED",
    "Format",
    "ImportRejected",
    "ImportResult",
    "RowProblem",
    "export_format",
    "export_tickets",
    "format_of",
    "import_tickets",
]
