"""Domain events across processes on PostgreSQL: ``NOTIFY`` in the committing transaction.

PostgreSQL delivers a notification only if its transaction commits, and to every
connection that ``LISTEN``s on the channel, in any process or host on the same
database: :func:`publish` runs as a before-commit subscriber, and each server
process's listener (:mod:`itsm.db.listen`) feeds its live views. On SQLite there
is no such thing; a server process hears the changes it commits itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from itsm.events.domain import Bus, DomainEvent, encode

CHANNEL = "itsm_events"
# PostgreSQL refuses a payload of 8000 bytes or more; events go in chunks under it.
_MAX_PAYLOAD = 7000


def publishes(engine: Engine) -> bool:
    """Whether ``engine``'s database carries events to other processes."""
    return engine.dialect.name == "postgresql"


def install(engine: Engine, bus: Bus) -> None:
    """Subscribe :func:`publish` to ``bus`` where the database can carry events."""
    if publishes(engine):
        bus.before_commit.append(publish)


def publish(session: Session, events: Sequence[DomainEvent]) -> None:
    """``NOTIFY`` the events in the session's transaction, as few notifications as fit."""
    for payload in chunks(events):
        session.execute(select(func.pg_notify(CHANNEL, payload)))


def chunks(events: Sequence[DomainEvent]) -> Iterator[str]:
    """JSON arrays of ``events``, each under PostgreSQL's payload limit."""
    batch: list[DomainEvent] = []
    size = 2
    for item in events:
        item_size = len(encode([item]).encode()) - 1
        if batch and size + item_size > _MAX_PAYLOAD:
            yield encode(batch)
            batch, size = [], 2
        batch.append(item)
        size += item_size
    if batch:
        yield encode(batch)
