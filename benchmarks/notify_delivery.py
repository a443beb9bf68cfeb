"""Notification delivery: emails and webhook calls one worker sends per second, and what
writing the outbox rows costs the change that writes them.

For each database kind (SQLite file; PostgreSQL server when reachable), in a throw-away
database migrated to head:

* the outbox is filled to its size (100,000 rows; smoke: small) with delivered messages,
  as a desk that has run a while;
* **emails**: N pending email messages (ticket comments to a person), delivered by one
  :class:`~itsm.notify.worker.Worker` (``run(once=True)``) to a local SMTP sink (aiosmtpd,
  in a process of its own); the rate is messages marked sent per second of the run;
* **webhook calls**: N pending webhook messages, delivered by one worker to a local HTTP
  receiver (in a process of its own), signed, with the address checked before each;
* **the outbox's cost**: the same ticket change (a technician's public reply: it tells
  the requester in-app and by email, and a webhook), one unit of work each, with the
  outbox subscriber installed (it writes the event's ``notify_events`` row; the worker
  expands it into messages later) and, as the baseline, with it taken off the
  database's bus, in interleaved blocks of the same run. The figure is the ratio of
  the medians.

Targets (issue 15): ≥ 200 emails/s and ≥ 500 webhook calls/s with the outbox at
100,000 rows; the change with its outbox rows ≤ 1.2× the change without them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from benchmarks._core import (
    DELIVERY_MIN_EMAILS,
    DELIVERY_MIN_WEBHOOKS,
    OUTBOX_MAX_RATIO,
    Figure,
    Result,
    RunConfig,
    Target,
    median,
)
from benchmarks._env import (
    isolated_settings_env,
    migrate_database,
    postgres_database,
    postgres_reachable,
    postgres_sqlalchemy_url,
    settings_for,
    sqlite_url,
)
from benchmarks._sinks import sink
from itsm.accounts.principal import Principal
from itsm.config import Settings
from itsm.db.base import utcnow
from itsm.db.runtime import Database, open_database
from itsm.notify import fanout, outbox
from itsm.notify.config import EmailSettings, SmtpSettings
from itsm.notify.email_channel import Email
from itsm.notify.models import NotifyKind, OutboxChannel, OutboxMessage, OutboxState
from itsm.notify.webhook_channel import Webhooks
from itsm.notify.worker import Worker
from itsm.tickets import creation
from itsm.tickets import service as tickets
from itsm.tickets.models import Category
from itsm.tickets.schemas import CommentCreate, TicketCreate
from itsm.users import service as users
from itsm.users.schemas import UserCreate
from itsm.webhooks import service as webhooks
from itsm.webhooks.config import WebhookSettings
from itsm.webhooks.models import WebhookEvent
from itsm.webhooks.schemas import WebhookCreate

NAME = "notify_delivery"
TITLE = "Notification delivery: emails/s, webhook calls/s, the outbox's cost on a change"

_CHUNK = 5000


def run(cfg: RunConfig) -> Result:
    result = Result(NAME, TITLE)
    sizes = {
        "outbox": cfg.size(full=100_000, smoke=2_000),
        "emails": cfg.size(full=3_000, smoke=100),
        "calls": cfg.size(full=5_000, smoke=200),
        "changes": cfg.size(full=40, smoke=5),  # per block
        "blocks": cfg.size(full=8, smoke=2),
    }
    result.data["sizes"] = sizes
    with isolated_settings_env() as home, sink("smtp") as smtp_port, sink("http") as http_port:
        backends: list[tuple[str, Callable[[], Any]]] = [
            ("sqlite", lambda: _nothing(sqlite_url(home / "notify.db")))
        ]
        reason = postgres_reachable()
        if reason is None:
            backends.append(("postgresql", lambda: _postgres()))
        else:
            result.skipped.append(f"PostgreSQL: {reason}")
        for kind, database in backends:
            with database() as url:
                settings = _settings(settings_for(url, home), smtp_port)
                cfg.log(f"{kind}: migrating and filling the outbox to {sizes['outbox']:,} rows")
                migrate_database(settings)
                _measure(result, cfg, kind, settings, sizes, f"http://127.0.0.1:{http_port}/hook")
    return result


@contextmanager
def _nothing(url: str) -> Iterator[str]:
    yield url


@contextmanager
def _postgres() -> Iterator[str]:
    with postgres_database("itsm_bench_notify") as name:
        yield postgres_sqlalchemy_url(name)


def _settings(settings: Settings, smtp_port: int) -> Settings:
    mail = EmailSettings(
        smtp=SmtpSettings(host="127.0.0.1", port=smtp_port, security="none"),
        from_address="desk@example.org",
        base_url="https://desk.example.org",
    )
    return settings.model_copy(
        update={"email": mail, "webhooks": WebhookSettings(allow_private=True)}
    )


def _measure(
    result: Result,
    cfg: RunConfig,
    kind: str,
    settings: Settings,
    sizes: dict[str, int],
    hook_url: str,
) -> None:
    db = open_database(settings)
    try:
        people = _people(db, hook_url)
        _fill(db, people, total=sizes["outbox"], state=OutboxState.SENT)
        _fill(db, people, total=sizes["emails"], state=OutboxState.PENDING)
        cfg.log(f"{kind}: delivering {sizes['emails']:,} emails")
        emails = _deliver(db, {OutboxChannel.EMAIL: Email(settings)}, sizes["emails"])
        _fill(db, people, total=sizes["calls"], state=OutboxState.PENDING, webhook=True)
        cfg.log(f"{kind}: delivering {sizes['calls']:,} webhook calls")
        calls = _deliver(db, {OutboxChannel.WEBHOOK: Webhooks(settings)}, sizes["calls"])
        cfg.log(f"{kind}: ticket changes with and without the outbox")
        with_box, without = _changes(db, people, sizes["changes"], sizes["blocks"])
    finally:
        db.dispose()
    at = f"outbox at {sizes['outbox']:,} rows"
    result.figures += [
        Figure(f"{kind}: emails delivered by one worker", emails, "emails/s", detail=at),
        Figure(f"{kind}: webhook calls by one worker", calls, "calls/s", detail=at),
        Figure(
            f"{kind}: a public reply with its outbox rows (in-app, email, webhook)",
            with_box * 1000,
            "ms",
            baseline="the same reply, outbox subscriber off",
            baseline_value=without * 1000,
        ),
    ]
    ratio = with_box / without if without else float("inf")
    result.targets += [
        Target(
            f"{kind}: ≥ {DELIVERY_MIN_EMAILS:.0f} emails/s",
            emails >= DELIVERY_MIN_EMAILS,
            f"{emails:,.0f}/s",
        ),
        Target(
            f"{kind}: ≥ {DELIVERY_MIN_WEBHOOKS:.0f} webhook calls/s",
            calls >= DELIVERY_MIN_WEBHOOKS,
            f"{calls:,.0f}/s",
        ),
        Target(
            f"{kind}: change with outbox ≤ {OUTBOX_MAX_RATIO}× without",
            ratio <= OUTBOX_MAX_RATIO,
            f"{ratio:.2f}×",
        ),
    ]


def _people(db: Database, hook_url: str) -> dict[str, Any]:
    with db.session() as session:
        admin = users.create_user(
            session,
            data=UserCreate(
                username="root", full_name="Root", role="admin", email="root@example.org"
            ),
        )
        tech = users.create_user(
            session,
            data=UserCreate(
                username="tina", full_name="Tina", role="technician", email="tina@example.org"
            ),
        )
        ana = users.create_user(
            session, data=UserCreate(username="ana", full_name="Ana", email="ana@example.org")
        )
        ticket = creation.create_ticket(
            session,
            data=TicketCreate(
                title="Impresora atascada",
                description="No imprime",
                category=Category.HARDWARE,
                requester_id=ana.id,
            ),
            actor=ana,
            zone=ZoneInfo("UTC"),
        )
        tickets.assign(session, ref=ticket.id, assignee_ref=tech.id, actor=tech)
        hook, _secret = webhooks.add(
            session,
            who=Principal(user=admin),
            data=WebhookCreate(name="bench", url=hook_url, events=[WebhookEvent.COMMENTED]),
            cfg=db.settings.webhooks,
        )
        tickets.add_comment(
            session, ref=ticket.id, data=CommentCreate(body="Reinicie la impresora."), actor=tech
        )
        found = {"admin": admin.id, "tech": tech.id, "ana": ana.id, "ticket": ticket.id}
        found["hook"] = hook.id
    # What those changes told is history now (the worker's first step writes its
    # messages): only the rows written below are due.
    fanout.expand(db)
    with db.session() as session:
        for message in session.scalars(select(OutboxMessage)):
            message.state = OutboxState.SENT
    return found


def _fill(
    db: Database, people: dict[str, Any], *, total: int, state: str, webhook: bool = False
) -> None:
    """``total`` outbox rows: comments told to Ana by email, or to the webhook."""
    at = utcnow() - timedelta(minutes=5)
    done = 0
    while done < total:
        rows = []
        for _ in range(min(_CHUNK, total - done)):
            row: dict[str, Any] = {
                "token": str(uuid.uuid4()),
                "kind": NotifyKind.COMMENT,
                "ticket_id": people["ticket"],
                "payload": {"event": "commented", "actor_id": people["tech"]},
                "state": state,
                "attempts": 0,
                "created_at": at,
                "available_at": at,
                "sent_at": at if state == OutboxState.SENT else None,
            }
            if webhook:
                row |= {"webhook_id": people["hook"], "channel": OutboxChannel.WEBHOOK}
                row["payload"] = {"event": WebhookEvent.COMMENTED.value}
            else:
                row |= {"recipient_id": people["ana"], "channel": OutboxChannel.EMAIL}
            rows.append(row)
        with db.session() as session:
            session.execute(insert(OutboxMessage), rows)
        done += len(rows)


def _deliver(db: Database, channels: dict[str, Any], count: int) -> float:
    worker = Worker(db, channels=channels)
    started = time.perf_counter()
    tally = worker.run(once=True)
    elapsed = time.perf_counter() - started
    if tally.sent != count:
        raise RuntimeError(f"{tally.sent} of {count} messages sent ({tally})")
    return count / elapsed


def _changes(
    db: Database, people: dict[str, Any], per_block: int, blocks: int
) -> tuple[float, float]:
    """Median seconds of one reply with the outbox subscriber, and without it."""
    place, subscriber = next(
        (i, s) for i, s in enumerate(db.bus.before_commit) if s is outbox.write
    )
    tech_id, ticket_id = people["tech"], people["ticket"]

    def reply(n: int) -> float:
        started = time.perf_counter()
        with db.session() as session:
            tech = users.get_user(session, ref=tech_id)
            data = CommentCreate(body=f"Respuesta {n}: pruebe de nuevo.")
            tickets.add_comment(session, ref=ticket_id, data=data, actor=tech)
        return time.perf_counter() - started

    reply(0)  # warm-up: both paths' statements compiled and cached
    timings: dict[bool, list[float]] = {True: [], False: []}
    n = 1
    for _ in range(blocks):
        for installed in (True, False):
            if not installed:
                db.bus.before_commit.remove(subscriber)
            try:
                for _ in range(per_block):
                    timings[installed].append(reply(n))
                    n += 1
            finally:
                if not installed:
                    db.bus.before_commit.insert(place, subscriber)
    return median(timings[True]), median(timings[False])
