"""ORM models of tickets, comments, audit events, watchers and the per-day number counter."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    Connection,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    event,
    false,
    text,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship, validates

from itsm.db.base import Base, Timestamps, UTCDateTime, enum_check, utcnow
from itsm.db.fulltext import search_terms, ticket_search_terms
from itsm.db.partial_index import partial_index
from itsm.sla.due import DueClock, due_clock, next_due
from itsm.users.models import User


class Category(StrEnum):
    HARDWARE = "hardware"
    SOFTWARE = "software"
    NETWORK = "network"
    ACCOUNT = "account"
    OTHER = "other"


class Priority(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return PRIORITY_RANK[self]


PRIORITY_RANK = {Priority.CRITICAL: 1, Priority.HIGH: 2, Priority.MEDIUM: 3, Priority.LOW: 4}


class Status(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


ACTIVE_STATUSES = (Status.OPEN, Status.IN_PROGRESS, Status.PENDING)
RUNNING_STATUSES = (Status.OPEN, Status.IN_PROGRESS)  # the SLA clock runs


class Source(StrEnum):
    CLI = "cli"
    API = "api"
    WEB = "web"
    EMAIL = "email"
    DIAGNOSTIC = "diagnostic"
    ALERT = "alert"


_RANK_SQL = (
    "CASE priority "
    + " ".join(f"WHEN '{p.value}' THEN {r}" for p, r in PRIORITY_RANK.items())
    + " ELSE 9 END"
)
_RUNNING_SQL = "status IN ('open', 'in_progress')"
_ACTIVE_SQL = "status IN (" + ", ".join(f"'{s.value}'" for s in ACTIVE_STATUSES) + ")"


class TicketCounter(Base):
    """One row per numbering day; locked by the transaction that creates a ticket."""

    __tablename__ = "ticket_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, nullable=False)


class Ticket(Timestamps, Base):
    __tablename__ = "tickets"
    __table_args__ = (
        enum_check("category", Category),
        enum_check("priority", Priority),
        enum_check("status", Status),
        enum_check("source", Source),
        CheckConstraint(
            "satisfaction_rating IS NULL OR satisfaction_rating BETWEEN 1 AND 5",
            name="satisfaction_rating_range",
        ),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        Index("ix_tickets_queue", "status", "priority_rank", "created_at", "id"),
        Index("ix_tickets_created", "created_at", "id"),
        # Reports by period (resolved / closed in a date range); migration 0005.
        Index("ix_tickets_resolved", "resolved_at"),
        Index("ix_tickets_closed", "closed_at"),
        Index("ix_tickets_assignee_status", "assignee_id", "status"),
        Index("ix_tickets_requester_status", "requester_id", "status"),
        partial_index(
            "ix_tickets_active",
            "priority_rank",
            "created_at",
            "id",
            where=_ACTIVE_SQL,
        ),
        # The "all active" queue by creation time, without sorting it; migration 0028.
        partial_index("ix_tickets_active_created", "created_at", "id", where=_ACTIVE_SQL),
        # A technician's active queue, newest first, without sorting it; migration 0005.
        partial_index(
            "ix_tickets_active_assignee",
            "assignee_id",
            "created_at",
            "id",
            where=_ACTIVE_SQL,
        ),
        # The unassigned queue and a technician's queue by priority (on SQLite the
        # second serves both: it reads `assignee_id IS NULL` as an equality); 0006.
        partial_index(
            "ix_tickets_active_unassigned",
            "priority_rank",
            "created_at",
            "id",
            where=f"{_ACTIVE_SQL} AND assignee_id IS NULL",
        ),
        partial_index(
            "ix_tickets_active_assignee_priority",
            "assignee_id",
            "priority_rank",
            "created_at",
            "id",
            where=_ACTIVE_SQL,
        ),
        # What `itsm sla tick` scans: running clocks of tickets being worked on.
        partial_index(
            "ix_tickets_sla_resolution",
            "resolution_warn_at",
            where=_RUNNING_SQL,
        ),
        partial_index(
            "ix_tickets_sla_first_response",
            "first_response_warn_at",
            where=f"{_RUNNING_SQL} AND first_response_at IS NULL",
        ),
        # The queue in due order, and its due-soon and breached slices (sla.due); 0014.
        partial_index("ix_tickets_due", "due_at", "id", where="due_at IS NOT NULL"),
        partial_index(
            "ix_tickets_resolved_at",
            "resolved_at",
            where="status = 'resolved'",
        ),
        # An imported ticket's id in the system it came from; migration 0013.
        Index("uq_tickets_external_id", "external_id", unique=True),
        partial_index(
            "uq_tickets_active_fingerprint",
            "fingerprint",
            unique=True,
            where=f"fingerprint IS NOT NULL AND {_ACTIVE_SQL}",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    category: Mapped[str] = mapped_column(String(16), nullable=False)
    priority: Mapped[str] = mapped_column(String(16), nullable=False)
    priority_rank: Mapped[int] = mapped_column(SmallInteger, Computed(_RANK_SQL, persisted=True))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=Status.OPEN)
    source: Mapped[str] = mapped_column(String(16), nullable=False, default=Source.CLI)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("hardware_inventory.id", ondelete="SET NULL"), index=True
    )
    fingerprint: Mapped[str | None] = mapped_column(String(128))
    external_id: Mapped[str | None] = mapped_column(String(100))
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    satisfaction_rating: Mapped[int | None] = mapped_column(SmallInteger)
    satisfaction_comment: Mapped[str | None] = mapped_column(Text)
    satisfaction_rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_response_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sla_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The running clock's due time (itsm.sla.due), kept by _keep_due_at on every write.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_response_warned: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    first_response_breached: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    resolution_warned: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    resolution_breached: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    resolution_note: Mapped[str | None] = mapped_column(Text)
    # Written by _searched below, read only by the full-text index (itsm.db.fulltext).
    search_terms: Mapped[str | None] = mapped_column(Text, deferred=True)

    requester: Mapped[User] = relationship(foreign_keys=[requester_id], lazy="joined")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    # Only for writing a new ticket's first events in the ticket's own flush; the trail
    # is read with events.history. "raise": loading it by accident is a bug.
    events: Mapped[list[TicketEvent]] = relationship(lazy="raise")

    # The columns the database fills in (priority_rank, SLA flags) come back in the
    # INSERT's RETURNING instead of a SELECT on first read.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012 (declarative API)

    @validates("number", "title", "description", "resolution_note")
    def _searched(self, key: str, value: str | None) -> str | None:
        texts = {
            "number": self.number,
            "title": self.title,
            "description": self.description,
            "resolution_note": self.resolution_note,
        } | {key: value}
        self.search_terms = ticket_search_terms(*texts.values())
        return value

    @property
    def running(self) -> bool:
        """Whether the SLA clock runs: open or in progress, not paused."""
        return self.status in RUNNING_STATUSES and self.sla_paused_at is None

    @property
    def due_clock(self) -> DueClock | None:
        """The clock ``due_at`` follows (first response, then resolution)."""
        if self.due_at is None:
            return None
        return due_clock(running=self.running, first_response_at=self.first_response_at)


@event.listens_for(Ticket, "before_insert")
@event.listens_for(Ticket, "before_update")
def _keep_due_at(_mapper: Mapper[Ticket], _conn: Connection, ticket: Ticket) -> None:
    """Every change that moves a clock (status, pause, first response, priority) is a
    write of the ticket: its due time follows it here, in one place."""
    ticket.due_at = next_due(
        running=ticket.running,
        first_response_at=ticket.first_response_at,
        first_response_due_at=ticket.first_response_due_at,
        resolution_due_at=ticket.resolution_due_at,
    )


class TicketComment(Base):
    __tablename__ = "ticket_comments"
    __table_args__ = (
        CheckConstraint("time_spent_minutes >= 0", name="time_spent_non_negative"),
        CheckConstraint("length(body) > 0", name="body_not_empty"),
        # The service report's time logged in a period, index-only (migration 0029).
        partial_index(
            "ix_ticket_comments_time_spent",
            "created_at",
            "author_id",
            "time_spent_minutes",
            where="time_spent_minutes > 0",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text, nullable=False)
    # The number of the ticket a merge copied this comment from; kept out of the
    # searched body so a search cannot find the other ticket's number (migration 0008).
    copied_from: Mapped[str | None] = mapped_column(String(32))
    search_terms: Mapped[str | None] = mapped_column(Text, deferred=True)  # as Ticket's
    is_internal: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    time_spent_minutes: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default=text("0")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")

    @validates("body")
    def _searched(self, _key: str, value: str) -> str:
        self.search_terms = search_terms(value)
        return value


class EventKind(StrEnum):
    CREATED = "created"
    FIELD_CHANGED = "field_changed"
    STATUS_CHANGED = "status_changed"
    ASSIGNED = "assigned"
    COMMENTED = "commented"
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    MERGED = "merged"
    LINKED = "linked"
    RATED = "rated"
    WATCHER_ADDED = "watcher_added"  # new_value: the watcher's username; migration 0021
    WATCHER_REMOVED = "watcher_removed"  # old_value: the watcher's username


class TicketEvent(Base):
    """The audit trail: who changed what on a ticket, from which value to which."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        enum_check("kind", EventKind),
        Index("ix_ticket_events_ticket_at", "ticket_id", "created_at", "id"),
        # the SLA breaches since a moment (the dashboard), and any count by kind
        Index("ix_ticket_events_kind_at", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    field: Mapped[str | None] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined")


class LinkKind(StrEnum):
    RELATED = "related"  # stored once per pair, smaller id first
    MERGED_INTO = "merged_into"  # ticket_id is the duplicate, other_id the survivor


class TicketLink(Base):
    """A link between two tickets: related, or merged into."""

    __tablename__ = "ticket_links"
    __table_args__ = (
        enum_check("kind", LinkKind),
        CheckConstraint("ticket_id <> other_id", name="distinct_tickets"),
        Index("uq_ticket_links_pair", "ticket_id", "other_id", "kind", unique=True),
        Index("ix_ticket_links_other", "other_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False
    )
    other_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class TicketWatcher(Base):
    """A person copied on a ticket (like Cc): told what its requester is told and sees it
    as its requester does (:mod:`itsm.tickets.visibility`); migration 0021."""

    __tablename__ = "ticket_watchers"
    __table_args__ = (
        # "the tickets I'm copied on": the primary key leads with the ticket
        Index("ix_ticket_watchers_user", "user_id", "ticket_id"),
    )

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class TechnicianCategory(Base):
    """A ticket category a technician works on: they are told of new, alert and breached
    tickets of their categories only (none set: every category); migration 0024."""

    __tablename__ = "technician_categories"
    __table_args__ = (enum_check("category", Category),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(16), primary_key=True)
