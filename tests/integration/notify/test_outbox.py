"""The outbox: messages written in the changing transaction, to whom the policy says."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from itsm.config import Settings
from itsm.db.runtime import Database, open_database
from itsm.notify import fanout, prefs
from itsm.notify.config import EmailSettings, SmtpSettings
from itsm.notify.models import Channel, NotifyEvent, NotifyKind, OutboxMessage, OutboxState
from itsm.tickets import service as tickets
from itsm.tickets.models import Status
from itsm.tickets.schemas import CommentCreate
from tests.factories import make_ticket, make_user


class RolledBack(Exception):
    pass


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    """The database of an installation that sends email (an SMTP server is set)."""
    mail = EmailSettings(smtp=SmtpSettings(host="smtp.example.org"))
    database = open_database(settings.model_copy(update={"email": mail}))
    yield database
    database.dispose()


def test_without_an_smtp_server_no_email_message_is_written(settings: Settings) -> None:
    database = open_database(settings)
    try:
        with database.session() as session:
            tech = make_user(session, role="technician", email="tech@example.org")
            ana = make_user(session, email="ana@example.org")
            make_ticket(session, requester=ana, actor=ana)
        assert _outbox(database) == sorted(
            [
                (ana.id, NotifyKind.TICKET_CREATED, Channel.IN_APP),
                (tech.id, NotifyKind.NEW_TICKET, Channel.IN_APP),
            ]
        )
    finally:
        database.dispose()


def _outbox(db: Database) -> list[tuple[int, str, str]]:
    """(recipient, kind, channel) of every person's outbox row, in a stable order, once
    the worker's first step turned the told events into messages."""
    fanout.expand(db)
    with db.session(write=False) as session:
        rows = session.scalars(select(OutboxMessage)).all()
        return sorted((r.recipient_id, r.kind, r.channel) for r in rows if r.recipient_id)


def _both(user_id: int, kind: NotifyKind) -> list[tuple[int, str, str]]:
    return [(user_id, kind, Channel.EMAIL), (user_id, kind, Channel.IN_APP)]


def test_a_new_ticket_confirms_to_its_requester_and_tells_staff(db: Database) -> None:
    with db.session() as session:
        tech = make_user(session, role="technician", email="tech@example.org")
        ana = make_user(session, email="ana@example.org")
        ticket = make_ticket(session, requester=ana, actor=ana)
    rows = _outbox(db)
    assert rows == sorted(
        _both(ana.id, NotifyKind.TICKET_CREATED) + _both(tech.id, NotifyKind.NEW_TICKET)
    )
    with db.session(write=False) as session:
        message = session.scalars(select(OutboxMessage).limit(1)).one()
        assert message.ticket_id == ticket.id
        assert message.state == OutboxState.PENDING
        assert message.attempts == 0
        tokens = session.scalars(select(OutboxMessage.token)).all()
        assert len(set(tokens)) == len(tokens) == 4


def _assign_then_fail(db: Database, ticket_id: int, tech_id: int) -> None:
    with db.session() as session:
        tickets.assign(session, ref=ticket_id, assignee_ref=tech_id, actor=None)
        raise RolledBack


def test_a_rolled_back_change_leaves_no_message(db: Database) -> None:
    with db.session() as session:
        tech = make_user(session, role="technician", email="tech@example.org")
        ana = make_user(session, email="ana@example.org")
        ticket = make_ticket(session, requester=ana, actor=ana)
    fanout.expand(db)
    with db.session() as session:
        before = session.scalar(select(func.count()).select_from(OutboxMessage))
    with pytest.raises(RolledBack):
        _assign_then_fail(db, ticket.id, tech.id)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(NotifyEvent)) == 0
    assert fanout.expand(db) == 0
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == before
        assert tickets.get_ticket(session, ref=ticket.id).assignee_id is None


def test_a_failing_outbox_write_fails_the_change(db: Database) -> None:
    """No change without its message: the outbox row is part of the transaction."""
    with db.session() as session:
        ana = make_user(session, email="ana@example.org")
        ticket = make_ticket(session, requester=ana, actor=ana)

    def explode(*_: object) -> None:
        raise RolledBack

    db.bus.before_commit.append(explode)
    with pytest.raises(RolledBack), db.session() as session:
        tickets.change_status(session, ref=ticket.id, status=Status.PENDING, actor=None)
    db.bus.before_commit.remove(explode)
    fanout.expand(db)
    with db.session(write=False) as session:
        assert tickets.get_ticket(session, ref=ticket.id).status == Status.OPEN
        assert (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.kind == "status")
            )
            == 0
        )


def test_an_internal_note_reaches_no_end_user_by_any_channel(db: Database) -> None:
    with db.session() as session:
        tech = make_user(session, role="technician", email="tech@example.org")
        ana = make_user(session, email="ana@example.org")
        ticket = make_ticket(session, requester=ana, actor=ana)
        tickets.assign(session, ref=ticket.id, assignee_ref=tech.id, actor=tech)
        prefs.set_preference(
            session, user=ana, kind=NotifyKind.COMMENT, channel=Channel.PUSH, enabled=True
        )
    before = _outbox(db)
    with db.session() as session:
        tickets.add_comment(
            session,
            ref=ticket.id,
            data=CommentCreate(body="the user broke it", is_internal=True),
            actor=tech,
        )
    assert _outbox(db) == before
    with db.session() as session:
        tickets.add_comment(session, ref=ticket.id, data=CommentCreate(body="fixed?"), actor=tech)
    new = [row for row in _outbox(db) if row not in before]
    assert new == sorted(
        [
            (ana.id, NotifyKind.COMMENT, Channel.EMAIL),
            (ana.id, NotifyKind.COMMENT, Channel.IN_APP),
            # Push, which she chose, is not delivered by this installation: no row.
        ]
    )


def test_the_requester_s_comment_goes_to_the_assignee_and_statuses_to_the_requester(
    db: Database,
) -> None:
    with db.session() as session:
        tech = make_user(session, role="technician", email="tech@example.org")
        other = make_user(session, role="technician", email="other@example.org")
        ana = make_user(session, email="ana@example.org")
        ticket = make_ticket(session, requester=ana, actor=ana)
        tickets.assign(session, ref=ticket.id, assignee_ref=tech.id, actor=other)
    seen = _outbox(db)
    assert [r for r in seen if r[1] == NotifyKind.ASSIGNED] == _both(tech.id, NotifyKind.ASSIGNED)
    with db.session() as session:
        tickets.add_comment(session, ref=ticket.id, data=CommentCreate(body="still"), actor=ana)
    comment = [r for r in _outbox(db) if r not in seen]
    assert comment == _both(tech.id, NotifyKind.COMMENT)
    seen = _outbox(db)
    with db.session() as session:
        tickets.change_status(
            session, ref=ticket.id, status=Status.RESOLVED, actor=tech, note="New toner."
        )
    resolved = [r for r in _outbox(db) if r not in seen]
    assert resolved == _both(ana.id, NotifyKind.STATUS)
    seen = _outbox(db)
    with db.session() as session:
        tickets.change_status(session, ref=ticket.id, status=Status.OPEN, actor=ana)
    assert [r for r in _outbox(db) if r not in seen] == _both(tech.id, NotifyKind.REOPENED)


def test_preferences_choose_the_channels_and_people_without_email_get_none(
    db: Database,
) -> None:
    with db.session() as session:
        make_user(session, role="technician")  # no email address
        ana = make_user(session, email="ana@example.org")
        prefs.set_preference(
            session, user=ana, kind=NotifyKind.TICKET_CREATED, channel=Channel.EMAIL, enabled=False
        )
        make_ticket(session, requester=ana, actor=ana)
    rows = _outbox(db)
    assert (ana.id, NotifyKind.TICKET_CREATED, Channel.IN_APP) in rows
    assert all(channel != Channel.EMAIL for _, _, channel in rows)
    with db.session(write=False) as session:
        chosen = prefs.preferences(session, user=ana)
    assert chosen[(NotifyKind.TICKET_CREATED, Channel.EMAIL)] is False
    assert chosen[(NotifyKind.COMMENT, Channel.EMAIL)] is True
    assert chosen[(NotifyKind.COMMENT, Channel.PUSH)] is True  # reaches subscribed browsers only
