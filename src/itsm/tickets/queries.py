"""Read side of tickets: filtered keyset pages, full-text search and statistics.

Pages use keyset pagination: the cursor carries the sort key of the last row
shown, so page 10,000 costs what page 1 costs. Statistics are SQL aggregates.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    bindparam,
    false,
    func,
    literal,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session, selectinload

from itsm.db.base import UTCDateTime, utcnow
from itsm.db.fulltext import matching, ranked_matches
from itsm.errors import N_
from itsm.sla.due import SlaFilter
from itsm.tickets import visibility
from itsm.tickets.errors import InvalidCursor
from itsm.tickets.models import (
    ACTIVE_STATUSES,
    PRIORITY_RANK,
    RUNNING_STATUSES,
    Category,
    EventKind,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)
from itsm.tickets.schemas import TicketFilters, TicketStats
from itsm.users import service as users
from itsm.users.errors import UserNotFound

MAX_PAGE = 500


class Sort(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"
    PRIORITY = "priority"
    DUE = "due"  # soonest due first (breached ones first of all), then tickets with none


def _sort_columns(sort: Sort) -> list[Any]:
    if sort is Sort.PRIORITY:
        return [Ticket.priority_rank, Ticket.created_at, Ticket.id]
    return [Ticket.created_at, Ticket.id]


def encode_cursor(sort: Sort, ticket: Ticket) -> str:
    key: list[Any] = [ticket.created_at.isoformat(), ticket.id]
    if sort is Sort.PRIORITY:
        key.insert(0, ticket.priority_rank)
    elif sort is Sort.DUE:
        key = [ticket.due_at.isoformat() if ticket.due_at else None, ticket.id]
    raw = json.dumps({"s": sort.value, "k": key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


_KEY_LIMIT = 2**62  # a hand-made cursor's numbers must still fit the database's integers


def _aware(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:  # a hand-made cursor; the database would refuse it later
        raise ValueError("cursor time has no time zone")
    return moment.astimezone(UTC)  # OverflowError at the ends of the calendar


def _key_int(value: Any) -> int:
    number = int(value)
    if abs(number) >= _KEY_LIMIT:
        raise ValueError("cursor number out of range")
    return number


def decode_cursor(sort: Sort, cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if data["s"] != sort.value:
            raise ValueError("cursor was made for another sort order")
        key = list(data["k"])
        if sort is Sort.PRIORITY:
            return [_key_int(key[0]), _aware(key[1]), _key_int(key[2])]
        if sort is Sort.DUE:
            return [None if key[0] is None else _aware(key[0]), _key_int(key[1])]
        return [_aware(key[0]), _key_int(key[1])]
    except (ValueError, KeyError, TypeError, IndexError, OverflowError) as exc:
        reason = str(exc) if "sort order" in str(exc) else "it is not one this list gave out"
        raise InvalidCursor(N_("invalid cursor: %(reason)s"), reason=reason) from None


def status_in(statuses: Sequence[str]) -> ColumnElement[bool]:
    """``status IN ('open', ...)`` with the values written into the SQL, in the enum's order.

    Bound values would hide from the planner that the active queue's condition is
    the one of the partial index ``ix_tickets_active``: SQLite (and PostgreSQL's
    generic plans, once psycopg prepares the statement) would then sort every
    active ticket for each page instead of reading the first rows of that index.
    The values are validated :class:`Status` members, so writing them is safe.
    """
    order = list(Status)
    values = sorted({Status(s) for s in statuses}, key=order.index)
    return Ticket.status.in_(
        bindparam("statuses", [v.value for v in values], expanding=True, literal_execute=True)
    )


def filtered(
    session: Session,
    filters: TicketFilters,
    *,
    viewer_id: int | None = None,
    public_only: bool = False,
    unknown_assignee_empty: bool = False,
) -> Select[Ticket]:
    """``SELECT tickets`` with the filters of ``itsm ticket list`` and ``export``, unordered.

    ``viewer_id``, ``public_only`` and ``unknown_assignee_empty`` are as for
    :func:`list_page`.
    """
    stmt = select(Ticket)
    if viewer_id is not None:
        stmt = stmt.where(visibility.seen_by(viewer_id))
    if filters.status:
        stmt = stmt.where(status_in(filters.status))
    if filters.priority:
        stmt = stmt.where(Ticket.priority.in_(filters.priority))
    if filters.category:
        stmt = stmt.where(Ticket.category.in_(filters.category))
    if filters.source:
        stmt = stmt.where(Ticket.source.in_(filters.source))
    if filters.assignee:
        ids = []
        for ref in filters.assignee:
            try:
                ids.append(users.get_user(session, ref=ref).id)
            except UserNotFound:
                if not unknown_assignee_empty:
                    raise
        stmt = stmt.where(Ticket.assignee_id.in_(ids) if ids else false())
    if filters.unassigned:
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    if filters.requester:
        stmt = stmt.where(Ticket.requester_id == users.get_user(session, ref=filters.requester).id)
    if filters.text:
        matching = _matching_ids(session, filters.text, public_only=public_only)
        stmt = stmt.where(Ticket.id.in_(matching))
    if filters.sla is not None:
        stmt = stmt.where(*_sla_slice(filters.sla, filters.due_soon_minutes))
    if filters.asset_id is not None:
        stmt = stmt.where(Ticket.asset_id == filters.asset_id)
    return stmt


def _sla_slice(wanted: SlaFilter, due_soon_minutes: int) -> list[ColumnElement[bool]]:
    """Tickets whose running clock is past due, or due within the due-soon window."""
    now = utcnow()
    if wanted is SlaFilter.BREACHED:
        return [Ticket.due_at <= now]
    return [Ticket.due_at > now, Ticket.due_at <= now + timedelta(minutes=due_soon_minutes)]


def list_page(
    session: Session,
    *,
    filters: TicketFilters,
    sort: Sort = Sort.NEWEST,
    limit: int = 20,
    cursor: str | None = None,
    viewer_id: int | None = None,
    public_only: bool = False,
    unknown_assignee_empty: bool = False,
) -> tuple[Sequence[Ticket], str | None]:
    """One page of tickets and the cursor of the next page (``None`` at the end).

    ``viewer_id`` keeps only the tickets that end user sees (requested or watched,
    :mod:`itsm.tickets.visibility`); ``public_only`` makes the
    text filter ignore internal notes; ``unknown_assignee_empty`` makes an assignee
    who is no user match no ticket instead of raising
    :class:`~itsm.users.errors.UserNotFound` (all three for what end users may see).
    """
    limit = max(1, min(limit, MAX_PAGE))
    cols = _sort_columns(sort)
    stmt = filtered(
        session,
        filters,
        viewer_id=viewer_id,
        public_only=public_only,
        unknown_assignee_empty=unknown_assignee_empty,
    )
    if sort is Sort.DUE:
        # Only running clocks have a due time: a status filter that keeps them all says
        # nothing more about those rows, and would draw the planner to a status index.
        timed = stmt
        if set(RUNNING_STATUSES) <= set(filters.status):
            timed = filtered(
                session,
                filters.model_copy(update={"status": []}),
                viewer_id=viewer_id,
                public_only=public_only,
                unknown_assignee_empty=unknown_assignee_empty,
            )
        return _due_page(session, timed, stmt, limit, cursor, timed_only=filters.sla is not None)
    if cursor:
        key = decode_cursor(sort, cursor)
        bound = [literal(v, UTCDateTime()) if isinstance(v, datetime) else v for v in key]
        after: ColumnElement[bool] = (
            tuple_(*cols) < tuple_(*bound)
            if sort is Sort.NEWEST
            else tuple_(*cols) > tuple_(*bound)
        )
        stmt = stmt.where(after)
    order = [c.desc() for c in cols] if sort is Sort.NEWEST else cols
    rows = session.scalars(stmt.order_by(*order).limit(limit + 1)).unique().all()
    if len(rows) > limit:
        return rows[:limit], encode_cursor(sort, rows[limit - 1])
    return rows, None


def _due_page(
    session: Session,
    timed_stmt: Select[Ticket],
    stmt: Select[Ticket],
    limit: int,
    cursor: str | None,
    *,
    timed_only: bool,
) -> tuple[Sequence[Ticket], str | None]:
    """A page in due order: tickets with a running clock by ``due_at`` (read in order
    from ``ix_tickets_due``; ``timed_stmt`` selects them), then the others (``stmt``)
    by id; ``timed_only`` when no other can match."""
    key = decode_cursor(Sort.DUE, cursor) if cursor else None
    rows: list[Ticket] = []
    if key is None or key[0] is not None:
        timed = timed_stmt.where(Ticket.due_at.is_not(None))
        if key is not None:
            after = tuple_(literal(key[0], UTCDateTime()), key[1])
            timed = timed.where(tuple_(Ticket.due_at, Ticket.id) > after)
        # People loaded apart: joined, PostgreSQL (misjudging a cursor's range) joined
        # every due ticket to them before the limit instead of reading the index in order.
        timed = timed.options(selectinload(Ticket.requester), selectinload(Ticket.assignee))
        found = session.scalars(timed.order_by(Ticket.due_at, Ticket.id).limit(limit + 1))
        rows.extend(found.unique())
    if len(rows) <= limit and not timed_only:
        untimed = stmt.where(Ticket.due_at.is_(None))
        if key is not None and key[0] is None:
            untimed = untimed.where(Ticket.id > key[1])
        found = session.scalars(untimed.order_by(Ticket.id).limit(limit + 1 - len(rows)))
        rows.extend(found.unique())
    if len(rows) > limit:
        return rows[:limit], encode_cursor(Sort.DUE, rows[limit - 1])
    return rows, None


def existing_external_ids(session: Session, external_ids: Sequence[str]) -> set[str]:
    """Which of ``external_ids`` tickets already carry (one indexed query)."""
    if not external_ids:
        return set()
    stmt = select(Ticket.external_id).where(Ticket.external_id.in_(set(external_ids)))
    return {str(v) for v in session.scalars(stmt)}


def _matching_ids(session: Session, query: str, *, public_only: bool) -> CompoundSelect[int]:
    """Ids of tickets whose text or comments match: a filter, so nothing is ranked."""
    comments_where = {"is_internal": False} if public_only else None
    return union_all(
        matching(session, "tickets", query),
        matching(session, "ticket_comments", query, key="ticket_id", where=comments_where),
    )


def _scored_matches(session: Session, query: str, *, public_only: bool) -> Any:
    comments_where = {"is_internal": False} if public_only else None
    return union_all(
        ranked_matches(session, "tickets", query),
        ranked_matches(session, "ticket_comments", query, key="ticket_id", where=comments_where),
    ).subquery("matches")


def search(
    session: Session,
    *,
    query: str,
    limit: int = 20,
    active_only: bool = False,
    viewer_id: int | None = None,
    public_only: bool = False,
) -> tuple[list[tuple[Ticket, float]], int]:
    """Tickets whose title, description or comments match, best first, and the total.

    ``viewer_id`` keeps only the tickets that end user sees; ``public_only`` leaves
    internal notes out of the match (what end users may search).

    One statement: each match is ranked once, the total is a window count over
    the ranked tickets, and only the best ``limit`` are joined to their rows.
    """
    limit = max(1, min(limit, MAX_PAGE))
    matches = _scored_matches(session, query, public_only=public_only)
    best = (
        select(matches.c.match_id, func.max(matches.c.score).label("score"))
        .group_by(matches.c.match_id)
        .subquery("best")
    )
    ranked = select(best.c.match_id, best.c.score, func.count().over().label("total"))
    if active_only or viewer_id is not None:
        ranked = ranked.join(Ticket, Ticket.id == best.c.match_id)
        if active_only:
            ranked = ranked.where(status_in(ACTIVE_STATUSES))
        if viewer_id is not None:
            ranked = ranked.where(visibility.seen_by(viewer_id))
    top = ranked.order_by(best.c.score.desc(), best.c.match_id.desc()).limit(limit).subquery("top")
    stmt = (
        select(Ticket, top.c.score, top.c.total)
        .join(top, top.c.match_id == Ticket.id)
        .order_by(top.c.score.desc(), Ticket.id.desc())
    )
    rows = session.execute(stmt).unique().all()
    found = [(ticket, float(score)) for ticket, score, _total in rows]
    return found, int(rows[0][2]) if rows else 0


def _counts(session: Session, column: Any, order: type[StrEnum]) -> dict[str, int]:
    """Non-zero counts in the enum's order, as the design note prints them."""
    rows: dict[str, int] = {
        str(v): int(n) for v, n in session.execute(select(column, func.count()).group_by(column))
    }
    return {m.value: int(rows[m.value]) for m in order if rows.get(m.value)}


def stats(session: Session) -> TicketStats:
    """Counts by status, priority and category, computed by GROUP BY in the database."""
    by_status = _counts(session, Ticket.status, Status)
    by_priority = _counts(session, Ticket.priority, Priority)
    by_category = _counts(session, Ticket.category, Category)
    unassigned = session.scalar(
        select(func.count()).select_from(Ticket).where(_unassigned_active())
    )
    return TicketStats(
        total=sum(by_status.values()),
        active=sum(by_status.get(s.value, 0) for s in ACTIVE_STATUSES),
        unassigned_active=int(unassigned or 0),
        by_status=by_status,
        by_priority=by_priority,
        by_category=by_category,
    )


def _unassigned_active() -> ColumnElement[bool]:
    return and_(status_in(ACTIVE_STATUSES), Ticket.assignee_id.is_(None))


@dataclass(frozen=True)
class ActiveCounts:
    """Active tickets by status and priority (every pair, zeros too), and how many of
    them nobody has taken."""

    by_status_priority: dict[tuple[Status, Priority], int]
    unassigned: int


def active_counts(session: Session) -> ActiveCounts:
    """The active queue's counts from two index-only scans (``ix_tickets_queue`` by
    status and priority rank, ``ix_tickets_active_unassigned``), not from the ticket
    rows, which a large table no longer keeps in memory."""
    rows = session.execute(
        select(Ticket.status, Ticket.priority_rank, func.count())
        .where(status_in(ACTIVE_STATUSES))
        .group_by(Ticket.status, Ticket.priority_rank)
    )
    by_rank = {rank: priority for priority, rank in PRIORITY_RANK.items()}
    counts = {(s, p): 0 for s in ACTIVE_STATUSES for p in Priority}
    for status, rank, count in rows:
        counts[Status(status), by_rank[rank]] = int(count)
    unassigned = session.scalar(
        select(func.count()).select_from(Ticket).where(_unassigned_active())
    )
    return ActiveCounts(counts, int(unassigned or 0))


def due_between(session: Session, *, start: datetime, end: datetime) -> int:
    """Tickets whose running clock falls due in ``[start, end)``: the queue's due time
    (``tickets.due_at``, :mod:`itsm.sla.due`: first response until answered, then
    resolution; none while paused or done), read from its index."""
    count = session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.due_at.is_not(None), Ticket.due_at >= start, Ticket.due_at < end)
    )
    return int(count or 0)


def breaches_since(session: Session, *, since: datetime) -> int:
    """SLA targets missed since ``since`` (``itsm sla tick`` records each breach once)."""
    count = session.scalar(
        select(func.count())
        .select_from(TicketEvent)
        .where(TicketEvent.kind == EventKind.SLA_BREACH, TicketEvent.created_at >= since)
    )
    return int(count or 0)


def numbers_of(session: Session, *, ids: set[int]) -> dict[int, str]:
    """Ticket id -> number, for the ids that exist (links from other domains' rows)."""
    rows = session.execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_(ids)))
    return {row.id: row.number for row in rows}
