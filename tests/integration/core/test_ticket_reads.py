"""The API's fast reads give what the ORM path gives: same data, same SQL, same rules."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, bindparam, event, select, update
from sqlalchemy.orm import Session

from itsm.accounts import service as accounts
from itsm.accounts.errors import BadCredentials
from itsm.accounts.models import ApiToken, TokenKind
from itsm.accounts.schemas import TokenCreate
from itsm.db.base import utcnow
from itsm.errors import Forbidden
from itsm.tickets import access, reads
from itsm.tickets import service as tickets
from itsm.tickets.errors import InvalidCursor, TicketNotFound
from itsm.tickets.models import Category, Priority, Status, Ticket
from itsm.tickets.queries import Sort
from itsm.tickets.schemas import TicketFilters, ticket_read
from itsm.users.models import User
from tests.factories import make_ticket, make_user


def _json(data: Any) -> Any:
    """What the API sends, read back: the fast path's dicts and the models alike."""
    from pydantic_core import to_json

    return json.loads(to_json(data))


def _orm(ticket: Ticket) -> Any:
    return json.loads(ticket_read(ticket).model_dump_json())


@pytest.fixture
def desk(session: Session) -> dict[str, Any]:
    ana = make_user(session, username="ana")
    pedro = make_user(session, username="pedro")
    tech = make_user(session, role="technician", username="tech")
    made = []
    for i in range(13):
        made.append(
            make_ticket(
                session,
                requester=ana if i % 2 == 0 else pedro,
                title=f"Problem {i}",
                priority=list(Priority)[i % 4].value,
                category=list(Category)[i % 5].value,
                assignee_id=tech.id if i % 3 == 0 else None,
            )
        )
    tickets.change_status(session, ref=made[1].id, status=Status.IN_PROGRESS, actor=tech)
    tickets.change_status(session, ref=made[2].id, status=Status.RESOLVED, actor=tech, note="Ok.")
    session.flush()
    session.expire_all()
    return {"ana": ana, "pedro": pedro, "tech": tech, "tickets": made}


def test_one_ticket_is_the_orm_path_s_json(session: Session, desk: dict[str, Any]) -> None:
    tech, ana = desk["tech"], desk["ana"]
    for t in desk["tickets"]:
        for ref in (t.id, str(t.id), t.number, t.number.lower()):
            want = _orm(access.visible_ticket(session, ref=ref, viewer=tech))
            assert _json(reads.visible_ticket(session, ref=ref, viewer=tech)) == want
    own = desk["tickets"][0]
    assert reads.visible_ticket(session, ref=own.id, viewer=ana)["requester"] == "ana"


@pytest.mark.parametrize("ref", ["999999", "TKT-20000101-0001", "nonsense", "9" * 30, "a\x00b"])
def test_unknown_or_impossible_references_are_not_found(
    session: Session, desk: dict[str, Any], ref: str
) -> None:
    with pytest.raises(TicketNotFound) as fast:
        reads.visible_ticket(session, ref=ref, viewer=desk["tech"])
    with pytest.raises(TicketNotFound) as slow:
        access.visible_ticket(session, ref=ref, viewer=desk["tech"])
    assert str(fast.value) == str(slow.value)


def test_end_users_do_not_see_other_people_s_tickets(
    session: Session, desk: dict[str, Any]
) -> None:
    pedros = desk["tickets"][1]
    with pytest.raises(TicketNotFound) as fast:
        reads.visible_ticket(session, ref=pedros.number, viewer=desk["ana"])
    assert "does not exist" in str(fast.value)


def _pages(session: Session, viewer: User, fast: bool, **kwargs: Any) -> list[Any]:
    """Every page, walked by cursor, as JSON; and each page's next cursor."""
    out: list[Any] = []
    cursor: str | None = None
    while True:
        if fast:
            items, cursor = reads.list_page(session, viewer=viewer, cursor=cursor, **kwargs)
            out.append((_json(items), cursor))
        else:
            rows, cursor = access.list_page(session, viewer=viewer, cursor=cursor, **kwargs)
            views = access.ticket_views(session, viewer=viewer, tickets=rows)
            out.append(([json.loads(v.model_dump_json()) for v in views], cursor))
        if cursor is None:
            return out


@pytest.mark.parametrize("sort", list(Sort))
@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"status": [Status.OPEN]},
        {"status": [Status.PENDING, Status.OPEN, Status.IN_PROGRESS]},
        {"priority": [Priority.HIGH, Priority.LOW], "category": [Category.HARDWARE]},
        {"unassigned": True},
        {"assignee": "tech"},
        {"requester": "pedro"},
        {"text": "Problem"},
    ],
)
def test_every_page_is_the_orm_path_s(
    session: Session, desk: dict[str, Any], sort: Sort, filters: dict[str, Any]
) -> None:
    for limit in (1, 4, 20):
        kwargs = {"filters": TicketFilters(**filters), "sort": sort, "limit": limit}
        want = _pages(session, desk["tech"], False, **kwargs)
        assert _pages(session, desk["tech"], True, **kwargs) == want
        if limit == 4 and not filters:
            assert len(want) == 4  # 13 tickets: the cursor was walked


def test_end_users_page_through_their_own_tickets_only(
    session: Session, desk: dict[str, Any]
) -> None:
    ana = desk["ana"]
    kwargs = {"filters": TicketFilters(), "sort": Sort.NEWEST, "limit": 3}
    pages = _pages(session, ana, True, **kwargs)
    assert pages == _pages(session, ana, False, **kwargs)
    assert {item["requester"] for items, _ in pages for item in items} == {"ana"}
    with pytest.raises(Forbidden):
        reads.list_page(session, viewer=ana, filters=TicketFilters(requester="pedro"))


def test_a_bad_cursor_is_refused(session: Session, desk: dict[str, Any]) -> None:
    with pytest.raises(InvalidCursor):
        reads.list_page(session, viewer=desk["tech"], filters=TicketFilters(), cursor="x")
    _, cursor = reads.list_page(session, viewer=desk["tech"], filters=TicketFilters(), limit=2)
    assert cursor is not None
    with pytest.raises(InvalidCursor, match="another sort order"):
        reads.list_page(
            session, viewer=desk["tech"], filters=TicketFilters(), sort=Sort.OLDEST, cursor=cursor
        )


def test_the_statements_are_the_orm_s(engine: Engine) -> None:
    """Same SQL as the ORM path (what the API benchmark's bare twin runs by hand)."""
    dialect = engine.dialect
    orm = select(Ticket).where(Ticket.id == bindparam("ticket_id"))
    assert str(reads._BY_ID.compile(dialect=dialect)) == str(orm.compile(dialect=dialect))
    users = (
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == bindparam("token_hash"))
    )
    core = accounts._TOKEN_ROW_BY_HASH
    assert str(core.compile(dialect=dialect)) == str(users.compile(dialect=dialect))


def test_a_page_sends_the_orm_path_s_statements(session: Session, desk: dict[str, Any]) -> None:
    seen: list[str] = []

    def capture(*args: Any) -> None:
        seen.append(str(args[2]))

    bind = session.get_bind()
    filters = TicketFilters(status=[Status.OPEN])
    assert desk["tech"].is_staff  # loaded before the capture
    event.listen(bind, "before_cursor_execute", capture)
    try:
        _, cursor = access.list_page(session, viewer=desk["tech"], filters=filters, limit=2)
        access.list_page(session, viewer=desk["tech"], filters=filters, limit=2, cursor=cursor)
        orm, seen[:] = list(seen), []
        reads.list_page(session, viewer=desk["tech"], filters=filters, limit=2)
        reads.list_page(session, viewer=desk["tech"], filters=filters, limit=2, cursor=cursor)
    finally:
        event.remove(bind, "before_cursor_execute", capture)
    assert [_placeholders(s) for s in seen] == [_placeholders(s) for s in orm]


def _placeholders(sql: str) -> str:
    return re.sub(r"%\(\w+\)s", "?", sql)  # param_1 against k0


def _token(session: Session, user: User, **fields: Any) -> tuple[int, str]:
    token, secret = accounts.create_token(session, owner=user, data=TokenCreate(name="t"))
    if fields:
        session.execute(update(ApiToken).where(ApiToken.id == token.id).values(**fields))
    session.expire_all()
    return token.id, secret


def test_the_reader_s_principal_is_principal_for_s(session: Session) -> None:
    tech = make_user(session, role="technician", username="tech2")
    token_id, secret = _token(session, tech)
    slow = accounts.principal_for(session, secret=secret)
    fast = accounts.reader_principal_for(session, secret=secret)
    assert (fast.token_id, fast.token_kind, fast.touch_due) == (token_id, TokenKind.PERSONAL, True)
    assert (slow.token_id, slow.token_kind, slow.touch_due) == (token_id, TokenKind.PERSONAL, True)
    for name in ("id", "username", "role", "is_active", "full_name", "email", "department"):
        assert getattr(fast.user, name) == getattr(slow.user, name)
    assert fast.user.is_staff
    accounts.touch_token(session, token_id=token_id)
    assert not accounts.reader_principal_for(session, secret=secret).touch_due


@pytest.mark.parametrize("case", ["revoked", "expired", "deactivated", "unknown", "malformed"])
def test_the_reader_refuses_what_principal_for_refuses(session: Session, case: str) -> None:
    user = make_user(session, username=f"u_{case}")
    now = utcnow()
    fields = {
        "revoked": {"revoked_at": now},
        "expired": {"expires_at": now - timedelta(seconds=1)},
    }.get(case, {})
    _, secret = _token(session, user, **fields)
    if case == "deactivated":
        session.execute(update(User).where(User.id == user.id).values(is_active=False))
    secret = {"unknown": secret[:-1] + "x", "malformed": "nonsense"}.get(case, secret)
    with pytest.raises(BadCredentials) as fast:
        accounts.reader_principal_for(session, secret=secret)
    with pytest.raises(BadCredentials) as slow:
        accounts.principal_for(session, secret=secret)
    assert str(fast.value) == str(slow.value)
