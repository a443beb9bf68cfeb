"""itsm.db.bulk, the import's writer, on both databases: rows read back as the ORM
wrote them, in many statements, and ids that follow the table's own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from itsm.db import bulk
from itsm.tickets.models import Ticket, TicketEvent
from tests.factories import make_ticket

EVENT_COLUMNS = ("ticket_id", "actor_id", "kind", "field", "old_value", "new_value", "created_at")


def _table(model: type[Ticket | TicketEvent]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def test_rows_read_back_through_the_orm_as_written(session: Session) -> None:
    ticket = make_ticket(session)
    session.flush()
    start = datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC)
    paris = ZoneInfo("Europe/Paris")
    moments = [
        (start + timedelta(seconds=i)).astimezone(paris) for i in range(bulk.SQLITE_ROWS + 3)
    ]
    time = bulk.time_text(session)
    rows = (
        (ticket.id, None, "field_changed", "title", None, f"v{i}", time(at))
        for i, at in enumerate(moments)
    )
    bulk.insert_rows(session, _table(TicketEvent), EVENT_COLUMNS, rows)  # a generator, too
    session.expire_all()
    written = session.execute(
        select(TicketEvent.new_value, TicketEvent.created_at)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "field_changed")
        .order_by(TicketEvent.id)
    ).all()
    assert [(value, at) for value, at in written] == [
        (f"v{i}", at.astimezone(UTC)) for i, at in enumerate(moments)
    ]


def test_reserved_ids_follow_the_tables_and_are_new(session: Session) -> None:
    first = make_ticket(session)
    session.flush()
    ids = bulk.reserve_ids(session, _table(Ticket), 3)
    assert len(ids) == 3
    assert ids == sorted(ids)
    assert min(ids) > first.id
    assert session.scalars(select(Ticket.id).where(Ticket.id.in_(ids))).all() == []


def test_no_rows_write_nothing(session: Session) -> None:
    bulk.insert_rows(session, _table(TicketEvent), EVENT_COLUMNS, [])
    assert session.scalars(select(TicketEvent.id)).all() == []
