"""Ticket numbers across committed transactions: a rolled-back ticket gives its number back."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from itsm.db.runtime import Database
from itsm.tickets import creation, numbering
from itsm.tickets import service as tickets
from itsm.tickets.models import Ticket, TicketEvent
from itsm.tickets.schemas import TicketCreate
from itsm.users import service as users
from tests.factories import make_ticket, make_user

UTC_ZONE = ZoneInfo("UTC")


class ChangedMind(Exception):
    pass


def _requester(db: Database) -> int:
    with db.session() as session:
        return make_user(session, username="ana").id


def _create(db: Database, requester_id: int) -> str:
    with db.session() as session:
        return make_ticket(session, requester=users.get_user(session, ref=requester_id)).number


def _create_then_fail(db: Database, requester_id: int) -> None:
    with db.session() as session:
        doomed = make_ticket(session, requester=users.get_user(session, ref=requester_id))
        assert doomed.number.endswith("-0002")  # the number was taken inside the transaction
        raise ChangedMind(doomed.number)


def test_rolled_back_creation_does_not_consume_a_number(db: Database) -> None:
    requester_id = _requester(db)
    first = _create(db, requester_id)
    assert first.endswith("-0001")
    with pytest.raises(ChangedMind):
        _create_then_fail(db, requester_id)
    second = _create(db, requester_id)
    assert second == first[:-4] + "0002"

    with db.session(write=False) as session:
        numbers = session.scalars(select(Ticket.number).order_by(Ticket.id)).all()
        assert numbers == [first, second]
        counter = session.scalar(
            text("SELECT last_value FROM ticket_counters WHERE day = :d"), {"d": first[4:12]}
        )
        assert counter == 2
        created = session.scalar(
            select(func.count()).select_from(TicketEvent).where(TicketEvent.kind == "created")
        )
        assert created == 2


def test_counter_rows_are_per_day(db: Database) -> None:
    requester_id = _requester(db)
    numbers = []
    for moment in (
        datetime(2031, 1, 1, 12, tzinfo=UTC),
        datetime(2031, 2, 1, 12, tzinfo=UTC),
        datetime(2031, 1, 1, 13, tzinfo=UTC),
    ):
        with db.session() as session:
            requester = users.get_user(session, ref=requester_id)
            data = TicketCreate(title="Dated", category="other", requester_id=requester_id)
            ticket = creation.create_ticket(
                session, data=data, actor=requester, zone=UTC_ZONE, now=moment
            )
            numbers.append(ticket.number)
    assert numbers == ["TKT-20310101-0001", "TKT-20310201-0001", "TKT-20310101-0002"]
    with db.session(write=False) as session:
        rows = session.execute(text("SELECT day, last_value FROM ticket_counters ORDER BY day"))
        assert [tuple(r) for r in rows] == [("20310101", 2), ("20310201", 1)]


def test_an_import_and_single_tickets_share_one_counter(db: Database) -> None:
    """``numbering.reserve`` of many (an import) and of one (a new ticket) follow each other."""
    with db.session() as session:
        assert numbering.reserve(session, day="20310301") == 1
        assert numbering.reserve(session, day="20310301", count=5) == 6
        assert numbering.reserve(session, day="20310301") == 7
        assert numbering.reserve(session, day="20310302", count=3) == 3
    with db.session(write=False) as session:
        rows = session.execute(text("SELECT day, last_value FROM ticket_counters ORDER BY day"))
        assert [tuple(r) for r in rows] == [("20310301", 7), ("20310302", 3)]


def test_ticket_found_by_number_from_another_session(db: Database) -> None:
    number = _create(db, _requester(db))
    with db.session(write=False) as session:
        assert tickets.get_ticket(session, ref=number.lower()).number == number
