"""One computation of the dashboard's figures serves every reader; readers never wait
for one but the very first.

Shared by the web page and ``GET /api/v1/reports/dashboard`` (one per server process,
on ``app.state``). Figures are keyed on the live hub's generation (bumped by every
batch of events that may move them). Stale while revalidate: a reader of figures
behind the generation, or older than :data:`FRESH_S`, gets the last figures at once
and one computation starts in the background (single flight); its end is announced
(``on_fresh``) so that open dashboards read the new figures. A change while it runs
starts the next one when it ends. Figures older than :data:`STALE_MAX_S` are never
served: the reader waits for a computation, as the very first reader does.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from itsm.accounts.principal import Principal
from itsm.db.base import utcnow
from itsm.reports.dashboard import dashboard, past_days
from itsm.reports.schemas import Dashboard, DayFigures
from itsm.users.policy import require_staff

log = logging.getLogger(__name__)

#: Figures computed within this many seconds, with no change since, are current
#: ("due within the hour" moves with time: older ones are computed again).
FRESH_S = 15.0
#: Figures this old are never served, even while a computation runs: the reader waits.
STALE_MAX_S = 120.0
#: The trend's past days are read again at most this often (a late rating moves them).
PAST_DAYS_S = 300.0

Sessions = Callable[[], AbstractContextManager[Session]]


@dataclass
class _Cached:
    generation: int
    at: datetime
    figures: Dashboard


@dataclass
class _PastDays:
    at: datetime
    days: list[DayFigures]


@dataclass(eq=False)
class _Flight:
    """The computation under way (of the figures as of ``generation``)."""

    generation: int
    done: threading.Event = field(default_factory=threading.Event)
    figures: Dashboard | None = None


def _nothing() -> None:
    return None


@dataclass(eq=False)
class DashboardCache:
    #: Units of work of its own for the background computations (read only).
    sessions: Sessions
    #: Days begin at midnight in this zone.
    zone: ZoneInfo
    #: Told, in the computing thread, each time new figures are in place.
    on_fresh: Callable[[], None] = _nothing
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _cached: _Cached | None = None
    _past: _PastDays | None = None
    _flight: _Flight | None = None
    _thread: threading.Thread | None = None
    #: The newest generation asked for (by a reader or :meth:`changed`).
    _wanted: int = 0
    _closed: bool = False
    #: Readers waiting for a computation (tests observe it).
    waiting: int = 0
    #: Computations finished, successful or not (tests observe it).
    computed: int = 0

    def figures(self, session: Session, *, who: Principal, generation: int) -> Dashboard:
        """The figures as of ``generation``, or the last ones while one computation of
        them runs in the background; only when there are none (or too old to serve)
        does the reader wait, for its own computation (in ``session``) or the one under
        way."""
        require_staff(who)  # before any lookup, cached or not
        while True:
            with self._lock:
                now = utcnow()
                self._wanted = max(self._wanted, generation)
                cached = self._cached
                if cached is not None and self._current(cached, generation, now):
                    return cached.figures
                servable = cached is not None and _age(cached, now) < STALE_MAX_S
                flight = self._flight
                if flight is None:
                    flight = self._flight = _Flight(self._wanted)
                    if not servable:
                        break  # compute here, in the reader's unit of work
                    self._spawn(flight)
                if cached is not None and servable:
                    return cached.figures
                self.waiting += 1
            flight.done.wait()
            with self._lock:
                self.waiting -= 1
            if flight.figures is not None and flight.generation >= generation:
                return flight.figures  # what it waited for, however long it took
            # another generation's figures, or the computation failed: look again
        try:
            self._compute(session, flight)
            assert flight.figures is not None
            return flight.figures
        finally:
            self._land(flight)

    def changed(self, generation: int) -> None:
        """The figures may have moved (the hub's new ``generation``): compute them again
        in the background, once, if some have been read (someone is looking)."""
        with self._lock:
            self._wanted = max(self._wanted, generation)
            if self._flight is not None or self._cached is None or self._closed:
                return  # the computation under way starts the next when it ends
            flight = self._flight = _Flight(self._wanted)
            self._spawn(flight)

    def close(self) -> None:
        """No more background computations; waits for the one under way."""
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            thread.join()

    def _current(self, cached: _Cached, generation: int, now: datetime) -> bool:
        return cached.generation >= generation and _age(cached, now) < FRESH_S

    def _spawn(self, flight: _Flight) -> None:
        """Under the lock: run ``flight`` in a thread of its own."""
        thread = threading.Thread(
            target=self._background, args=(flight,), name="dashboard-figures", daemon=True
        )
        self._thread = thread
        thread.start()

    def _background(self, flight: _Flight) -> None:
        try:
            with self.sessions() as session:
                self._compute(session, flight)
        except Exception:  # the last figures stay (STALE_MAX_S bounds them); a reader retries
            log.exception("computing the dashboard's figures failed")
        finally:
            self._land(flight)

    def _land(self, flight: _Flight) -> None:
        """The flight is over: wake its readers, announce new figures, and start the next
        computation if a change came meanwhile."""
        with self._lock:
            self._flight = None
            self.computed += 1
            if flight.figures is not None and self._wanted > flight.generation and not self._closed:
                self._flight = _Flight(self._wanted)
                self._spawn(self._flight)
        flight.done.set()
        if flight.figures is not None:
            self.on_fresh()

    def _compute(self, session: Session, flight: _Flight) -> None:
        now, zone = utcnow(), self.zone
        past = self._past
        if (
            past is None
            or (now - past.at).total_seconds() >= PAST_DAYS_S
            or past.at.astimezone(zone).date() != now.astimezone(zone).date()
        ):
            past = _PastDays(now, past_days(session, now=now, zone=zone))
        # who=None: the system's reading (each reader's access was checked in figures())
        figures = dashboard(session, who=None, now=now, zone=zone, past_days=past.days)
        with self._lock:
            self._past = past
            # aged from now, not from their start: the readers that a slow computation's
            # announcement sends must find them current, not start another one
            self._cached = _Cached(flight.generation, utcnow(), figures)
        flight.figures = figures


def _age(cached: _Cached, now: datetime) -> float:
    return (now - cached.at).total_seconds()
