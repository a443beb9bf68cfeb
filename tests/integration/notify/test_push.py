"""The push channel against a real HTTP push service on loopback: each message signed
with the desk's VAPID key, encrypted for each browser of the person and decrypted here;
gone browsers forgotten, busy services retried, preferences and internal notes kept."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from itsm.config import Settings
from itsm.db.runtime import Database, open_database
from itsm.errors import ConfigError
from itsm.notify import fanout, prefs, push_subscriptions, vapid
from itsm.notify.channels import Delivery, Recipient, TicketFacts
from itsm.notify.config import PushSettings
from itsm.notify.models import Channel, NotifyKind, OutboxMessage, OutboxState, PushSubscription
from itsm.notify.push_channel import Push
from itsm.notify.worker import Worker
from itsm.tickets import service as tickets
from itsm.tickets.models import Status
from itsm.tickets.schemas import CommentCreate
from itsm.users.models import User
from tests.factories import make_ticket, make_user
from tests.push_service import Browser, push_service, vapid_claims


@contextmanager
def _desk(settings: Settings, tmp_path: Path) -> Iterator[tuple[Database, str]]:
    """The database with web push on, and the desk's public key."""
    key = vapid.generate()
    path = tmp_path / "vapid.pem"
    if not path.exists():
        vapid.write(key, path)
    push = PushSettings(
        vapid_private_key_file=path,
        vapid_subject="mailto:admin@example.org",
        allow_http_loopback=True,
        ttl_seconds=3600,
    )
    db = open_database(settings.model_copy(update={"push": push}))
    try:
        yield db, vapid.public_key(vapid.load(path))
    finally:
        db.dispose()


def _subscribe(db: Database, user: User, *browsers: Browser) -> None:
    with db.session() as session:
        for browser in browsers:
            keys = browser.subscription()["keys"]
            push_subscriptions.subscribe(
                session,
                settings=db.settings,
                user=user,
                endpoint=browser.endpoint,
                p256dh=keys["p256dh"],
                auth=keys["auth"],
                user_agent="Firefox/140",
            )


def _push_rows(db: Database) -> list[OutboxMessage]:
    fanout.expand(db)  # the worker's first step: the told events' messages
    with db.session(write=False) as session:
        query = select(OutboxMessage).where(OutboxMessage.channel == Channel.PUSH)
        return list(session.scalars(query.order_by(OutboxMessage.id)))


def _subscriptions(db: Database) -> dict[str, PushSubscription]:
    with db.session(write=False) as session:
        return {s.endpoint: s for s in session.scalars(select(PushSubscription))}


def _reply(db: Database, ticket_id: int, actor: User, body: str, *, internal: bool = False) -> None:
    with db.session() as session:
        data = CommentCreate(body=body, is_internal=internal)
        tickets.add_comment(session, ref=ticket_id, data=data, actor=actor)


def test_a_reply_reaches_each_browser_signed_encrypted_and_in_her_language(
    settings: Settings, tmp_path: Path
) -> None:
    with push_service() as service, _desk(settings, tmp_path) as (db, public_key):
        with db.session() as session:
            tech = make_user(session, role="technician")
            ana = make_user(session, full_name="Ana Pérez")
            ana.language = "es"
            ticket = make_ticket(session, requester=ana, actor=ana, title="Impresora atascada")
        Worker(db).run(once=True)  # the confirmation went out before she subscribed
        laptop, phone = service.browser("ana-laptop"), service.browser("ana-phone")
        _subscribe(db, ana, laptop, phone)
        Worker(db).run(once=True)
        assert service.received == []
        _reply(db, ticket.id, tech, "SECRET: the vendor owes us", internal=True)
        _reply(db, ticket.id, tech, "Reinicie la impresora, por favor.")
        assert Worker(db).run(once=True).sent >= 1
        [row] = _push_rows(db)  # one message for her, whatever her browsers
        assert (row.recipient_id, row.kind, row.state) == (ana.id, "comment", OutboxState.SENT)
        for browser in (laptop, phone):
            [request] = service.to(browser)
            assert request.headers["content-encoding"] == "aes128gcm"
            assert request.headers["ttl"] == "3600"
            assert request.headers["urgency"] == "normal"
            claims = vapid_claims(
                request.headers["authorization"], endpoint=browser.endpoint, public_key=public_key
            )
            assert claims["sub"] == "mailto:admin@example.org"
            assert b"Reinicie" not in request.body  # encrypted on the wire
            assert service.messages(browser) == [
                {
                    "title": "Nueva respuesta",
                    "body": f"Nueva respuesta en {ticket.number}: Impresora atascada",
                    "url": f"/tickets/{ticket.number}",
                    "tag": ticket.number,
                }
            ]
        reached = _subscriptions(db)
        assert all(s.last_success_at is not None for s in reached.values())
        assert {s.user_agent for s in reached.values()} == {"Firefox/140"}


def test_a_gone_browser_is_forgotten_and_the_others_still_get_it(
    settings: Settings, tmp_path: Path
) -> None:
    with push_service() as service, _desk(settings, tmp_path) as (db, _key):
        with db.session() as session:
            tech = make_user(session, role="technician")
            tech.language = "en"
        old, new = service.browser("old"), service.browser("new")
        service.answers[old.path] = 410
        _subscribe(db, tech, old, new)
        with db.session() as session:
            ticket = make_ticket(session, title="VPN down")
        Worker(db).run(once=True)
        [row] = _push_rows(db)
        assert row.state == OutboxState.SENT
        assert set(_subscriptions(db)) == {new.endpoint}
        assert service.messages(new) == [
            {
                "title": "New ticket",
                "body": f"New unassigned ticket {ticket.number}: VPN down",
                "url": f"/tickets/{ticket.number}",
                "tag": ticket.number,
            }
        ]
        # Her last browser gone too: nobody left to tell, the message is given up.
        service.answers[new.path] = 404
        with db.session() as session:
            make_ticket(session)
        Worker(db).run(once=True)
        last = _push_rows(db)[-1]
        assert last.state == OutboxState.DEAD
        assert "gone" in str(last.last_error)
        assert _subscriptions(db) == {}


def test_a_busy_push_service_is_retried_without_sending_twice(
    settings: Settings, tmp_path: Path
) -> None:
    with push_service() as service, _desk(settings, tmp_path) as (db, _key):
        with db.session() as session:
            tech = make_user(session, role="technician")
        fine, busy = service.browser("fine"), service.browser("busy")
        service.answers[busy.path] = 503
        _subscribe(db, tech, fine, busy)
        with db.session() as session:
            make_ticket(session)
        worker = Worker(db)
        assert worker.run(once=True).retried == 1
        [row] = _push_rows(db)
        assert row.state == OutboxState.PENDING
        assert "answered 503" in str(row.last_error)
        service.answers[busy.path] = 201
        with db.session() as session:
            again = session.get(OutboxMessage, row.id)
            assert again is not None
            again.available_at = again.created_at  # due again now
        assert worker.run(once=True).sent == 1
        assert len(service.to(fine)) == 1  # reached the first time: not sent again
        assert len(service.to(busy)) == 2
        assert _push_rows(db)[0].state == OutboxState.SENT


def test_push_follows_preferences_and_only_subscribers_get_messages(
    settings: Settings, tmp_path: Path
) -> None:
    with push_service() as service, _desk(settings, tmp_path) as (db, _key):
        with db.session() as session:
            tech = make_user(session, role="technician")
            other = make_user(session, role="technician")  # no browser: no push message
            ana = make_user(session)
            ticket = make_ticket(session, requester=ana, actor=ana)
            prefs.set_preference(
                session, user=ana, kind=NotifyKind.COMMENT, channel=Channel.PUSH, enabled=False
            )
        fanout.expand(db)  # her confirmation's messages were written before she subscribed
        browser = service.browser("ana")
        _subscribe(db, ana, browser)
        _reply(db, ticket.id, tech, "Hecho.")
        with db.session() as session:
            tickets.change_status(session, ref=ticket.id, status=Status.PENDING, actor=tech)
        Worker(db).run(once=True)
        rows = _push_rows(db)
        assert [(r.recipient_id, r.kind) for r in rows] == [(ana.id, "status")]
        assert [m["tag"] for m in service.messages(browser)] == [ticket.number]
        assert other.id not in {r.recipient_id for r in rows}


def test_breaches_are_urgent(settings: Settings, tmp_path: Path) -> None:
    with push_service() as service, _desk(settings, tmp_path) as (db, _key):
        browser = service.browser("tina")
        with db.session() as session:
            tina = make_user(session, role="technician")
        _subscribe(db, tina, browser)
        channel = Push(db.settings, db)
        with db.session(write=False) as session:
            delivery = channel.prepare(
                session,
                Delivery(
                    outbox_id=1,
                    token="t-1",
                    channel=Channel.PUSH,
                    kind=NotifyKind.SLA_BREACH,
                    recipient=Recipient(tina.id, tina.username, tina.full_name, None, "en"),
                    ticket=TicketFacts(7, "TKT-20261207-0007", "Mail down", "open"),
                    created_at=datetime.now(UTC),
                ),
            )
        channel.send(delivery)
        channel.close()
        [request] = service.to(browser)
        assert request.headers["urgency"] == "high"
        assert service.messages(browser)[0]["title"] == "Past its due time"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"not a key", "is not a PEM private key"),
        (None, "cannot read"),
    ],
)
def test_a_bad_key_file_is_a_settings_error_naming_it(
    settings: Settings, tmp_path: Path, content: bytes | None, says: str
) -> None:
    path = tmp_path / "vapid.pem"
    if content is not None:
        path.write_bytes(content)
    push = PushSettings(vapid_private_key_file=path, vapid_subject="https://desk.example.org")
    db = open_database(settings.model_copy(update={"push": push}))
    try:
        with pytest.raises(ConfigError) as caught:
            Worker(db)
    finally:
        db.dispose()
    assert str(caught.value).startswith("invalid setting push.vapid_private_key_file:")
    assert says in str(caught.value)


def test_a_p384_key_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    path = tmp_path / "p384.pem"
    vapid.write(ec.generate_private_key(ec.SECP384R1()), path)
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(ConfigError, match="not a P-256"):
        vapid.load(path)


def _renew(db: Database, old: Browser, new: Browser, *, auth: str | None = None) -> bool:
    """What ``POST /api/v1/push-subscriptions/renew`` does with the service worker's
    ``pushsubscriptionchange``."""
    keys = new.subscription()["keys"]
    with db.session() as session:
        return push_subscriptions.renew(
            session,
            settings=db.settings,
            old_endpoint=old.endpoint,
            old_auth=auth or old.subscription()["keys"]["auth"],
            endpoint=new.endpoint,
            p256dh=keys["p256dh"],
            auth=keys["auth"],
        )


def test_a_renewed_subscription_replaces_the_old_one_and_gets_the_messages(
    settings: Settings, tmp_path: Path
) -> None:
    with push_service() as service, _desk(settings, tmp_path) as (db, _key):
        with db.session() as session:
            tech = make_user(session, role="technician")
            tech.language = "en"
        old, renewed, stranger = (service.browser(n) for n in ("old", "renewed", "stranger"))
        _subscribe(db, tech, old)
        with db.session() as session:  # as the web app ties it to a login
            row = session.scalar(select(PushSubscription))
            assert row is not None
            row.user_agent = "Firefox/140"
        # Without the old one's auth secret nothing changes (nobody else's browser moves).
        assert _renew(db, old, stranger, auth=stranger.subscription()["keys"]["auth"]) is False
        assert set(_subscriptions(db)) == {old.endpoint}
        assert _renew(db, old, renewed) is True
        (kept,) = _subscriptions(db).values()
        assert (kept.endpoint, kept.user_id, kept.user_agent) == (
            renewed.endpoint,
            tech.id,
            "Firefox/140",
        )
        service.answers[old.path] = 410  # the old endpoint is dead at its push service
        with db.session() as session:
            ticket = make_ticket(session, title="VPN down")
        Worker(db).run(once=True)
        assert service.messages(old) == []
        assert [m["tag"] for m in service.messages(renewed)] == [ticket.number]
        assert [r.state for r in _push_rows(db)] == [OutboxState.SENT]
