"""``itsm worker``: deliver the outbox's messages through their channels.

A worker claims a batch of due messages by moving their ``available_at`` a lease
ahead (``notify.lease_seconds``) in one short transaction; other workers skip
them (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; the claim's ``UPDATE ...
RETURNING`` on both databases takes only rows still due). The batch is then sent
outside any transaction and marked sent in one more. A worker killed after
sending and before marking leaves its batch claimed: when the lease ends another
worker sends it again, so a crash costs at most one duplicate per message in
flight, a batch at most (emails carry a stable ``Message-ID``; in-app
notifications are written in the marking transaction and never duplicate).

A failure is retried with exponential backoff and jitter until the message is
``notify.max_age_hours`` old, then dead-lettered; a permanent failure is
dead-lettered at once (``itsm notify failed`` lists them, ``retry`` requeues).

With ``[mail]`` set, the worker also reads the desk's mailbox every
``mail.poll_seconds`` (:func:`itsm.mail.fetch.fetch_once`), between batches.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from itsm import extras
from itsm.db.base import utcnow
from itsm.db.runtime import Database
from itsm.errors import ItsmError
from itsm.events.domain import DomainEvent
from itsm.logs import fields
from itsm.notify import fanout, outbox
from itsm.notify.channels import (
    Deliverer,
    Delivery,
    DeliveryFailed,
    Permanent,
    Recipient,
    TicketFacts,
    Transient,
    delivered,
)
from itsm.notify.config import NotifySettings
from itsm.notify.inapp import InApp
from itsm.notify.models import Channel, OutboxChannel, OutboxMessage, OutboxState
from itsm.tickets.models import Ticket
from itsm.users.models import User

log = logging.getLogger("itsm.notify")

#: Longest error text kept on a message (the dead-letter list shows it).
_ERROR_CHARS = 1000


def default_channels(db: Database) -> dict[str, Deliverer]:
    """A deliverer for each channel this installation delivers (:func:`delivered`)."""
    settings = db.settings
    found: dict[str, Deliverer] = {}
    for channel in delivered(settings):
        if channel == Channel.IN_APP:
            found[channel] = InApp()
        elif channel == Channel.EMAIL:
            from itsm.notify.email_channel import Email

            found[channel] = Email(settings)
        elif channel == Channel.PUSH:
            from itsm.notify.push_channel import Push

            found[channel] = Push(settings, db)
    # Webhooks need the server extra's HTTP client; without it their rows wait for a
    # worker that has it.
    if extras.installed("server"):
        from itsm.notify.webhook_channel import Webhooks

        found[OutboxChannel.WEBHOOK] = Webhooks(settings)
    return found


@dataclass
class Tally:
    sent: int = 0
    retried: int = 0
    dead: int = 0

    def add(self, other: Tally) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.dead += other.dead


def backoff(attempts: int, cfg: NotifySettings, rng: random.Random) -> timedelta:
    """The wait after the ``attempts``-th failure: doubling up to the cap, then a
    random half of it on top of the other half, so that failed messages spread out."""
    ceiling = min(cfg.retry_max_seconds, cfg.retry_base_seconds * 2 ** min(attempts - 1, 40))
    return timedelta(seconds=ceiling / 2 + rng.uniform(0, ceiling / 2))


def claim(
    db: Database, *, cfg: NotifySettings, channels: Sequence[str], now: datetime
) -> list[int]:
    """Take up to ``cfg.batch_size`` due messages for this worker; their ids, in order."""
    with db.session() as session:
        due = session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.state == OutboxState.PENDING,
                OutboxMessage.available_at <= now,
                OutboxMessage.channel.in_(channels),
            )
            .order_by(OutboxMessage.available_at, OutboxMessage.id)
            .limit(cfg.batch_size)
            .with_for_update(skip_locked=True)
        ).all()
        if not due:
            return []
        taken = session.scalars(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(due),
                OutboxMessage.state == OutboxState.PENDING,
                OutboxMessage.available_at <= now,
            )
            .values(
                available_at=now + timedelta(seconds=cfg.lease_seconds),
                attempts=OutboxMessage.attempts + 1,
            )
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        ).all()
    return sorted(taken)


def release(db: Database, ids: Sequence[int], *, now: datetime) -> None:
    """Give back claimed messages this worker will not try (it is stopping)."""
    if not ids:
        return
    with db.session() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.state == OutboxState.PENDING)
            .values(available_at=now, attempts=OutboxMessage.attempts - 1)
            .execution_options(synchronize_session=False)
        )


def deliver(
    db: Database,
    ids: Sequence[int],
    *,
    cfg: NotifySettings,
    channels: Mapping[str, Deliverer],
    default_language: str,
    rng: random.Random,
    stopping: Callable[[], bool] = lambda: False,
) -> Tally:
    """Send the claimed messages ``ids`` and record what happened, in two transactions
    for the batch (not two per message): one to mark the sent, one for the failures."""
    failures: dict[int, DeliveryFailed] = {}
    with db.session(write=False) as session:
        found = _prepare(session, ids, default_language=default_language, failures=failures)
        prepared = [channels[d.channel].prepare(session, d) for d in found]
    sent: list[Delivery] = []
    try:
        for position, delivery in enumerate(prepared):
            if stopping():
                release(db, [d.outbox_id for d in prepared[position:]], now=utcnow())
                break
            try:
                channels[delivery.channel].send(delivery)
                sent.append(delivery)
            except DeliveryFailed as exc:
                failures[delivery.outbox_id] = exc
            except (ItsmError, SQLAlchemyError, OSError, ValueError, LookupError) as exc:
                failures[delivery.outbox_id] = Transient(f"{type(exc).__name__}: {exc}")
    finally:
        for channel in {id(c): c for c in channels.values()}.values():
            channel.close()
    tally = _mark_sent(db, sent, channels) if sent else Tally()
    if failures:
        tally.add(_failed(db, failures, cfg=cfg, rng=rng, channels=channels))
    return tally


def _prepare(
    session: Session,
    ids: Sequence[int],
    *,
    default_language: str,
    failures: dict[int, DeliveryFailed],
) -> list[Delivery]:
    messages = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.state == OutboxState.PENDING)
        .order_by(OutboxMessage.id)
    ).all()  # a message missing here was done meanwhile by a worker whose lease ran out
    wanted = {m.recipient_id for m in messages if m.recipient_id is not None}
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}
    ticket_ids = {m.ticket_id for m in messages if m.ticket_id is not None}
    tickets = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids)))}
    prepared = []
    for message in messages:
        if message.webhook_id is not None:
            # A webhook is told in the desk's language; the channel reads the rest.
            recipient = Recipient(
                id=0,
                username=f"webhook {message.webhook_id}",
                name="",
                email=None,
                language=default_language,
            )
        else:
            person = people.get(message.recipient_id) if message.recipient_id else None
            if person is None or not person.is_active:
                failures[message.id] = Permanent("the recipient is no longer an active user")
                continue
            recipient = Recipient(
                id=person.id,
                username=person.username,
                name=person.full_name,
                email=person.email,
                language=person.language or default_language,
            )
        ticket = tickets.get(message.ticket_id) if message.ticket_id is not None else None
        prepared.append(
            Delivery(
                outbox_id=message.id,
                token=message.token,
                channel=message.channel,
                kind=message.kind,
                recipient=recipient,
                ticket=(
                    TicketFacts(
                        id=ticket.id, number=ticket.number, title=ticket.title, status=ticket.status
                    )
                    if ticket is not None
                    else None
                ),
                payload=dict(message.payload or {}),
                attempt=message.attempts,
                created_at=message.created_at,
                webhook_id=message.webhook_id,
            )
        )
    return prepared


def _mark_sent(db: Database, sent: Sequence[Delivery], channels: Mapping[str, Deliverer]) -> Tally:
    now = utcnow()
    by_id = {d.outbox_id: d for d in sent}
    with db.session() as session:
        # One statement for the batch; only rows still pending are marked (and recorded),
        # so a message another worker marked meanwhile is not recorded twice.
        marked = session.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(by_id), OutboxMessage.state == OutboxState.PENDING)
            .values(state=OutboxState.SENT, sent_at=now, last_error=None)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        ).all()
        for outbox_id in sorted(marked):
            delivery = by_id[outbox_id]
            channels[delivery.channel].record(session, delivery)
    if log.isEnabledFor(logging.INFO):
        for delivery in sent:
            log.info("notify.sent", extra=fields(**_described(delivery)))
    return Tally(sent=len(marked))


def _failed(
    db: Database,
    failures: Mapping[int, DeliveryFailed],
    *,
    cfg: NotifySettings,
    rng: random.Random,
    channels: Mapping[str, Deliverer],
) -> Tally:
    now = utcnow()
    tally = Tally()
    lines: list[tuple[str, dict[str, object]]] = []
    with db.session() as session:
        messages = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.id.in_(failures), OutboxMessage.state == OutboxState.PENDING
            )
        ).all()
        for message in messages:
            failure = failures[message.id]
            message.last_error = str(failure)[:_ERROR_CHARS]
            if message.channel in channels:
                channels[message.channel].failed(session, message, failure)
            too_old = now - message.created_at >= timedelta(hours=cfg.max_age_hours)
            facts: dict[str, object] = {"outbox_id": message.id, "channel": message.channel}
            facts |= {"kind": message.kind, "attempt": message.attempts}
            facts["error"] = message.last_error
            # A channel may have given it up already (its webhook was just disabled).
            if isinstance(failure, Permanent) or too_old or message.state == OutboxState.DEAD:
                message.state = OutboxState.DEAD
                tally.dead += 1
                lines.append(("notify.dead", facts))
            else:
                wait = backoff(message.attempts, cfg, rng)
                if isinstance(failure, Transient) and failure.retry_after is not None:
                    asked = timedelta(seconds=min(failure.retry_after, cfg.retry_max_seconds))
                    wait = max(wait, asked)
                message.available_at = now + wait
                tally.retried += 1
                lines.append(("notify.retry", facts))
    for what, facts in lines:
        log.log(
            logging.WARNING if what == "notify.dead" else logging.INFO, what, extra=fields(**facts)
        )
    return tally


def _described(delivery: Delivery) -> dict[str, object]:
    return {
        "outbox_id": delivery.outbox_id,
        "channel": delivery.channel,
        "kind": delivery.kind,
        "recipient": delivery.recipient.username,
        "ticket": delivery.ticket.number if delivery.ticket else None,
        "attempt": delivery.attempt,
    }


class Worker:
    """Deliver until stopped: :meth:`run` in a thread or the main one, :meth:`stop` from
    another (or a signal handler), :meth:`nudge` when new messages were committed."""

    def __init__(
        self,
        db: Database,
        *,
        channels: Mapping[str, Deliverer] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.cfg = db.settings.notify
        self.channels = dict(channels) if channels is not None else default_channels(db)
        self.rng = rng or random.Random()  # jitter, not a secret
        self._stopping = False
        self._wake = threading.Event()
        self._mail_due = 0.0  # time.monotonic() of the next look at the mailbox

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    def nudge(self) -> None:
        self._wake.set()

    def run(self, *, once: bool = False) -> Tally:
        """Deliver what is due, then (unless ``once``) wait for more until stopped."""
        total = Tally()
        while not self._stopping:
            try:
                total.add(self.drain())
            except (ItsmError, SQLAlchemyError) as exc:
                # A database away must not end the worker: say so once per try and wait.
                log.warning("notify.worker_waiting", extra=fields(error=str(exc)[:_ERROR_CHARS]))
                if once:
                    raise
            self._read_mail()
            if once:
                break
            self._wake.wait(self._pause())
            self._wake.clear()
        return total

    def _read_mail(self) -> None:
        """Read the desk's mailbox when ``[mail]`` is set and its poll is due; a mail
        server away is one line and the next poll tries again (nothing is lost)."""
        cfg = self.db.settings.mail
        if not cfg.enabled or time.monotonic() < self._mail_due:
            return
        self._mail_due = time.monotonic() + cfg.poll_seconds
        from itsm.mail.fetch import fetch_once, summary

        try:
            tally = fetch_once(self.db)
        except (ItsmError, SQLAlchemyError) as exc:
            log.warning("mail.fetch_waiting", extra=fields(error=str(exc)[:_ERROR_CHARS]))
            return
        if tally.total:
            log.info("mail.fetched", extra=fields(summary=summary(tally)))

    def _pause(self) -> float:
        """Until the next look at the outbox, or at the mailbox if that comes first."""
        if not self.db.settings.mail.enabled:
            return self.cfg.poll_seconds
        return max(0.0, min(self.cfg.poll_seconds, self._mail_due - time.monotonic()))

    def drain(self) -> Tally:
        """Deliver batches until nothing is due (or the worker is stopping)."""
        total = Tally()
        while not self._stopping:
            fanout.expand(self.db)  # the events told since: their messages first
            ids = claim(self.db, cfg=self.cfg, channels=list(self.channels), now=utcnow())
            if not ids:
                break
            total.add(
                deliver(
                    self.db,
                    ids,
                    cfg=self.cfg,
                    channels=self.channels,
                    default_language=self.db.settings.language,
                    rng=self.rng,
                    stopping=lambda: self._stopping,
                )
            )
        return total


@contextmanager
def in_background(db: Database) -> Iterator[Worker]:
    """A worker in a thread of this process (``itsm serve --with-worker``), woken by
    this process's own commits that may have written messages and polling for the
    others'; stopped on leaving."""
    runner = Worker(db)

    def woken(events: Sequence[DomainEvent]) -> None:
        if outbox.told(events):
            runner.nudge()

    db.bus.after_commit.append(woken)
    thread = threading.Thread(target=runner.run, name="itsm-notify-worker", daemon=True)
    thread.start()
    try:
        yield runner
    finally:
        runner.stop()
        thread.join()
