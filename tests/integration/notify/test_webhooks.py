"""Webhooks against a real HTTP receiver: outbox rows in the change's transaction,
signed deliveries, the Slack format, retries, give-ups, disabling after failures and
the address checks at delivery."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from itsm.accounts.principal import Principal
from itsm.config import Settings
from itsm.db.base import utcnow
from itsm.db.runtime import Database, open_database
from itsm.notify import fanout
from itsm.notify.config import NotifySettings
from itsm.notify.models import OutboxChannel, OutboxMessage, OutboxState
from itsm.notify.worker import Worker
from itsm.tickets import service as tickets
from itsm.tickets.models import Status
from itsm.tickets.schemas import CommentCreate
from itsm.webhooks import service as webhooks
from itsm.webhooks.config import WebhookSettings
from itsm.webhooks.errors import RefusedAddress
from itsm.webhooks.models import Webhook, WebhookEvent
from itsm.webhooks.schemas import WebhookCreate
from tests.factories import make_ticket, make_user
from tests.webhook_receiver import webhook_receiver

ALL = list(WebhookEvent)


@contextmanager
def _desk(settings: Settings, **hooks: Any) -> Iterator[Database]:
    """The database, posting to local receivers (``allow_private``) unless told otherwise."""
    cfg = WebhookSettings(**{"allow_private": True, **hooks})
    notify = NotifySettings(retry_base_seconds=60)
    email = settings.email.model_copy(update={"base_url": "https://desk.example.org"})
    db = open_database(
        settings.model_copy(update={"webhooks": cfg, "notify": notify, "email": email})
    )
    try:
        yield db
    finally:
        db.dispose()


def _hook(
    db: Database, url: str, *, events: list[WebhookEvent] = ALL, fmt: str = "generic"
) -> tuple[int, str]:
    with db.session() as session:
        admin = make_user(session, role="admin", full_name="Ada Admin")
        data = WebhookCreate(name=f"hook-{url[-12:]}-{fmt}", url=url, events=events, format=fmt)
        hook, secret = webhooks.add(
            session, who=Principal(user=admin), data=data, cfg=db.settings.webhooks
        )
        return hook.id, secret


def _rows(db: Database) -> list[OutboxMessage]:
    fanout.expand(db)  # the worker's first step: the told events' messages
    with db.session(write=False) as session:
        query = select(OutboxMessage).where(OutboxMessage.channel == OutboxChannel.WEBHOOK)
        return list(session.scalars(query.order_by(OutboxMessage.id)))


def _due_now(db: Database) -> None:
    with db.session() as session:
        session.execute(update(OutboxMessage).values(available_at=utcnow()))


def _webhook(db: Database, hook_id: int) -> Webhook:
    with db.session(write=False) as session:
        found = session.get(Webhook, hook_id)
        assert found is not None
        return found


def test_ticket_events_are_posted_signed_and_internal_notes_never(settings: Settings) -> None:
    with webhook_receiver() as box, _desk(settings) as db:
        hook_id, secret = _hook(db, box.url)
        with db.session() as session:
            tech = make_user(session, role="technician", full_name="Tina Téc")
            ana = make_user(session, full_name="Ana Pérez")
            ticket = make_ticket(session, requester=ana, actor=ana, title="Impresora <atascada>")
            tickets.assign(session, ref=ticket.id, assignee_ref=tech.id, actor=tech)
        with db.session() as session:
            note = CommentCreate(body="SECRET: the vendor owes us", is_internal=True)
            tickets.add_comment(session, ref=ticket.id, data=note, actor=tech)
        with db.session() as session:
            reply = CommentCreate(body="Reinicie la impresora")
            tickets.add_comment(session, ref=ticket.id, data=reply, actor=tech)
            tickets.change_status(
                session, ref=ticket.id, status=Status.RESOLVED, actor=tech, note="Reiniciada"
            )
        with db.session() as session:
            tickets.change_status(session, ref=ticket.id, status=Status.OPEN, actor=ana)
        rows = _rows(db)
        assert [r.payload["event"] for r in rows] == [
            "ticket.created",
            "ticket.assigned",
            "ticket.commented",
            "ticket.status_changed",
            "ticket.reopened",
        ]
        assert {(r.webhook_id, r.recipient_id) for r in rows} == {(hook_id, None)}

        assert Worker(db).run(once=True).sent >= len(rows)

        assert [r.headers["x-itsm-event"] for r in box.received] == [
            r.payload["event"] for r in rows
        ]
        assert [r.headers["x-itsm-delivery"] for r in box.received] == [r.token for r in rows]
        assert all(r.signed_by(secret) for r in box.received)
        assert not any(r.signed_by("another secret") for r in box.received)
        assert all(b"SECRET" not in r.body for r in box.received)
        created = box.received[0].json()
        assert created["event"] == "ticket.created"
        assert created["delivery"] == rows[0].token
        assert created["occurred_at"].endswith("+00:00")
        assert created["ticket"] == {
            "number": ticket.number,
            "title": "Impresora <atascada>",
            "status": "open",  # as it is when delivered
            "priority": ticket.priority,
            "category": ticket.category,
            "requester": "Ana Pérez",
            "assignee": "Tina Téc",
            "url": f"https://desk.example.org/tickets/{ticket.number}",
        }
        assert box.received[0].headers["content-type"] == "application/json"
        assert {r.state for r in _rows(db)} == {OutboxState.SENT}


def test_a_webhook_gets_only_the_events_it_chose_and_none_once_disabled(
    settings: Settings,
) -> None:
    with webhook_receiver() as box, _desk(settings) as db:
        hook_id, _secret = _hook(db, box.url, events=[WebhookEvent.STATUS_CHANGED])
        with db.session() as session:
            ana = make_user(session)
            ticket = make_ticket(session, requester=ana, actor=ana)
            tickets.change_status(session, ref=ticket.id, status=Status.PENDING, actor=None)
        assert [r.payload["event"] for r in _rows(db)] == ["ticket.status_changed"]
        with db.session() as session:
            webhooks.set_active(session, who=None, ref=hook_id, active=False)
            tickets.change_status(session, ref=ticket.id, status=Status.OPEN, actor=None)
        # Its pending message is given up at once, with why; nothing new is written.
        given_up = (OutboxState.DEAD, "not sent: the webhook was disabled (disabled by an admin)")
        assert [(r.state, r.last_error) for r in _rows(db)] == [given_up]
        Worker(db).run(once=True)
        assert box.received == []
        # Enabled again: the old message stays given up until an admin requeues it.
        with db.session() as session:
            webhooks.set_active(session, who=None, ref=hook_id, active=True)
        Worker(db).run(once=True)
        assert box.received == []
        with db.session(write=False) as session:
            assert webhooks.dead_counts(session, who=None) == {hook_id: 1}
        with db.session() as session:
            assert webhooks.retry_dead(session, who=None, ref=hook_id) == 1
        Worker(db).run(once=True)
        assert [r.headers["x-itsm-event"] for r in box.received] == ["ticket.status_changed"]
        assert [r.state for r in _rows(db)] == [OutboxState.SENT]


def test_a_message_written_before_the_disabling_committed_is_given_up_unsent(
    settings: Settings,
) -> None:
    """A row that reached the outbox for a webhook disabled since (a change that read it
    active): the worker gives it up without posting."""
    with webhook_receiver() as box, _desk(settings) as db:
        hook_id, _secret = _hook(db, box.url, events=[WebhookEvent.CREATED])
        with db.session() as session:
            ana = make_user(session)
            make_ticket(session, requester=ana, actor=ana)
        fanout.expand(db)  # the worker's first step wrote the row while the hook was active
        with db.session() as session:  # as the disabling, which saw no row to give up
            session.execute(update(Webhook).where(Webhook.id == hook_id).values(active=False))
        Worker(db).run(once=True)
        assert box.received == []
        assert [(r.state, r.last_error) for r in _rows(db)] == [
            (OutboxState.DEAD, "the webhook is disabled or deleted")
        ]


def test_slack_format_is_one_translated_escaped_line(settings: Settings) -> None:
    with webhook_receiver() as box, _desk(settings) as db:
        _hook(db, box.url, events=[WebhookEvent.CREATED], fmt="slack")
        with db.session() as session:
            ana = make_user(session)
            ticket = make_ticket(session, requester=ana, actor=ana, title="VPN <caída> & más")
        Worker(db).run(once=True)
        (posted,) = box.received
        assert posted.json() == {
            "text": f"Nueva incidencia {ticket.number}: VPN &lt;caída&gt; &amp; más "
            f"<https://desk.example.org/tickets/{ticket.number}|{ticket.number}>"
        }
        assert posted.headers["x-itsm-event"] == "ticket.created"


def test_a_server_error_is_retried_and_retry_after_is_honoured(settings: Settings) -> None:
    with webhook_receiver() as box, _desk(settings) as db:
        hook_id, secret = _hook(db, box.url, events=[WebhookEvent.CREATED])
        box.answers = [(500, {}), (503, {"Retry-After": "1800"})]
        with db.session() as session:
            ana = make_user(session)
            make_ticket(session, requester=ana, actor=ana)
        before = utcnow()
        Worker(db).run(once=True)
        (row,) = _rows(db)
        assert (row.state, row.attempts, row.last_error) == (
            OutboxState.PENDING,
            1,
            "HTTP 500 from 127.0.0.1: answer 500",
        )
        assert _webhook(db, hook_id).consecutive_failures == 1
        _due_now(db)
        Worker(db).run(once=True)
        (row,) = _rows(db)
        assert row.attempts == 2
        # The server asked for half an hour: more than the backoff (one to two minutes).
        assert row.available_at >= before + timedelta(seconds=1800)
        _due_now(db)
        Worker(db).run(once=True)
        (row,) = _rows(db)
        assert (row.state, row.attempts) == (OutboxState.SENT, 3)
        assert len(box.received) == 3
        # The same delivery each time: one id for the receiver to de-duplicate by.
        assert {r.headers["x-itsm-delivery"] for r in box.received} == {row.token}
        assert all(r.signed_by(secret) for r in box.received)
        assert _webhook(db, hook_id).consecutive_failures == 0  # a success resets it


@pytest.mark.parametrize("status", [400, 410])
def test_a_refusal_is_given_up_at_once(settings: Settings, status: int) -> None:
    with webhook_receiver() as box, _desk(settings) as db:
        _hook(db, box.url, events=[WebhookEvent.CREATED])
        box.answers = [(status, {})]
        with db.session() as session:
            ana = make_user(session)
            make_ticket(session, requester=ana, actor=ana)
        assert Worker(db).run(once=True).dead == 1
        (row,) = _rows(db)
        assert row.state == OutboxState.DEAD
        assert row.last_error == f"HTTP {status} from 127.0.0.1: answer {status}"
        assert len(box.received) == 1


def test_after_n_failures_in_a_row_the_webhook_is_disabled_with_the_reason(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with webhook_receiver() as box, _desk(settings, disable_after=3) as db:
        hook_id, secret = _hook(db, box.url, events=[WebhookEvent.CREATED])
        box.answers = [(500, {}), (500, {}), (204, {}), (400, {}), (500, {}), (502, {})]
        with db.session() as session:
            ana = make_user(session)
            for _ in range(5):
                make_ticket(session, requester=ana, actor=ana)
        # One at a time, so that the answers meet the rows in order.
        worker = Worker(db)
        worker.cfg = worker.cfg.model_copy(update={"batch_size": 1})
        worker.run(once=True)
        # 500, 500, a success (back to none), 400, 500: two in a row.
        hook = _webhook(db, hook_id)
        assert (hook.active, hook.consecutive_failures) == (True, 2)
        _due_now(db)
        worker.run(once=True)  # the first ticket's third try: 502
        hook = _webhook(db, hook_id)
        assert (hook.active, hook.consecutive_failures) == (False, 3)
        assert hook.disabled_at is not None
        reason = "3 failed deliveries in a row; last: HTTP 502 from 127.0.0.1: answer 502"
        assert hook.disabled_reason == reason
        # At once, without waiting for their next try: the rest are given up, unsent.
        assert len(box.received) == 6
        rows = _rows(db)
        assert [r.state for r in rows].count(OutboxState.SENT) == 1
        assert [r.state for r in rows].count(OutboxState.DEAD) == 4
        assert [r.last_error for r in rows if r.state == OutboxState.DEAD].count(
            f"not sent: the webhook was disabled ({reason})"
        ) == 3  # the 400 keeps its own error
        with db.session() as session:
            hook = webhooks.set_active(session, who=None, ref=str(hook_id), active=True)
            assert (hook.active, hook.consecutive_failures, hook.disabled_reason) == (
                True,
                0,
                None,
            )
        _due_now(db)
        worker.run(once=True)
        assert len(box.received) == 6  # enabling sends none of the old ones
    assert "webhook.disabled" in caplog.messages
    assert secret not in caplog.text  # sent, retried, given up, disabled: never logged


def test_a_private_address_is_refused_at_registration_and_at_delivery(
    settings: Settings,
) -> None:
    with webhook_receiver() as box:
        with _desk(settings, allow_private=False) as db, db.session() as session:
            admin = make_user(session, role="admin")
            data = WebhookCreate(name="local", url=box.url, events=[WebhookEvent.CREATED])
            with pytest.raises(RefusedAddress, match=r"127\.0\.0\.1, a loopback, private"):
                webhooks.add(
                    session, who=Principal(user=admin), data=data, cfg=db.settings.webhooks
                )
        with _desk(settings) as db:  # registered while allowed ...
            _hook(db, box.url, events=[WebhookEvent.CREATED])
        with _desk(settings, allow_private=False) as db:  # ... refused at delivery
            with db.session() as session:
                ana = make_user(session)
                make_ticket(session, requester=ana, actor=ana)
            Worker(db).run(once=True)
            (row,) = _rows(db)
            assert row.state == OutboxState.DEAD
            assert "resolves to 127.0.0.1" in str(row.last_error)
        assert box.received == []


def test_the_test_delivery_is_a_signed_ping(settings: Settings) -> None:
    with webhook_receiver() as box, _desk(settings) as db:
        hook_id, secret = _hook(db, box.url, events=[WebhookEvent.CREATED])
        with db.session() as session:
            tested = webhooks.send_test(session, who=None, ref=hook_id, settings=db.settings)
        assert (tested.delivered, tested.status) == (True, 204)
        assert tested.line == "Delivered: the server answered HTTP 204."
        box.answers = [(404, {})]
        with db.session() as session:
            tested = webhooks.send_test(session, who=None, ref=hook_id, settings=db.settings)
        assert (tested.delivered, tested.status) == (False, 404)
        assert tested.line == "Not delivered: HTTP 404 from 127.0.0.1: answer 404"
        assert [r.headers["x-itsm-event"] for r in box.received] == ["ping", "ping"]
        assert box.received[0].json()["event"] == "ping"
        assert all(r.signed_by(secret) for r in box.received)
        assert _webhook(db, hook_id).consecutive_failures == 0
        closed_id, _ = _hook(db, "http://127.0.0.1:9/closed", events=[WebhookEvent.CREATED])
        with db.session() as session:
            tested = webhooks.send_test(session, who=None, ref=closed_id, settings=db.settings)
        assert (tested.delivered, tested.status) == (False, None)  # no answer: no status
        assert tested.line.startswith("Not delivered: 127.0.0.1: ConnectError")
