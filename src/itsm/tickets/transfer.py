"""Import tickets from CSV or JSON Lines, export them back: whole files, constant memory.

Import validates every row first and stages the valid ones; unless asked to skip
invalid rows, any problem stops it before anything is written. A row whose
``external_id`` a ticket already carries was imported before: it is counted, not
written again, so importing a file twice creates nothing the second time. Numbers, tickets and
audit events are then written in the caller's one transaction, so an interrupted
import leaves nothing behind and no counter moves without its tickets.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from itsm.db.base import utcnow
from itsm.db.locks import serialize_on
from itsm.errors import N_, InvalidInput
from itsm.events.domain import TICKETS_IMPORTED, DomainEvent, emit
from itsm.sla.config import SlaSettings
from itsm.tickets.queries import existing_external_ids
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
LOOKUP_BATCH = 500  # valid rows whose external ids are looked up together
# Imports naming external ids take turns, so that each sees what the previous one wrote.
_EXTERNAL_ID_LOCK = "ticket-import-external-ids"


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    reason: str


@dataclass
class ImportResult:
    imported: int = 0
    skipped: int = 0
    present: int = 0  # rows whose external_id a ticket already has: not imported again
    first_number: str | None = None
    last_number: str | None = None
    problems: list[RowProblem] = field(default_factory=list)  # of the skipped rows


class ImportRejected(InvalidInput):
    """Invalid rows (or an unusable header): nothing was imported."""

    def __init__(
        self, template: str, problems: list[RowProblem], invalid: int, **params: object
    ) -> None:
        # Each door names its own way to skip the invalid rows (CLI flag, API parameter).
        super().__init__(template, **{"skip_invalid": "skip_invalid", **params})
        self.problems = problems
        self.invalid = invalid


def _rows(n: int) -> str:
    return f"{n} invalid row{'' if n == 1 else 's'}"


class _Arrivals:
    """Valid rows on their way to the staging, in file order.

    They wait in batches so that their external ids are looked up together; a row
    whose external id a ticket already carries is counted as present, not staged.
    """

    def __init__(self, session: Session, staging: Staging, result: ImportResult) -> None:
        self._session = session
        self._staging = staging
        self._result = result
        self._waiting: list[Row] = []
        self._locked = False
        self.days: Counter[str] = Counter()

    def add(self, row: Row) -> None:
        self._waiting.append(row)
        if len(self._waiting) >= LOOKUP_BATCH:
            self.flush()

    def flush(self) -> None:
        wanted = [r.external_id for r in self._waiting if r.external_id is not None]
        if wanted and not self._locked:
            serialize_on(self._session, _EXTERNAL_ID_LOCK)
            self._locked = True
        present = existing_external_ids(self._session, wanted)
        for row in self._waiting:
            if row.external_id in present:
                self._result.present += 1
            else:
                self.days[row.day] += 1
                self._staging.add(row)
        self._waiting.clear()


def import_tickets(
    session: Session,
    *,
    path: Path | IO[bytes],
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
    lines_of: dict[str, int] = {}  # external id -> the line it is first on
    with Staging(session, actor_id=actor.id if actor else None, sla=sla, now=now) as staging:
        arrivals = _Arrivals(session, staging, result)
        try:
            for record in read_records(path, fmt):
                outcome = record.problem or checker.check(record.values)
                if isinstance(outcome, Row) and outcome.external_id is not None:
                    first = lines_of.setdefault(outcome.external_id, record.line)
                    if first != record.line:
                        outcome = f"external_id {outcome.external_id!r} is also on line {first}"
                if isinstance(outcome, Row):
                    if not result.skipped or skip_invalid:  # else nothing will be written
                        arrivals.add(outcome)
                    continue
                result.skipped += 1
                if len(result.problems) < MAX_PROBLEMS:
                    result.problems.append(RowProblem(record.line, outcome))
        except HeaderError as exc:
            raise ImportRejected(
                N_("the header of %(source)s is not usable; nothing imported"),
                [RowProblem(1, exc.reason)],
                1,
                source=path.name if isinstance(path, Path) else "the body",
            ) from None
        if result.skipped and not skip_invalid:
            raise ImportRejected(
                N_("%(rows)s; nothing imported (use %(skip_invalid)s to import the valid ones)"),
                result.problems,
                result.skipped,
                rows=_rows(result.skipped),
            )
        arrivals.flush()
        if arrivals.days:
            written = Writer(session, staging).write(reserve_numbers(session, arrivals.days))
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
