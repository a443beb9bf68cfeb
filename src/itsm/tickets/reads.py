"""The hottest ticket reads as plain data: one ticket, and one page of the list.

:func:`visible_ticket` and :func:`list_page` answer what
:func:`itsm.tickets.access.visible_ticket` and :func:`itsm.tickets.access.list_page`
answer, under the same role rules (end users see only the tickets they requested;
any other is "not found"), with the same SQL: the ticket's columns and its
requester's and assignee's (the ORM's joined eager load), filters from
:func:`itsm.tickets.queries.filtered`, the same keyset cursor. What differs is
what the rows become: a ``dict`` shaped like :class:`~itsm.tickets.schemas.TicketRead`
straight from the Core row, instead of an ORM ticket with two users (identity map,
instance state, every attribute set through its instrumentation) that
:func:`~itsm.tickets.schemas.ticket_read` then copies into a validated model. On a
page of 20 that is most of a request's time in the API. The values come from typed
columns (enum values kept in by CHECK constraints, UTC datetimes by
:class:`~itsm.db.base.UTCDateTime`), so they need no validation to fit the schema;
``tests/integration/core/test_ticket_reads.py`` holds both paths to the same output,
errors and statements. The rules are :mod:`~itsm.tickets.access`'s own helpers
(reference checks, end users' own tickets, the "not found" message, what an end
user's tickets may say of other tickets, an end user's unknown ``assignee`` and
``text`` filter), called here.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from sqlalchemy import FromClause, Row, Select, bindparam, select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnClause, KeyedColumnElement
from sqlalchemy.types import NullType

from itsm.tickets import access, queries, service
from itsm.tickets.errors import TicketNotFound
from itsm.tickets.models import Ticket
from itsm.tickets.schemas import TicketFilters, TicketRead
from itsm.users.models import User

_TICKETS = Ticket.__table__
_USERS = User.__table__
_REQUESTER = _USERS.alias()  # rendered users_1 and users_2, as the ORM's joined load
_ASSIGNEE = _USERS.alias()
_USED = frozenset(TicketRead.model_fields) | {"priority_rank"}  # and the cursor's key


def _column(
    column: KeyedColumnElement[Any], owner: FromClause, used: bool
) -> KeyedColumnElement[Any]:
    """``column``, or where its value is not used, the same name with no type.

    Same SQL (name, table, label), but the value is not converted (most of these are
    timestamps: each a parse and a time zone on SQLite), 6 of 15 per row.
    """
    return column if used else ColumnClause(column.name, NullType(), _selectable=owner)


#: ``SELECT`` the ticket, its requester and its assignee: the columns, labels and joins
#: of the ORM's ``select(Ticket)`` with ``requester`` and ``assignee`` loaded ``joined``.
_SELECT: Select[Any] = select(
    *(_column(c, _TICKETS, c.name in _USED) for c in _TICKETS.c),
    *(_column(c, _REQUESTER, c.name == "username") for c in _REQUESTER.c),
    *(_column(c, _ASSIGNEE, c.name == "username") for c in _ASSIGNEE.c),
).select_from(
    _TICKETS.outerjoin(_REQUESTER, _REQUESTER.c.id == _TICKETS.c.requester_id).outerjoin(
        _ASSIGNEE, _ASSIGNEE.c.id == _TICKETS.c.assignee_id
    )
)


def _positions() -> tuple[tuple[str, ...], itemgetter[Any]]:
    """TicketRead's field names and a getter of their values from a row of ``_SELECT``."""
    columns = [c.name for c in _TICKETS.c]
    users = [c.name for c in _USERS.c]
    people = {
        "requester": len(columns) + users.index("username"),
        "assignee": len(columns) + len(users) + users.index("username"),
    }
    names = tuple(TicketRead.model_fields)
    return names, itemgetter(*(people.get(n) or columns.index(n) for n in names))


_FIELDS, _VALUES = _positions()


def _data(row: Row[Any]) -> dict[str, Any]:
    return dict(zip(_FIELDS, _VALUES(row), strict=True))


# Built once: building a statement, and the cache key SQLAlchemy then computes for it,
# costs more than running it (about 0.4 ms of a 1 ms read of one ticket on SQLite).
_BY_ID = _SELECT.where(_TICKETS.c.id == bindparam("ticket_id"))
_BY_NUMBER = _SELECT.where(_TICKETS.c.number == bindparam("number"))


def visible_ticket(session: Session, *, ref: int | str, viewer: User) -> dict[str, Any]:
    """The ticket as :class:`TicketRead` data if ``viewer`` may see it, else not found."""
    text = access.ticket_ref(ref)
    if text.isdigit():
        row = session.connection().execute(_BY_ID, {"ticket_id": int(text)}).first()
    elif service.NUMBER_PATTERN.match(text):  # as service.get_ticket reads a reference
        row = session.connection().execute(_BY_NUMBER, {"number": text.upper()}).first()
    else:
        row = None
    if row is None or not (viewer.is_staff or row.requester_id == viewer.id):
        raise TicketNotFound(access.not_found_message(text))
    data = _data(row)
    if not viewer.is_staff:
        access.shown_ticket_rows(session, viewer=viewer, rows=[data])
    return data


def list_page(
    session: Session,
    *,
    viewer: User,
    filters: TicketFilters,
    sort: queries.Sort = queries.Sort.NEWEST,
    limit: int = 20,
    cursor: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of what ``viewer`` may see, as :func:`itsm.tickets.access.list_page` gives it."""
    own, searched = access.viewer_filters(session, viewer=viewer, filters=filters)
    limit = max(1, min(limit, queries.MAX_PAGE))
    after = queries.decode_cursor(sort, cursor) if cursor else []
    if searched is None:  # an end user's text left with no word: it matches nothing
        return [], None
    stmt = _page_statement(session, searched, sort, limit, own, not viewer.is_staff, bool(after))
    # On the session's connection, as Core: the filters are written with ORM attributes,
    # which would send the statement through the ORM's compile and loading steps (0.15
    # ms of a 0.8 ms request on SQLite) for rows that are columns only.
    rows = session.connection().execute(stmt, {f"k{i}": v for i, v in enumerate(after)}).all()
    items = [_data(row) for row in rows[:limit]]
    if not viewer.is_staff:
        access.shown_ticket_rows(session, viewer=viewer, rows=items)
    if len(rows) <= limit:
        return items, None
    last = rows[limit - 1]
    # encode_cursor reads the sort key off a ticket: a transient one holding only that.
    key_of = Ticket(id=last.id, created_at=last.created_at, priority_rank=last.priority_rank)
    return items, queries.encode_cursor(sort, key_of)


#: Page statements of the plain filters (no text, no person by reference), by their
#: parameters; a cursor's values are bound at execution. Cleared when full.
_PAGES: dict[tuple[Any, ...], Select[Any]] = {}
_MAX_PAGES = 512


def _page_statement(
    session: Session,
    filters: TicketFilters,
    sort: queries.Sort,
    limit: int,
    own: int | None,
    public_only: bool,
    after: bool,
) -> Select[Any]:
    """The page's ``SELECT``, as :func:`itsm.tickets.queries.list_page` writes it."""
    key: tuple[Any, ...] | None = None
    if filters.text is None and filters.assignee is None and filters.requester is None:
        key = (sort, limit, own, after, filters.unassigned)
        key += (tuple(filters.status), tuple(filters.priority), tuple(filters.category))
        found = _PAGES.get(key)
        if found is not None:
            return found
    chosen = queries.filtered(
        session,
        filters,
        requester_id=own,
        public_only=public_only,
        unknown_assignee_empty=public_only,  # both: what an end user may see
    )
    stmt = _SELECT if chosen.whereclause is None else _SELECT.where(chosen.whereclause)
    cols = _sort_columns(sort)
    if after:
        bound = tuple_(*(bindparam(f"k{i}", type_=c.type) for i, c in enumerate(cols)))
        stmt = stmt.where(
            tuple_(*cols) < bound if sort is queries.Sort.NEWEST else tuple_(*cols) > bound
        )
    order = [c.desc() for c in cols] if sort is queries.Sort.NEWEST else cols
    stmt = stmt.order_by(*order).limit(limit + 1)
    if key is not None:
        if len(_PAGES) >= _MAX_PAGES:
            _PAGES.clear()
        _PAGES[key] = stmt
    return stmt


def _sort_columns(sort: queries.Sort) -> list[Any]:
    if sort is queries.Sort.PRIORITY:
        return [_TICKETS.c.priority_rank, _TICKETS.c.created_at, _TICKETS.c.id]
    return [_TICKETS.c.created_at, _TICKETS.c.id]
