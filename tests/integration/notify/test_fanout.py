"""The told events: one row per event written with the change, expanded into messages
by the worker exactly once, with the facts of the moment of the change."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from itsm.config import Settings
from itsm.db.runtime import Database, open_database
from itsm.notify import fanout
from itsm.notify.channels import delivered
from itsm.notify.models import NotifyEvent, NotifyKind, OutboxMessage
from itsm.tickets import service as tickets
from itsm.tickets.models import EventKind, Status
from itsm.tickets.schemas import CommentCreate
from tests.factories import make_ticket, make_user


class Crashed(Exception):
    pass


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = open_database(settings)
    yield database
    database.dispose()


def _count(db: Database, model: type[NotifyEvent] | type[OutboxMessage]) -> int:
    with db.session(write=False) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_change_writes_one_event_row_with_the_facts_of_its_moment(db: Database) -> None:
    with db.session() as session:
        tech = make_user(session, role="technician")
        ana = make_user(session)
        ticket = make_ticket(session, requester=ana, actor=ana)
    with db.session() as session:
        tickets.assign(session, ref=ticket.id, assignee_ref=tech.id, actor=tech)
        tickets.add_comment(session, ref=ticket.id, data=CommentCreate(body="On it."), actor=tech)
        tickets.change_status(session, ref=ticket.id, status=Status.PENDING, actor=tech)
    with db.session(write=False) as session:
        rows = session.scalars(select(NotifyEvent).order_by(NotifyEvent.id)).all()
        told = [(r.kind, r.actor_id, r.assignee_id, r.status, r.previous_status) for r in rows[-3:]]
    kinds = [EventKind.CREATED, EventKind.ASSIGNED, EventKind.COMMENTED, EventKind.STATUS_CHANGED]
    assert [r.kind for r in rows] == kinds
    assert told == [
        (EventKind.ASSIGNED, tech.id, tech.id, None, None),
        (EventKind.COMMENTED, tech.id, tech.id, None, None),
        (EventKind.STATUS_CHANGED, tech.id, tech.id, Status.PENDING, Status.OPEN),
    ]
    assert {(r.requester_id, r.category, r.internal) for r in rows} == {(ana.id, "hardware", False)}


def test_the_messages_tell_the_moment_of_the_change_not_the_expansion(db: Database) -> None:
    with db.session() as session:
        tina = make_user(session, role="technician")
        tom = make_user(session, role="technician")
        ana = make_user(session)
        ticket = make_ticket(session, requester=ana, actor=ana)
        tickets.assign(session, ref=ticket.id, assignee_ref=tina.id, actor=tina)
    fanout.expand(db)
    with db.session() as session:
        tickets.add_comment(session, ref=ticket.id, data=CommentCreate(body="Any news?"), actor=ana)
    with db.session() as session:  # before any worker ran: tina hands it to tom
        tickets.assign(session, ref=ticket.id, assignee_ref=tom.id, actor=tina)
    fanout.expand(db)
    with db.session(write=False) as session:
        told = session.execute(
            select(OutboxMessage.recipient_id, OutboxMessage.kind).where(
                OutboxMessage.kind.in_([NotifyKind.COMMENT, NotifyKind.ASSIGNED])
            )
        ).all()
    # Ana's comment went to whom the ticket was assigned when she wrote it.
    assert sorted(told) == sorted([(tina.id, NotifyKind.COMMENT), (tom.id, NotifyKind.ASSIGNED)])
    assert (tom.id, NotifyKind.COMMENT) not in told


def test_a_crash_before_the_commit_expands_again_and_never_twice(db: Database) -> None:
    with db.session() as session:
        make_user(session, role="technician")
        make_ticket(session)
    assert _count(db, NotifyEvent) == 1
    channels = delivered(db.settings)
    with pytest.raises(Crashed):
        _expand_then_crash(db, channels)
    assert (_count(db, NotifyEvent), _count(db, OutboxMessage)) == (1, 0)
    assert fanout.expand(db) == 1
    assert (_count(db, NotifyEvent), _count(db, OutboxMessage)) == (0, 2)
    assert fanout.expand(db) == 0
    assert _count(db, OutboxMessage) == 2


def _expand_then_crash(db: Database, channels: frozenset[str]) -> None:
    with db.session() as session:
        assert fanout.expand_batch(session, channels=channels, limit=10) == 1
        raise Crashed


def test_expansion_goes_in_batches_until_none_waits(db: Database) -> None:
    with db.session() as session:
        make_user(session, role="technician")
        ana = make_user(session)
        for _ in range(5):
            make_ticket(session, requester=ana, actor=ana)
    assert fanout.expand(db, batch=2) == 5
    assert (_count(db, NotifyEvent), _count(db, OutboxMessage)) == (0, 10)


def test_two_workers_never_take_the_same_event(db: Database) -> None:
    """PostgreSQL: a second worker skips the rows a first is expanding (SQLite has one
    writer at a time: the second would wait for the first's commit)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    with db.session() as session:
        make_user(session, role="technician")
        ana = make_user(session)
        make_ticket(session, requester=ana, actor=ana)
    channels = delivered(db.settings)
    with db.session() as first:
        assert fanout.expand_batch(first, channels=channels, limit=10) == 1
        with db.session() as second:
            assert fanout.expand_batch(second, channels=channels, limit=10) == 0
    assert (_count(db, NotifyEvent), _count(db, OutboxMessage)) == (0, 2)
