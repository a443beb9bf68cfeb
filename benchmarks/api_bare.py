"""The API app of ``itsm serve`` plus bare endpoints that do the same work by hand (benchmark only).

``create_app(settings)`` is :func:`itsm.server.app.create_app` with two plain
Starlette routes added under ``/bare``, served by the same process, the same
middleware and the same database engine as the real ones:

* ``GET /bare/tickets/{id}``, the bare twin of ``GET /api/v1/tickets/{id}``;
* ``GET /bare/tickets?limit=20[&status=...]``, the bare twin of the first page of
  ``GET /api/v1/tickets`` (newest first; staff tokens only, no cursor).

Each takes a raw DBAPI connection from the engine's pool
(``engine.raw_connection()``: the same pool, the same checkout events and SQLite
pragmas), runs the statements the real route issues (the SQLite ``BEGIN
DEFERRED`` of a read-only session, the token lookup by hash, the
``last_used_at`` write once a minute, the ticket ``SELECT`` with its two joined
users), commits, and writes the JSON from the rows by hand: no dependency
injection, no ORM, no Pydantic. They are sync endpoints, which Starlette runs in
its thread pool, as FastAPI runs the real ones.

``benchmarks.api_requests`` checks before timing that each bare route sends the
same SQL as its real twin and answers the same JSON. The statements were written
from what SQLAlchemy sends (``before_cursor_execute``); when a model changes,
update them here.

Run as ``itsm serve`` runs the real app (one worker here)::

    python -m benchmarks.api_bare --port 8000
"""

from __future__ import annotations

import argparse
import base64
import functools
import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from itsm.config import Settings, load_settings
from itsm.db.runtime import Database
from itsm.server.app import create_app as create_real_app
from itsm.sla.due import due_clock
from itsm.tickets.models import RUNNING_STATUSES

BARE_PREFIX = "/bare"
MAX_PAGE = 500
_TOKEN_PREFIX = "itsm_"  # the marker of itsm's tokens
_TOUCH_EVERY = timedelta(minutes=1)
_STATUSES = ("open", "in_progress", "pending", "resolved", "closed")  # the enum's order
_STAFF = frozenset({"technician", "admin"})

#: When a list, every statement the bare routes run is appended to it (for the check).
TRACE: list[str] | None = None

_TOKEN_COLUMNS = (
    "api_tokens.id, api_tokens.user_id, api_tokens.name, api_tokens.kind, "
    "api_tokens.token_hash, api_tokens.prefix, api_tokens.created_at, api_tokens.expires_at, "
    "api_tokens.last_used_at, api_tokens.revoked_at, api_tokens.host_identity, "
    "api_tokens.scopes, users.id AS id_1, users.username, "
    "users.full_name, users.email, users.role, users.department, users.is_active, "
    "users.password_hash, users.language, users.system, users.created_at AS created_at_1, "
    "users.updated_at"
)
_TOKEN_SQL = (
    f"SELECT {_TOKEN_COLUMNS} \nFROM api_tokens JOIN users ON users.id = api_tokens.user_id \n"
    "WHERE api_tokens.token_hash = {text}"
)
_MERGE_SQL = (
    "SELECT ticket_links.ticket_id, tickets.number \nFROM ticket_links "
    "JOIN tickets ON tickets.id = ticket_links.other_id \n"
    "WHERE ticket_links.kind = {text} AND ticket_links.ticket_id IN ({ids})"
)
_TOUCH_SQL = "UPDATE api_tokens SET last_used_at={moment} WHERE api_tokens.id = {int}"

# Positions in a token row.
_T_ID, _T_KIND, _T_PREFIX, _T_EXPIRES, _T_LAST_USED, _T_REVOKED = 0, 3, 5, 7, 8, 9
_U_ID, _U_USERNAME, _U_ROLE, _U_ACTIVE = 12, 13, 16, 18

_TICKET_COLUMNS = (
    "id",
    "number",
    "title",
    "description",
    "category",
    "priority",
    "priority_rank",
    "status",
    "source",
    "requester_id",
    "assignee_id",
    "asset_id",
    "fingerprint",
    "external_id",
    "first_response_due_at",
    "resolution_due_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "satisfaction_rating",
    "satisfaction_comment",
    "satisfaction_rated_at",
    "first_response_warn_at",
    "resolution_warn_at",
    "sla_paused_at",
    "due_at",
    "first_response_warned",
    "first_response_breached",
    "resolution_warned",
    "resolution_breached",
    "resolution_note",
    "created_at",
    "updated_at",
)
_USER_COLUMNS = (
    "id",
    "username",
    "full_name",
    "email",
    "role",
    "department",
    "is_active",
    "password_hash",
    "language",
    "system",
    "created_at",
    "updated_at",
)
# SQLAlchemy labels a repeated column name with _1, _2, ... in the order it meets it.
_PEOPLE = (
    "users_1.id AS id_1, users_1.username, users_1.full_name, users_1.email, users_1.role, "
    "users_1.department, users_1.is_active, users_1.password_hash, users_1.language, "
    "users_1.system, users_1.created_at AS created_at_1, users_1.updated_at AS updated_at_1, "
    "users_2.id AS id_2, users_2.username AS username_1, users_2.full_name AS full_name_1, "
    "users_2.email AS email_1, users_2.role AS role_1, users_2.department AS department_1, "
    "users_2.is_active AS is_active_1, users_2.password_hash AS password_hash_1, "
    "users_2.language AS language_1, users_2.system AS system_1, "
    "users_2.created_at AS created_at_2, "
    "users_2.updated_at AS updated_at_2"
)
_TICKETS_FROM = (
    "SELECT " + ", ".join(f"tickets.{c}" for c in _TICKET_COLUMNS) + f", {_PEOPLE} \nFROM tickets "
    "LEFT OUTER JOIN users AS users_1 ON users_1.id = tickets.requester_id "
    "LEFT OUTER JOIN users AS users_2 ON users_2.id = tickets.assignee_id"
)
_TICKET_SQL = _TICKETS_FROM + " \nWHERE tickets.id = {int}"
_ORDER = "ORDER BY tickets.created_at DESC, tickets.id DESC\n LIMIT {int}"
_OFFSET = " OFFSET {int}"  # SQLite's dialect always writes one after a LIMIT

# Positions in a ticket row: the ticket's columns, then requester's and assignee's.
_COL = {name: i for i, name in enumerate(_TICKET_COLUMNS)}
_REQUESTER_NAME = len(_TICKET_COLUMNS) + _USER_COLUMNS.index("username")
_ASSIGNEE_NAME = _REQUESTER_NAME + len(_USER_COLUMNS)
_PLAIN = (
    "id",
    "number",
    "title",
    "description",
    "category",
    "priority",
    "status",
    "source",
    "requester_id",
    "assignee_id",
    "asset_id",
    "fingerprint",
    "external_id",
    "satisfaction_rating",
    "satisfaction_comment",
    "resolution_note",
)
_MOMENTS = (
    "first_response_due_at",
    "resolution_due_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "satisfaction_rated_at",
    "sla_paused_at",
    "due_at",
    "created_at",
    "updated_at",
)
_FLAGS = ("first_response_breached", "resolution_breached")


class _Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class _Sql:
    """The statements for one database kind (its placeholder) and how to read its values."""

    def __init__(self, dialect: str) -> None:
        self.sqlite = dialect == "sqlite"
        # SQLAlchemy's psycopg dialect casts every bound value to its column's type.
        marks = (
            {"text": "?", "int": "?", "moment": "?"}
            if self.sqlite
            else {
                "text": "%s::VARCHAR",
                "int": "%s::INTEGER",
                "moment": "%s::TIMESTAMP WITH TIME ZONE",
            }
        )
        self.marks = marks
        self.token = _TOKEN_SQL.format(**marks)
        self.touch = _TOUCH_SQL.format(**marks)
        self.ticket = _TICKET_SQL.format(**marks)
        self.order = _ORDER.format(**marks) + (_OFFSET.format(**marks) if self.sqlite else "")

    def merge(self, count: int) -> str:
        """The merge targets' query for ``count`` ticket ids."""
        return _MERGE_SQL.format(
            text=self.marks["text"], ids=", ".join([self.marks["int"]] * count)
        )

    def page_params(self, limit: int) -> tuple[int, ...]:
        return (limit + 1, 0) if self.sqlite else (limit + 1,)

    def moment(self, value: Any) -> datetime | None:
        """A stored time as an aware UTC datetime (SQLite stores naive UTC text)."""
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        moment: datetime = value
        return moment.astimezone(UTC)

    def bind_moment(self, value: datetime) -> Any:
        return value.replace(tzinfo=None).isoformat(" ") if self.sqlite else value


@functools.cache
def _sql_for(dialect: str) -> _Sql:
    return _Sql(dialect)


def _execute(cur: Any, sql: str, params: Sequence[Any] = ()) -> None:
    if TRACE is not None:
        TRACE.append(sql)
    cur.execute(sql, params)


def _iso(moment: datetime | None) -> str | None:
    """A UTC time as Pydantic writes it: ISO 8601 with ``Z``."""
    if moment is None:
        return None
    return moment.replace(tzinfo=None).isoformat() + "Z"


def _ticket_json(row: Sequence[Any], sql: _Sql) -> dict[str, Any]:
    out: dict[str, Any] = {name: row[_COL[name]] for name in _PLAIN}
    out["requester"] = row[_REQUESTER_NAME]
    out["assignee"] = row[_ASSIGNEE_NAME]
    # The data set links no inventory item: the real route's one query for the page's
    # asset tags is not sent, and the JSON check would catch a linked one.
    out["asset"] = None
    # Nor a merge: a closed ticket's merge target is looked up (_merge_targets) and none found.
    out["merged_into"] = None
    for name in _MOMENTS:
        out[name] = _iso(sql.moment(row[_COL[name]]))
    for name in _FLAGS:
        out[name] = bool(row[_COL[name]])
    running = row[_COL["status"]] in RUNNING_STATUSES and row[_COL["sla_paused_at"]] is None
    clock = due_clock(running=running, first_response_at=row[_COL["first_response_at"]])
    out["due_clock"] = str(clock) if clock is not None and out["due_at"] is not None else None
    return out


def _merge_targets(cur: Any, sql: _Sql, rows: Sequence[Sequence[Any]]) -> None:
    """What ``access.ticket_views`` asks of the closed tickets shown: what each was merged
    into. The data set merges none, so nothing is found (the JSON check would tell)."""
    closed = sorted(row[_COL["id"]] for row in rows if row[_COL["status"]] == "closed")
    if closed:
        _execute(cur, sql.merge(len(closed)), ("merged_into", *closed))
        cur.fetchall()


def _secret(request: Request) -> str:
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise _Refused(401, "missing API token")
    if not secret.startswith(_TOKEN_PREFIX) or len(secret) > 200:
        raise _Refused(401, "invalid API token")
    return secret


def _caller(cur: Any, sql: _Sql, secret: str, db: Database) -> tuple[int, str]:
    """The token's user (id, role) after the checks ``principal_for`` makes; touches it."""
    digest = hashlib.sha256(secret.encode("utf-8")).hexdigest()
    _execute(cur, sql.token, (digest,))
    row = cur.fetchone()
    if row is None:
        raise _Refused(401, "invalid API token")
    now = datetime.now(UTC)
    expires = sql.moment(row[_T_EXPIRES])
    if row[_T_REVOKED] is not None or (expires is not None and expires <= now):
        raise _Refused(401, f"API token {row[_T_PREFIX]}… was revoked or expired")
    if not row[_U_ACTIVE]:
        raise _Refused(401, f"user {row[_U_USERNAME]!r} is deactivated")
    if row[_T_KIND] == "agent":
        raise _Refused(403, "agent tokens may only send diagnostic reports")
    last_used = sql.moment(row[_T_LAST_USED])
    if last_used is None or now - last_used >= _TOUCH_EVERY:
        _touch(db, sql, row[_T_ID], now)
    return int(row[_U_ID]), str(row[_U_ROLE])


def _touch(db: Database, sql: _Sql, token_id: int, now: datetime) -> None:
    """As ``itsm.api.deps`` does it: once a minute, in a short write transaction of its
    own on a second pooled connection; best effort."""
    conn = db.engine.raw_connection()
    try:
        cur = conn.cursor()
        if sql.sqlite:
            _execute(cur, "BEGIN IMMEDIATE")  # what a writing session begins with
        _execute(cur, sql.touch, (sql.bind_moment(now), token_id))
        cur.close()
        conn.commit()
    except Exception:  # a usage timestamp must not fail the request
        conn.rollback()
    finally:
        conn.close()


def _json(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(body, status_code=status, media_type="application/json")


def _in_transaction(
    request: Request, work: Callable[[Any, _Sql, tuple[int, str]], Any]
) -> Response:
    """A read-only unit of work on a raw pooled connection: BEGIN, token, ``work``, COMMIT."""
    db: Database = request.app.state.db
    try:
        secret = _secret(request)
        conn = db.engine.raw_connection()
        try:
            sql = _sql_for(db.engine.dialect.name)
            cur = conn.cursor()
            if sql.sqlite:
                _execute(cur, "BEGIN DEFERRED")  # what a read-only session begins with
            data = work(cur, sql, _caller(cur, sql, secret, db))
            cur.close()
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.close()  # back to the pool
    except _Refused as exc:
        return _json({"status": exc.status, "detail": exc.detail}, exc.status)
    return _json(data)


def bare_get_ticket(request: Request) -> Response:
    """``GET /bare/tickets/{id}``: one ticket, as ``GET /api/v1/tickets/{id}`` gives it."""
    ticket_id: int = request.path_params["ticket_id"]

    def work(cur: Any, sql: _Sql, who: tuple[int, str]) -> Any:
        if ticket_id > 2**62:
            raise _Refused(404, f"ticket '{ticket_id}' does not exist")
        _execute(cur, sql.ticket, (ticket_id,))
        row = cur.fetchone()
        user_id, role = who
        if row is None or (role not in _STAFF and row[_COL["requester_id"]] != user_id):
            raise _Refused(404, f"ticket '{ticket_id}' does not exist")
        _merge_targets(cur, sql, [row])
        return _ticket_json(row, sql)

    return _in_transaction(request, work)


def bare_list_tickets(request: Request) -> Response:
    """``GET /bare/tickets?limit=N&status=S...``: the first page, newest first (staff)."""
    query = request.query_params
    try:
        limit = int(query.get("limit", "20"))
    except ValueError:
        limit = 0
    asked = query.getlist("status")
    if not 1 <= limit <= MAX_PAGE or any(s not in _STATUSES for s in asked):
        return _json({"status": 422, "detail": "limit 1-500; status one of the statuses"}, 422)
    statuses = [s for s in _STATUSES if s in asked]

    def work(cur: Any, sql: _Sql, who: tuple[int, str]) -> Any:
        if who[1] not in _STAFF:
            raise _Refused(403, "the bare list serves staff tokens only")
        where = ""
        if statuses:
            where = " \nWHERE tickets.status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"
        _execute(cur, f"{_TICKETS_FROM}{where} {sql.order}", sql.page_params(limit))
        rows = cur.fetchall()
        _merge_targets(cur, sql, rows[:limit])
        items = [_ticket_json(row, sql) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = rows[limit - 1]
            created = sql.moment(last[_COL["created_at"]])
            assert created is not None
            key = json.dumps(
                {"s": "newest", "k": [created.isoformat(), last[_COL["id"]]]},
                separators=(",", ":"),
            )
            next_cursor = _b64(key)
        return {"items": items, "next_cursor": next_cursor}

    return _in_transaction(request, work)


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def create_app(settings: Settings | None = None) -> FastAPI:
    """The real app of ``itsm serve`` with the bare routes added."""
    app = create_real_app(settings if settings is not None else load_settings())
    app.router.routes.append(
        Route(f"{BARE_PREFIX}/tickets/{{ticket_id:int}}", bare_get_ticket, methods=["GET"])
    )
    app.router.routes.append(Route(f"{BARE_PREFIX}/tickets", bare_list_tickets, methods=["GET"]))
    return app


def main(argv: list[str] | None = None) -> None:
    """Serve :func:`create_app` with uvicorn exactly as ``itsm serve`` does (one worker)."""
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m benchmarks.api_bare")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    cfg = load_settings()
    uvicorn.run(
        "benchmarks.api_bare:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=1,
        log_level=cfg.log_level.lower(),
        proxy_headers=False,
        server_header=False,
    )


if __name__ == "__main__":
    main()
