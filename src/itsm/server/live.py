"""The server process's live-update hub: domain events fanned out to open event streams.

Fed by the database's bus after each commit on SQLite (one host: the changes this
process commits), or by the ``LISTEN`` connection on PostgreSQL (every process's
changes, this one's included, each heard once). Each stream has a bounded queue: a
client too slow to keep up gets a ``resync`` event (read everything again) instead
of an ever-growing backlog.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial

import anyio
from fastapi import Request
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sse_starlette import EventSourceResponse, ServerSentEvent

from itsm.accounts.principal import Principal
from itsm.db import listen, notify, sqlite_watch
from itsm.db.runtime import Database
from itsm.errors import ItsmError
from itsm.events import watermark
from itsm.events.domain import DASHBOARD_REFRESHED, TICKET_PREFIX, DomainEvent
from itsm.events.policy import may_hear, moves_dashboard
from itsm.tickets import visibility
from itsm.tickets.models import EventKind

log = logging.getLogger(__name__)

#: Told to a stream that may have missed events: read everything again.
RESYNC = DomainEvent(kind="resync")
FIGURES_FRESH = DomainEvent(kind=DASHBOARD_REFRESHED)
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
    #: Bumped by every batch of events that may move the dashboard's figures (not a
    #: token made, say): what its cache of figures is keyed on.
    generation: int = 0
    #: Set once the PostgreSQL listener has its LISTEN in place (at once on SQLite).
    ready: anyio.Event = field(default_factory=anyio.Event)
    #: Open streams of dashboard pages: while there are any, a new generation is told
    #: to ``on_change`` (which computes the figures again and announces them).
    dashboards: int = 0
    on_change: Callable[[int], None] | None = None

    def fan_out(self, events: Sequence[DomainEvent]) -> None:
        """On the event loop: hand ``events`` to every open stream."""
        if any(moves_dashboard(e) for e in events):
            self.generation += 1
            if self.dashboards and self.on_change is not None:
                self.on_change(self.generation)
        for stream in self.streams:
            for event in events:
                stream.put(event)

    def from_thread(self, events: Sequence[DomainEvent]) -> None:
        """An after-commit subscriber: commits happen in worker threads."""
        self.loop.call_soon_threadsafe(self.fan_out, list(events))

    def resync(self) -> None:
        self.fan_out([RESYNC])

    def figures_fresh(self) -> None:
        """From any thread: the dashboard's new figures are in place (pages read them)."""
        self.from_thread([FIGURES_FRESH])

    @asynccontextmanager
    async def subscribe(self, *, dashboard: bool = False) -> AsyncIterator[Stream]:
        stream = Stream()
        self.streams.add(stream)
        self.dashboards += dashboard
        try:
            yield stream
        finally:
            self.dashboards -= dashboard
            self.streams.discard(stream)


@asynccontextmanager
async def running_hub(db: Database) -> AsyncIterator[Hub]:
    """The hub of ``db`` for the server's lifetime (with its listener on PostgreSQL)."""
    hub = Hub(loop=asyncio.get_running_loop())
    if not notify.publishes(db.engine):
        db.bus.after_commit.append(hub.from_thread)
        try:
            if not sqlite_watch.watchable(db.engine):
                hub.ready.set()
                yield hub
                return
            async with anyio.create_task_group() as tasks:
                await tasks.start(
                    partial(
                        sqlite_watch.watch, db.engine, watermark.statement(), _foreign_changes(hub)
                    )
                )
                hub.ready.set()
                try:
                    yield hub
                finally:
                    tasks.cancel_scope.cancel()
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


def _foreign_changes(hub: Hub) -> Callable[[], None]:
    """On SQLite: a change this process did not tell of was another process's (the CLI,
    an agent), whose events never reach us: the streams read everything again. One of
    our own within the same interval hides it, but its event makes live views read
    again anyway."""
    seen = hub.generation

    def changed() -> None:
        nonlocal seen
        if hub.generation == seen:
            hub.resync()
        seen = hub.generation

    return changed


#: What changes whether someone sees a ticket they did not request.
_SIGHT_CHANGES = frozenset(
    {TICKET_PREFIX + EventKind.WATCHER_ADDED, TICKET_PREFIX + EventKind.WATCHER_REMOVED}
)
_SIGHT_MEMORY = 10_000


@dataclass(eq=False)
class Sight:
    """Which tickets one end user's stream sees, asked of the visibility rule once per
    ticket (in a worker thread: it reads the database) and asked again when the
    ticket's watchers change or the stream must read everything again."""

    db: Database
    user_id: int
    known: dict[int, bool] = field(default_factory=dict)

    def sees(self, ticket_id: int) -> bool:
        if ticket_id not in self.known:
            if len(self.known) >= _SIGHT_MEMORY:
                self.known.clear()
            with self.db.session(write=False) as session:
                self.known[ticket_id] = visibility.sees_id(
                    session, ticket_id=ticket_id, user_id=self.user_id
                )
        return self.known[ticket_id]

    async def hears(self, who: Principal, event: DomainEvent) -> bool:
        if event.kind == RESYNC.kind:
            self.known.clear()
        elif event.kind in _SIGHT_CHANGES and event.ticket_id is not None:
            self.known.pop(event.ticket_id, None)
        if event.ticket_id is not None and event.ticket_id not in self.known:
            return await anyio.to_thread.run_sync(partial(may_hear, who, event, sees=self.sees))
        return may_hear(who, event, sees=self.sees)


def _every_ticket(ticket_id: int) -> bool:
    """Staff see every ticket (the rule does not ask for them)."""
    return True


#: Run in a unit of work of its own at each heartbeat: raises (``BadCredentials``) once
#: the stream's login is over (logout, a new password, a revoked token, deactivation).
LoginCheck = Callable[[Session], object]


def event_stream(
    request: Request,
    who: Principal,
    *,
    login: LoginCheck,
    named: bool = True,
    only: Callable[[DomainEvent], bool] | None = None,
    dashboard: bool = False,
) -> EventSourceResponse:
    """The response of an event stream for ``who``: ``ready``, then what they may hear.

    ``login`` is checked again at every heartbeat and the stream ends when it fails, or
    once it has been open ``api.event_stream_max_seconds``: a stream never outlives the
    login that opened it. ``named``: each event is named by its kind (API clients listen
    per kind); else every event is a plain ``message`` whose data holds the kind (a page
    listens once). ``only``: the events the page shows (the others would make it read
    again for nothing). ``dashboard``: a dashboard page's stream (while one is open,
    each change has the figures computed again and announced).
    """
    hub: Hub = request.app.state.live
    db: Database = request.app.state.db
    cfg = request.app.state.settings.api
    heartbeat = cfg.event_heartbeat_seconds
    sight = None if who.user.is_staff else Sight(db, who.user.id)

    async def heard(event: DomainEvent) -> bool:
        if only is not None and not only(event):
            return False
        if sight is None:
            return may_hear(who, event, sees=_every_ticket)
        try:
            return await sight.hears(who, event)
        except (ItsmError, SQLAlchemyError) as exc:  # a database away: not heard
            log.info("event stream could not check a ticket's visibility: %s", exc)
            return False

    def login_holds() -> bool:
        try:
            with db.session() as session:
                login(session)
        except (ItsmError, SQLAlchemyError) as exc:  # a database it cannot reach too: closed
            log.info("event stream ended: %s", exc)
            return False
        return True

    async def stream() -> AsyncIterator[ServerSentEvent]:
        opened = anyio.current_time()
        ends_at, check_at = opened + cfg.event_stream_max_seconds, opened + heartbeat
        async with hub.subscribe(dashboard=dashboard) as mine:
            await hub.ready.wait()
            yield ServerSentEvent(event="ready" if named else None, data='{"kind": "ready"}')
            while (now := anyio.current_time()) < ends_at:
                if now >= check_at:
                    if not await anyio.to_thread.run_sync(login_holds):
                        return
                    check_at = anyio.current_time() + heartbeat
                event: DomainEvent | None = None
                with anyio.move_on_after(min(check_at, ends_at) - now):
                    event = await mine.queue.get()
                if event is not None and await heard(event):
                    yield ServerSentEvent(
                        event=event.kind if named else None, data=json.dumps(event.as_json())
                    )

    return EventSourceResponse(stream(), ping=heartbeat)
