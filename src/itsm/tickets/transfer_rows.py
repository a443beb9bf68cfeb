"""Validating one imported row: the same rules as creating and moving a ticket.

Field shapes go through :class:`~itsm.tickets.schemas.TicketCreate`, people
through a cache filled by one query for every user (up to :data:`PREFETCH_USERS`
of them; beyond that, or for a reference that is not a plain username or id,
one lookup per distinct reference through the users service), and the lifecycle
rules of the service apply to the given status: a resolved ticket needs a
resolution note, only resolved and closed tickets have a resolution time, times
never run backwards or into the future.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itsm.errors import ItsmError, choices
from itsm.tickets.assignees import require_assignable
from itsm.tickets.models import ACTIVE_STATUSES, Category, Priority, Source, Status
from itsm.tickets.schemas import TicketCreate
from itsm.users import service as users
from itsm.users.models import User
from itsm.validation import describe

_ISO_HINT = "expected an ISO 8601 date-time like 2026-11-27T09:30:00+01:00"
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
# Which times a ticket in each status carries (the service clears them on reopening).
_ALL_TIMES = ("created_at", "resolved_at", "closed_at")
_TIMES_OF = {Status.RESOLVED: _ALL_TIMES[:2], Status.CLOSED: _ALL_TIMES}
# Up to this many users are all read in one query before the first row; one query
# per distinct person costs more than the whole check of a row (one round trip each).
PREFETCH_USERS = 50_000
MAX_EXTERNAL_ID = 100  # the column's size
_STATUSES_KEPT = 100  # distinct spellings of a status remembered ("Closed", "closed ")
# Enum member -> its text, looked up once (``.value`` is a descriptor call per row).
_VALUE: dict[StrEnum, str] = {m: m.value for kind in (Category, Priority, Source) for m in kind}


@dataclass(frozen=True, slots=True)
class Row:
    """A valid row, ready to be written."""

    title: str
    description: str
    category: str
    priority: str
    status: Status
    source: str
    requester_id: int
    assignee_id: int | None
    assignee: str | None
    created_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    resolution_note: str | None
    external_id: str | None
    day: str


def _text(value: Any) -> Any:
    """Blank means absent; other strings lose surrounding spaces; other JSON stays as it is."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _choice(value: Any) -> Any:
    value = _text(value)
    return value.lower() if isinstance(value, str) else value


def _moment(value: Any, field: str) -> datetime | None:
    value = _text(value)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"invalid {field} {value!r}: {_ISO_HINT}")
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:  # naive means UTC
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(f"invalid {field} {value!r}: {_ISO_HINT}") from None
    if moment < _EARLIEST:
        raise ValueError(f"invalid {field} {value!r}: before 1970")
    return moment


def _external_id(value: Any, problems: list[str]) -> str | None:
    """The row's id in the system it came from: text (or a whole number) up to 100 characters."""
    value = _text(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is None or (isinstance(value, str) and len(value) <= MAX_EXTERNAL_ID):
        return value
    shown = f"of {len(value)} characters" if isinstance(value, str) else repr(value)
    problems.append(f"invalid external_id {shown}: give text of up to {MAX_EXTERNAL_ID} characters")
    return None


@dataclass(frozen=True, slots=True)
class _Person:
    """A user as the checks need it: plain attributes, read from the ORM once."""

    id: int
    username: str
    user: User


class RowChecker:
    """Validates rows against the rules and the people in the database.

    What depends only on a person and the row's status (found, active, staff) is
    decided once per distinct combination: files name the same people many times.
    """

    def __init__(self, session: Session, *, zone: ZoneInfo, now: datetime) -> None:
        self._session = session
        self._zone = zone
        self._now = now
        self._people: dict[str, _Person | str] = {}  # reference -> user, or why there is none
        self._verdicts: dict[tuple[str, int, bool], str | None] = {}
        self._statuses: dict[Any, Status | str] = {}
        self._prefetched = False

    def _prefetch(self) -> None:
        """Every user by username and by id, in one query, when there are not too many."""
        self._prefetched = True
        if (self._session.scalar(select(func.count()).select_from(User)) or 0) > PREFETCH_USERS:
            return
        for user in self._session.scalars(select(User)):
            person = _Person(user.id, user.username, user)
            self._people[user.username] = person  # stored lower-case
            self._people[str(user.id)] = person

    def check(self, values: dict[str, Any]) -> Row | str:
        """The valid row, or every reason it is not (joined by ``; ``)."""
        problems = [
            f"{name} contains a NUL character"  # PostgreSQL text cannot hold one
            for name, value in values.items()
            if isinstance(value, str) and "\x00" in value
        ]
        if problems:  # the schema would only say it again
            return "; ".join(problems)
        status = self._status(values.get("status"), problems)
        requester = self._person(values, "requester", problems)
        assignee = self._person(values, "assignee", problems)
        active = status in ACTIVE_STATUSES
        # Active tickets need active people, as new ones do; history may name former staff.
        if requester is not None and active:
            self._verdict("requester", requester, active, problems)
        if assignee is not None:
            self._verdict("assignee", assignee, active, problems)
        shape = self._shape(values, requester, problems)
        times = self._times(values, status, problems)
        note = _text(values.get("resolution_note"))
        if note is not None and not isinstance(note, str):
            problems.append("invalid resolution_note: must be text")
        if status is Status.RESOLVED and note is None:
            problems.append("status resolved needs a resolution_note (what fixed it)")
        external_id = _external_id(values.get("external_id"), problems)
        if problems or shape is None or times is None or requester is None or status is None:
            return "; ".join(problems) or "invalid row"
        created, resolved, closed = times
        local = created.astimezone(self._zone)  # numbering_day, without strftime's cost
        return Row(
            title=shape.title,
            description=shape.description,
            category=_VALUE[shape.category],
            priority=_VALUE[shape.priority],
            status=status,
            source=_VALUE[shape.source],
            requester_id=requester.id,
            assignee_id=assignee.id if assignee else None,
            assignee=assignee.username if assignee else None,
            created_at=created,
            resolved_at=resolved,
            closed_at=closed,
            resolution_note=note,
            external_id=external_id,
            day=f"{local.year:04d}{local.month:02d}{local.day:02d}",
        )

    def _verdict(self, field: str, person: _Person, active: bool, problems: list[str]) -> None:
        key = (field, person.id, active)
        if key not in self._verdicts:
            try:
                if field == "requester":
                    users.require_active(person.user)
                elif person.user.system or not (person.user.is_staff and not active):
                    require_assignable(person.user)  # history may name former staff
                self._verdicts[key] = None
            except ItsmError as exc:
                self._verdicts[key] = f"{field}: {exc.message}"
        verdict = self._verdicts[key]
        if verdict is not None:
            problems.append(verdict)

    def _status(self, value: Any, problems: list[str]) -> Status | None:
        try:
            found = self._statuses.get(value)
        except TypeError:  # JSON that cannot be a key (a list, an object)
            found = None
        if found is None:
            found = self._status_of(value)
            if isinstance(value, str) and len(self._statuses) < _STATUSES_KEPT:
                self._statuses[value] = found
        if isinstance(found, Status):
            return found
        problems.append(found)
        return None

    @staticmethod
    def _status_of(value: Any) -> Status | str:
        value = _choice(value)
        if value is None:
            return Status.OPEN
        try:
            return Status(value)
        except ValueError:
            return f"invalid status {value!r}; allowed: {choices(Status)}"

    def _person(self, values: dict[str, Any], field: str, problems: list[str]) -> _Person | None:
        ref = _text(values.get(field))
        if ref is None:
            if field == "requester":
                problems.append("requester is required")
            return None
        if isinstance(ref, bool) or not isinstance(ref, str | int):
            problems.append(f"invalid {field} {ref!r}: give a username or a user id")
            return None
        key = str(ref).lower()
        if not self._prefetched:
            self._prefetch()
        found = self._people.get(key)
        if found is None:  # not a plain username or id: the service decides (e.g. "007")
            try:
                user = users.get_user(self._session, ref=key)
                found = _Person(user.id, user.username, user)
            except ItsmError as exc:
                found = exc.message
            self._people[key] = found
        if isinstance(found, str):
            problems.append(f"{field}: {found}")
            return None
        return found

    def _shape(
        self, values: dict[str, Any], requester: _Person | None, problems: list[str]
    ) -> TicketCreate | None:
        data = {
            "title": values.get("title") or "",
            "description": values.get("description") or "",
            "category": _choice(values.get("category")),
            "priority": _choice(values.get("priority")) or "medium",
            "source": _choice(values.get("source")) or Source.API.value,
            "requester_id": requester.id if requester else 1,
        }
        try:
            return TicketCreate.model_validate(data)
        except ValidationError as exc:
            problems.append(describe(exc))
            return None

    def _times(
        self, values: dict[str, Any], status: Status | None, problems: list[str]
    ) -> tuple[datetime, datetime | None, datetime | None] | None:
        try:
            created = _moment(values.get("created_at"), "created_at") or self._now
            resolved = _moment(values.get("resolved_at"), "resolved_at")
            closed = _moment(values.get("closed_at"), "closed_at")
        except ValueError as exc:
            problems.append(str(exc))
            return None
        before = len(problems)
        allowed = _TIMES_OF.get(status, _ALL_TIMES[:1]) if status is not None else _ALL_TIMES
        for name, moment in (
            ("created_at", created),
            ("resolved_at", resolved),
            ("closed_at", closed),
        ):
            if moment is not None and moment > self._now:
                problems.append(f"{name} {moment.isoformat()} is in the future")
            elif moment is not None and name not in allowed:
                problems.append(f"{name} is given but the status is {status}")
        if status is Status.RESOLVED:
            resolved = resolved or self._now
        elif status is Status.CLOSED:
            # As when a ticket is closed: closing stamps the time, resolved too if unset.
            closed = closed or self._now
            resolved = resolved or closed
        if resolved is not None and resolved < created:
            problems.append("resolved_at is before created_at")
        if closed is not None and resolved is not None and closed < resolved:
            problems.append("closed_at is before resolved_at")
        return None if len(problems) > before else (created, resolved, closed)
