"""The server process's live-update hub: domain events fanned out to open event streams.

Fed by the database's bus after each commit on SQLite (one host: the changes this
process commits), or by the ``LISTEN`` connection on PostgreSQL (every process's
changes, this one's included, each heard once). Each stream has a bounded queue: a
client too slow to keep up gets a ``resync`` event (read everything again) instead
of an ever-growing backlog.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio

from itsm.db import listen, notify
from itsm.db.runtime import Database
from itsm.events.domain import DomainEvent

log = logging.getLogger(__name__)

#: Told to a stream that may have missed events: read everything again.
RESYNC = DomainEvent(kind="resync")
QUEUE_SIZE = 1000


@dataclass(eq=False)
class Stream:
    """One open event stream's queue of events."""

    queue: asyncio.Queue[DomainEvent] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_SIZE)
    )

    def put(self, event: DomainEvent) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:  # too slow: drop the backlog, tell it to read again
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(RESYNC)


@dataclass(eq=False)
class Hub:
    loop: asyncio.AbstractEventLoop
    streams: set[Stream] = field(default_factory=set)
    #: Set once the PostgreSQL listener has its LISTEN in place (at once on SQLite).
    ready: anyio.Event = field(default_factory=anyio.Event)

    def fan_out(self, events: Sequence[DomainEvent]) -> None:
        """On the event loop: hand ``events`` to every open stream."""
        for stream in self.streams:
            for event in events:
                stream.put(event)

    def from_thread(self, events: Sequence[DomainEvent]) -> None:
        """An after-commit subscriber: commits happen in worker threads."""
        self.loop.call_soon_threadsafe(self.fan_out, list(events))

    def resync(self) -> None:
        self.fan_out([RESYNC])

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[Stream]:
        stream = Stream()
        self.streams.add(stream)
        try:
            yield stream
        finally:
            self.streams.discard(stream)


@asynccontextmanager
async def running_hub(db: Database) -> AsyncIterator[Hub]:
    """The hub of ``db`` for the server's lifetime (with its listener on PostgreSQL)."""
    hub = Hub(loop=asyncio.get_running_loop())
    if not notify.publishes(db.engine):
        db.bus.after_commit.append(hub.from_thread)
        hub.ready.set()
        try:
            yield hub
        finally:
            db.bus.after_commit.remove(hub.from_thread)
        return

    async def listening() -> None:
        hub.ready.set()

    async def run() -> None:
        await listen.listen(db.engine, hub.fan_out, on_gap=hub.resync, listening=listening)

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(run)
        try:
            yield hub
        finally:
            tasks.cancel_scope.cancel()
