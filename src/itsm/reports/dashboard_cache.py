"""One computation of the dashboard's figures serves every reader until a change.

Shared by the web page and ``GET /api/v1/reports/dashboard`` (one per server
process, on ``app.state``). Figures are keyed on the live hub's generation (bumped by
every batch of events that may move them); readers that arrive while they are being
computed wait for that computation instead of starting their own (single flight),
however long it takes, so an event that makes every open dashboard read again costs
one computation, not one per screen.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from itsm.accounts.principal import Principal
from itsm.db.base import utcnow
from itsm.reports.dashboard import dashboard, past_days
from itsm.reports.schemas import Dashboard, DayFigures
from itsm.users.policy import require_staff

#: Figures computed within this many seconds of each other, with no change between,
#: are served again ("due within the hour" moves with time).
FRESH_S = 15.0
#: The trend's past days are read again at most this often (a late rating moves them).
PAST_DAYS_S = 300.0


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
    """The computation under way; its readers wait for it, however long it takes."""

    generation: int
    done: threading.Event = field(default_factory=threading.Event)
    figures: Dashboard | None = None


@dataclass(eq=False)
class DashboardCache:
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _cached: _Cached | None = None
    _past: _PastDays | None = None
    _flight: _Flight | None = None
    #: Readers waiting for another's computation (tests observe it).
    waiting: int = 0

    def figures(
        self, session: Session, *, who: Principal, generation: int, zone: ZoneInfo
    ) -> Dashboard:
        """The figures as of ``generation``: the stored ones while fresh, else computed
        once (the readers arriving meanwhile wait for them)."""
        require_staff(who)  # before any lookup, cached or not
        while True:
            with self._lock:
                hit = self._fresh(generation, utcnow())
                if hit is not None:
                    return hit
                flight = self._flight
                if flight is None:
                    flight = self._flight = _Flight(generation)
                    break
                self.waiting += 1
            flight.done.wait()
            with self._lock:
                self.waiting -= 1
            if flight.generation == generation and flight.figures is not None:
                return flight.figures
            # another generation's figures, or its computation failed: look again
        try:
            flight.figures = self._compute(session, who=who, generation=generation, zone=zone)
            return flight.figures
        finally:
            with self._lock:
                self._flight = None
            flight.done.set()

    def _compute(
        self, session: Session, *, who: Principal, generation: int, zone: ZoneInfo
    ) -> Dashboard:
        now = utcnow()
        past = self._past
        if (
            past is None
            or (now - past.at).total_seconds() >= PAST_DAYS_S
            or past.at.astimezone(zone).date() != now.astimezone(zone).date()
        ):
            past = _PastDays(now, past_days(session, now=now, zone=zone))
        figures = dashboard(session, who=who, now=now, zone=zone, past_days=past.days)
        with self._lock:
            self._past = past
            self._cached = _Cached(generation, now, figures)
        return figures

    def _fresh(self, generation: int, now: datetime) -> Dashboard | None:
        cached = self._cached
        if (
            cached is not None
            and cached.generation == generation
            and (now - cached.at).total_seconds() < FRESH_S
        ):
            return cached.figures
        return None
