"""Import tickets from CSV or JSON Lines, export them back: whole files, constant memory.

Import validates every row first and stages the valid ones; unless asked to skip
invalid rows, any problem stops it before anything is written. Numbers, tickets and
audit events are then written in the caller's one transaction, so an interrupted
import leaves nothing behind and no counter moves without its tickets.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from itsm.db.base import utcnow
from itsm.errors import InvalidInput
from itsm.events.domain import TICKETS_IMPORTED, DomainEvent, emit
from itsm.sla.config import SlaSettings
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
from itsm.tickets.transfer_write import Staging, Writer, reserve_numbers
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
    now = now or utcnow()
    checker = RowChecker(session, zone=zone, now=now)
    result = ImportResult()
    days: Counter[str] = Counter()
    with Staging(session, actor_id=actor.id if actor else None, sla=sla, now=now) as staging:
        try:
            for record in read_records(path, fmt):
                outcome = record.problem or checker.check(record.values)
                if isinstance(outcome, Row):
                    days[outcome.day] += 1
                    if not result.skipped or skip_invalid:  # else nothing will be written
                        staging.add(outcome)
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
            written = Writer(session, staging).write(reserve_numbers(session, days))
            result.imported = written.count
            result.first_number = written.first_number
            result.last_number = written.last_number
            if written.count:  # one event for the whole import: live views read the queue again
                emit(session, DomainEvent(kind=TICKETS_IMPORTED))
    return result


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
