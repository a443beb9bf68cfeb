"""Validated shapes of ticket input and output."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from itsm.db.ids import MAX_ID
from itsm.errors import N_
from itsm.schema import Schema
from itsm.sla.due import DueClock, SlaFilter
from itsm.tickets.models import Category, Priority, Source, Status

MAX_TITLE = 200
MAX_TEXT_BYTES = 64 * 1024


def _no_nul(value: str, what: str) -> str:
    # PostgreSQL cannot store NUL in text; refuse it as input instead of failing on write.
    if "\x00" in value:
        raise ValueError(f"{what} contains a NUL character")
    return value


def _within_bytes(value: str, what: str) -> str:
    if len(value.encode("utf-8")) > MAX_TEXT_BYTES:
        raise ValueError(f"{what} is over 64 KiB ({len(value.encode('utf-8'))} bytes)")
    return _no_nul(value, what)


class TicketCreate(Schema):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=MAX_TITLE)
    description: str = ""
    category: Category
    priority: Priority = Priority.MEDIUM
    requester_id: int = Field(gt=0, le=MAX_ID)
    assignee_id: int | None = Field(default=None, gt=0, le=MAX_ID)
    asset_id: int | None = Field(default=None, gt=0, le=MAX_ID)
    source: Source = Source.CLI
    fingerprint: str | None = Field(default=None, max_length=128)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError(N_("title must not be empty"))
        return _no_nul(value, "title")

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        return _within_bytes(value, "description")


class TicketUpdate(Schema):
    """A partial change; only the fields given are touched.

    ``asset_id`` given as ``None`` unlinks the inventory item; the other fields
    cannot be emptied that way (leave them out to keep them).
    """

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=MAX_TITLE)
    description: str | None = None
    category: Category | None = None
    priority: Priority | None = None
    asset_id: int | None = Field(
        default=None, gt=0, le=MAX_ID, description="an inventory item's id; null unlinks it"
    )

    @field_validator("title", "description", "category", "priority", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError(N_("must not be null; leave it out to keep the current value"))
        return value

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError(N_("title must not be empty"))
        return _no_nul(value.strip(), "title") if value else value

    @field_validator("description")
    @classmethod
    def _description(cls, value: str | None) -> str | None:
        return None if value is None else _within_bytes(value, "description")


class CommentCreate(Schema):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1)
    is_internal: bool = False
    time_spent_minutes: int = Field(default=0, ge=0, le=100_000)

    @field_validator("body")
    @classmethod
    def _body(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(N_("comment must not be empty"))
        return _within_bytes(value, "comment")


class TicketFilters(Schema):
    model_config = ConfigDict(extra="forbid")

    status: list[Status] = Field(default_factory=list)
    priority: list[Priority] = Field(default_factory=list)
    category: list[Category] = Field(default_factory=list)
    source: list[Source] = Field(default_factory=list)
    # Several people: assigned to any of them (ids or usernames).
    assignee: list[Annotated[str, StringConstraints(max_length=64)]] = Field(
        default_factory=list, max_length=32
    )
    requester: str | None = Field(default=None, max_length=64)
    unassigned: bool = False
    text: str | None = Field(default=None, max_length=500)
    sla: SlaFilter | None = None
    asset_id: int | None = Field(default=None, gt=0, le=MAX_ID)
    # The window of ``sla=due-soon``: the setting sla.due_soon_minutes, filled in by the door.
    due_soon_minutes: int = Field(default=60, gt=0, le=525_600)

    @field_validator("assignee", mode="before")
    @classmethod
    def _people(cls, value: object) -> object:
        """One person (a string) is a list of one; none (None or "") an empty list."""
        if value is None or value == "":
            return []
        return [value] if isinstance(value, str) else value


class CommentRead(Schema):
    id: int
    author: str | None = Field(
        description=(
            "Who wrote it (username); null for the system and, to an end user, for"
            " another end user (such as the author of a comment copied from a merged"
            " ticket), whose name is not shown."
        )
    )
    body: str
    copied_from: str | None = Field(
        default=None,
        description=(
            "The number of the ticket a merge copied this comment from (null for a"
            " comment written here); to an end user who may not open that ticket,"
            ' "another ticket".'
        ),
    )
    is_internal: bool
    time_spent_minutes: int
    created_at: datetime


class EventRead(Schema):
    id: int
    actor: str | None = Field(
        description=(
            "Who made the change (username); null for the system and, to an end user,"
            " for another end user, whose name is not shown."
        )
    )
    kind: str
    field: str | None
    old_value: str | None
    new_value: str | None
    created_at: datetime


class TicketRead(Schema):
    id: int
    number: str
    title: str
    description: str
    category: Category
    priority: Priority
    status: Status
    source: Source
    requester_id: int
    requester: str | None = None
    assignee_id: int | None
    assignee: str | None = None
    asset_id: int | None
    asset: str | None = Field(default=None, description="The inventory item's asset tag")
    fingerprint: str | None
    external_id: str | None = Field(
        default=None, description="The ticket's id in the system it was imported from."
    )
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    satisfaction_rating: int | None
    satisfaction_comment: str | None
    satisfaction_rated_at: datetime | None = None
    resolution_note: str | None = Field(
        default=None,
        description=(
            "What fixed it. A merged duplicate without a note of its own reads"
            " 'Duplicate of <merged_into>'."
        ),
    )
    merged_into: str | None = Field(
        default=None,
        description=(
            "The number of the ticket this one was merged into; 'another ticket' to an"
            " end user who may not open it."
        ),
    )
    sla_paused_at: datetime | None = None
    due_at: datetime | None = Field(
        default=None,
        description=(
            "The due time of the running SLA clock (first response until someone has"
            " responded, then resolution); null while no clock runs. Past: breached."
        ),
    )
    due_clock: DueClock | None = Field(default=None, description="The clock due_at follows.")
    first_response_breached: bool = False
    resolution_breached: bool = False
    created_at: datetime
    updated_at: datetime


class TicketPage(Schema):
    items: list[TicketRead]
    next_cursor: str | None


class TicketHit(TicketRead):
    score: float | None = Field(
        description=(
            "How well it matched, higher is better (staff only); null for end users,"
            " whose items come in rank order only."
        )
    )


class SearchResult(Schema):
    total: int = Field(description="Every matching ticket, not only those in items.")
    items: list[TicketHit]


class WatcherRead(Schema):
    """A person copied on a ticket: told what its requester is told (docs/notifications.md)."""

    id: int
    username: str
    full_name: str


class WatcherAdd(Schema):
    model_config = ConfigDict(extra="forbid")

    user: str = Field(
        min_length=1, max_length=64, description="The person to copy: a user id or username."
    )


class LinkRead(Schema):
    kind: str = Field(description="related, merged_into or merged_from")
    ticket: str | None = Field(
        description=(
            "The other ticket's number. An end user is not shown links to tickets they"
            " cannot open, except merged_into, whose number is then null."
        )
    )


class TicketStats(Schema):
    by_status: dict[str, int]
    by_priority: dict[str, int]
    by_category: dict[str, int]
    total: int
    active: int
    unassigned_active: int


# What callers of a door send (the API's request bodies); the services take the above.

Ref = Annotated[int, Field(gt=0, le=MAX_ID)] | Annotated[str, Field(min_length=1, max_length=64)]


def _title_text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError(N_("title must not be empty"))
    return _no_nul(value, "title")


class TicketOpen(Schema):
    """A new ticket as a caller asks for it; the door adds the source."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=MAX_TITLE)
    description: str = ""
    category: Category
    priority: Priority = Priority.MEDIUM
    requester_id: int | None = Field(
        default=None,
        gt=0,
        le=MAX_ID,
        description="Who needs help; default: the caller. End users open tickets for themselves.",
    )
    assignee_id: int | None = Field(
        default=None, gt=0, le=MAX_ID, description="A technician or admin (staff only)."
    )
    asset_id: int | None = Field(default=None, gt=0, le=MAX_ID)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return _title_text(value)

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        return _within_bytes(value, "description")


class StatusChange(Schema):
    model_config = ConfigDict(extra="forbid")

    status: Status
    note: str | None = Field(
        default=None, description="Resolution note: required to resolve, allowed when closing."
    )

    @field_validator("note")
    @classmethod
    def _note(cls, value: str | None) -> str | None:
        return None if value is None else _within_bytes(value, "note")


class Assignment(Schema):
    model_config = ConfigDict(extra="forbid")

    assignee: Ref | None = Field(
        description="A technician or admin, by id or username; null unassigns the ticket."
    )


class MergeRequest(Schema):
    model_config = ConfigDict(extra="forbid")

    into: Ref = Field(description="The ticket that stays (id or number); this one is closed.")


class LinkRequest(Schema):
    model_config = ConfigDict(extra="forbid")

    other: Ref = Field(description="The related ticket (id or number).")


class RatingCreate(Schema):
    model_config = ConfigDict(extra="forbid")

    rating: int = Field(ge=1, le=5, description="1 (bad) to 5 (excellent).")
    comment: str | None = None

    @field_validator("comment")
    @classmethod
    def _comment(cls, value: str | None) -> str | None:
        return None if value is None else _within_bytes(value, "comment")


def _username(user: object) -> str | None:
    return getattr(user, "username", None) if user is not None else None


_MISSING = object()
_FIELD_NAMES: dict[tuple[type[BaseModel], tuple[str, ...]], tuple[str, ...]] = {}


def _fields(obj: object, model: type[BaseModel], people: tuple[str, ...]) -> dict[str, object]:
    # A list page builds this for every row: the names once per model, one read per name.
    names = _FIELD_NAMES.get((model, people))
    if names is None:
        names = tuple(f for f in model.model_fields if f not in people)
        _FIELD_NAMES[model, people] = names
    data: dict[str, object] = {}
    for name in names:
        value = getattr(obj, name, _MISSING)
        if value is not _MISSING:
            data[name] = value
    data.update({p: _username(getattr(obj, p, None)) for p in people})
    return data


def ticket_read(ticket: object) -> TicketRead:
    """ORM ticket to its public shape, with the people's usernames filled in."""
    return TicketRead.model_validate(_fields(ticket, TicketRead, ("requester", "assignee")))


def comment_read(comment: object) -> CommentRead:
    return CommentRead.model_validate(_fields(comment, CommentRead, ("author",)))


def event_read(event: object) -> EventRead:
    return EventRead.model_validate(_fields(event, EventRead, ("actor",)))
