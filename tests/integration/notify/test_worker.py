"""The worker: claims, delivers in-app messages once, retries with backoff, dead-letters."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from itsm.accounts.principal import Principal
from itsm.config import Settings
from itsm.db.base import utcnow
from itsm.db.runtime import Database, open_database
from itsm.errors import Forbidden
from itsm.notify import dead_letters, fanout, inapp
from itsm.notify.channels import Delivery, Permanent, Transient
from itsm.notify.config import NotifySettings
from itsm.notify.inapp import InApp
from itsm.notify.models import Channel, Notification, OutboxMessage, OutboxState
from itsm.notify.worker import Worker, backoff, claim, in_background, release
from itsm.users import service as users
from tests.factories import make_ticket, make_user


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = open_database(settings)
    yield database
    database.dispose()


class Failing:
    """A channel whose server always answers with ``error``; counts the tries."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.tries = 0

    def prepare(self, session: object, delivery: Delivery) -> Delivery:
        return delivery

    def send(self, delivery: Delivery) -> None:
        self.tries += 1
        raise self.error

    def close(self) -> None:
        pass

    def record(self, session: object, delivery: Delivery) -> None:
        raise AssertionError("a failed send is never recorded")

    def failed(self, session: object, message: object, failure: object) -> None:
        pass


def _rows(db: Database, channel: str | None = None) -> list[OutboxMessage]:
    fanout.expand(db)  # the worker's first step: the told events' messages
    with db.session(write=False) as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if channel is not None:
            query = query.where(OutboxMessage.channel == channel)
        return list(session.scalars(query))


def test_in_app_messages_are_delivered_once_in_each_recipients_language(db: Database) -> None:
    with db.session() as session:
        tech = make_user(session, role="technician", email="tech@example.org")
        tech.language = "en"
        ana = make_user(session, email="ana@example.org")  # no language: the setting's (es)
        ticket = make_ticket(session, requester=ana, actor=ana, title="Printer <jams>")
    tally = Worker(db).run(once=True)
    assert (tally.sent, tally.retried, tally.dead) == (2, 0, 0)
    with db.session(write=False) as session:
        texts = {n.user_id: n.text for n in session.scalars(select(Notification))}
    assert texts == {
        ana.id: f"Hemos recibido su incidencia {ticket.number}: Printer <jams>",
        tech.id: f"New unassigned ticket {ticket.number}: Printer <jams>",
    }
    assert {m.state for m in _rows(db, Channel.IN_APP)} == {OutboxState.SENT}
    assert _rows(db, Channel.EMAIL) == []  # no SMTP server here: no email written
    # A second run has nothing to do, and a message replayed by a lease that ran out
    # after its notification was written does not notify twice.
    assert Worker(db).run(once=True).sent == 0
    with db.session() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.channel == Channel.IN_APP)
            .values(state=OutboxState.PENDING, available_at=utcnow())
        )
    assert Worker(db).run(once=True).sent == 2
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == 2


def test_a_claimed_batch_is_no_one_elses_until_its_lease_ends(db: Database) -> None:
    with db.session() as session:
        make_user(session, role="technician")
        make_ticket(session)
    fanout.expand(db)  # the worker's first step: the told events' messages
    cfg = db.settings.notify
    now = utcnow()
    first = claim(db, cfg=cfg, channels=[Channel.IN_APP], now=now)
    assert len(first) == 2
    assert claim(db, cfg=cfg, channels=[Channel.IN_APP], now=now) == []
    later = now + timedelta(seconds=cfg.lease_seconds + 1)
    assert claim(db, cfg=cfg, channels=[Channel.IN_APP], now=later) == first
    assert {m.attempts for m in _rows(db, Channel.IN_APP)} == {2}
    release(db, first, now=later)
    assert {m.attempts for m in _rows(db, Channel.IN_APP)} == {1}
    assert claim(db, cfg=cfg, channels=[Channel.IN_APP], now=later) == first


def test_a_transient_failure_waits_longer_each_time_then_is_given_up(db: Database) -> None:
    with db.session() as session:
        make_user(session, role="technician")
        make_ticket(session)
    away = Failing(Transient("connection refused"))
    worker = Worker(db, channels={Channel.IN_APP: away}, rng=random.Random(7))
    before = utcnow()
    assert worker.run(once=True).retried == 2
    cfg = db.settings.notify
    for message in _rows(db, Channel.IN_APP):
        assert message.state == OutboxState.PENDING
        assert message.attempts == 1
        assert message.last_error == "connection refused"
        wait = (message.available_at - before).total_seconds()
        assert cfg.retry_base_seconds / 2 <= wait <= cfg.retry_base_seconds + 5
    assert worker.run(once=True).retried == 0  # not due yet
    # Past the maximum age, the next failure dead-letters the message.
    with db.session() as session:
        session.execute(
            update(OutboxMessage).values(
                available_at=utcnow(), created_at=utcnow() - timedelta(hours=cfg.max_age_hours)
            )
        )
    assert worker.run(once=True).dead == 2
    assert {m.state for m in _rows(db, Channel.IN_APP)} == {OutboxState.DEAD}
    assert away.tries == 4


def test_a_permanent_failure_or_an_unexpected_error_is_handled(db: Database) -> None:
    with db.session() as session:
        make_user(session, role="technician")
        make_ticket(session)
    refused = Failing(Permanent("550 no such mailbox"))
    assert Worker(db, channels={Channel.IN_APP: refused}).run(once=True).dead == 2
    assert {m.last_error for m in _rows(db)} >= {"550 no such mailbox"}
    with db.session() as session:
        make_ticket(session)
    broken = Failing(OSError(101, "Network is unreachable"))
    assert Worker(db, channels={Channel.IN_APP: broken}).run(once=True).retried == 2
    errors = {m.last_error for m in _rows(db, Channel.IN_APP) if m.state == OutboxState.PENDING}
    assert errors == {"OSError: [Errno 101] Network is unreachable"}


def test_a_deactivated_recipient_is_not_told(db: Database) -> None:
    with db.session() as session:
        tech = make_user(session, role="technician")
        make_ticket(session)
    fanout.expand(db)
    with db.session() as session:  # after the message was written: they left meanwhile
        users.deactivate_user(session, who=None, ref=tech.id)
    tally = Worker(db).run(once=True)
    assert (tally.sent, tally.dead) == (1, 1)
    dead = [m for m in _rows(db) if m.state == OutboxState.DEAD]
    assert [(m.recipient_id, m.last_error) for m in dead] == [
        (tech.id, "the recipient is no longer an active user")
    ]


def test_backoff_doubles_to_its_cap_with_jitter() -> None:
    cfg = NotifySettings(retry_base_seconds=10, retry_max_seconds=100)
    rng = random.Random(1)
    for attempts, ceiling in [(1, 10), (2, 20), (3, 40), (4, 80), (5, 100), (60, 100)]:
        waits = [backoff(attempts, cfg, rng).total_seconds() for _ in range(50)]
        assert all(ceiling / 2 <= w <= ceiling for w in waits)
        assert len(set(waits)) > 1


def test_admins_list_and_requeue_dead_letters(db: Database) -> None:
    with db.session() as session:
        admin = make_user(session, role="admin")
        tech = make_user(session, role="technician")
        make_ticket(session)
    Worker(db, channels={Channel.IN_APP: Failing(Permanent("refused"))}).run(once=True)
    with db.session() as session:
        with pytest.raises(Forbidden):
            dead_letters.failed(session, who=Principal(user=tech), limit=10)
        found = dead_letters.failed(session, who=Principal(user=admin), limit=10)
        assert len(found) == 3  # the requester's confirmation and the two staff's news
        assert found[0].id > found[1].id
        with pytest.raises(Forbidden):
            dead_letters.retry(session, who=Principal(user=tech), ids=None)
        assert dead_letters.retry(session, who=Principal(user=admin), ids=[found[0].id]) == 1
    assert Worker(db).run(once=True).sent == 1
    with db.session() as session:
        assert len(dead_letters.failed(session, who=Principal(user=admin), limit=10)) == 2


def test_people_read_and_mark_only_their_own_notifications(db: Database) -> None:
    with db.session() as session:
        tech = make_user(session, role="technician")
        other = make_user(session, role="technician")
        for _ in range(3):
            make_ticket(session)
    Worker(db, channels={Channel.IN_APP: InApp()}).run(once=True)
    with db.session() as session:
        mine = inapp.listed(session, user=tech, limit=2)
        assert len(mine) == 2
        assert mine[0].id > mine[1].id
        rest = inapp.listed(session, user=tech, before=mine[-1].id, limit=2)
        assert len(rest) == 1
        theirs = inapp.listed(session, user=other, limit=10)
        assert inapp.mark_read(session, user=tech, ids=[theirs[0].id]) == 0
        assert inapp.mark_read(session, user=tech, ids=[mine[0].id]) == 1
        assert inapp.unread_count(session, user=tech) == 2
        assert [n.id for n in inapp.listed(session, user=tech, unread=True, limit=10)] == [
            mine[1].id,
            rest[0].id,
        ]
        assert inapp.mark_read(session, user=tech, ids=None) == 2
        assert inapp.unread_count(session, user=tech) == 0
        assert inapp.unread_count(session, user=other) == 3


def test_ids_no_row_can_have_match_nothing_and_fail_nothing(db: Database) -> None:
    """PostgreSQL refuses an INTEGER comparison past 2**31: such ids mean "none"."""
    with db.session() as session:
        admin = make_user(session, role="admin")
        make_ticket(session)
    Worker(db).run(once=True)
    huge = 2**63 - 2
    with db.session() as session:
        assert len(inapp.listed(session, user=admin, before=huge, limit=10)) == 1
        assert inapp.mark_read(session, user=admin, ids=[huge, 0, -5]) == 0
        assert dead_letters.failed(session, who=Principal(user=admin), before=huge, limit=5) == []
        assert dead_letters.retry(session, who=Principal(user=admin), ids=[huge]) == 0
        assert inapp.unread_count(session, user=admin) == 1


def test_the_in_server_worker_is_woken_only_by_commits_that_may_tell_someone(
    db: Database,
) -> None:
    """``serve --with-worker``: a commit with no ticket event (a new user) wakes nothing;
    a new ticket wakes the worker. The bus calls back in the committing thread, so the
    count is final when the commit returns."""
    nudges: list[int] = []
    with in_background(db) as runner:
        runner.nudge = lambda: nudges.append(1)  # type: ignore[method-assign]
        with db.session() as session:
            requester = make_user(session)
        assert nudges == []
        with db.session() as session:
            make_ticket(session, requester=session.merge(requester))
        assert nudges == [1]
