"""The SLA clock of one ticket: due times, warnings, pause while pending.

Pure functions over a ticket's fields and a :class:`BusinessCalendar`; the tickets
service calls them in the transaction of the change that moves the clock, so the
due times stored on the ticket are always current.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from itsm.sla.calendar import BusinessCalendar
from itsm.sla.calendar_config import CalendarSettings
from itsm.sla.config import SlaSettings
from itsm.tickets.models import Ticket


@lru_cache(maxsize=8)
def calendar_for(settings: CalendarSettings) -> BusinessCalendar:
    return BusinessCalendar(settings)


def start_times(priority: str, sla: SlaSettings, *, since: datetime) -> dict[str, datetime]:
    """Due and warning times of a new ticket of ``priority``, counted from ``since``."""
    cal = calendar_for(sla.calendar)
    target = sla.targets[priority]
    fr = timedelta(minutes=target.first_response_minutes)
    res = timedelta(minutes=target.resolution_minutes)
    return {
        "first_response_due_at": cal.add(since, fr),
        "first_response_warn_at": cal.add(since, fr * sla.warn_ratio),
        "resolution_due_at": cal.add(since, res),
        "resolution_warn_at": cal.add(since, res * sla.warn_ratio),
    }


def start_clock(ticket: Ticket, sla: SlaSettings, *, since: datetime) -> None:
    """Set due and warning times from the ticket's priority target, counted from ``since``."""
    times = start_times(ticket.priority, sla, since=since)
    if ticket.first_response_at is None:
        ticket.first_response_due_at = times["first_response_due_at"]
        ticket.first_response_warn_at = times["first_response_warn_at"]
    if ticket.resolved_at is None:
        ticket.resolution_due_at = times["resolution_due_at"]
        ticket.resolution_warn_at = times["resolution_warn_at"]


def retarget(ticket: Ticket, sla: SlaSettings, *, old_priority: str) -> None:
    """After a priority change: the new targets counted from creation, plus the business
    time each clock has already been paused (what its old time holds beyond its target)."""
    cal = calendar_for(sla.calendar)
    since = ticket.created_at
    old, new, ratio = sla.targets[old_priority], sla.targets[ticket.priority], sla.warn_ratio

    def moved(moment: datetime | None, old_span: timedelta, new_span: timedelta) -> datetime:
        paused = cal.between(since, moment) - old_span if moment else timedelta(0)
        return cal.add(since, new_span + max(paused, timedelta(0)))

    if ticket.first_response_at is None:
        a = timedelta(minutes=old.first_response_minutes)
        b = timedelta(minutes=new.first_response_minutes)
        ticket.first_response_due_at = moved(ticket.first_response_due_at, a, b)
        ticket.first_response_warn_at = moved(ticket.first_response_warn_at, a * ratio, b * ratio)
    if ticket.resolved_at is None:
        a = timedelta(minutes=old.resolution_minutes)
        b = timedelta(minutes=new.resolution_minutes)
        ticket.resolution_due_at = moved(ticket.resolution_due_at, a, b)
        ticket.resolution_warn_at = moved(ticket.resolution_warn_at, a * ratio, b * ratio)
    _rearm(ticket, datetime.now(UTC))


def pause(ticket: Ticket, *, at: datetime) -> None:
    if ticket.sla_paused_at is None:
        ticket.sla_paused_at = at


def resume(ticket: Ticket, sla: SlaSettings, *, at: datetime) -> None:
    """Shift every running due/warn time by the business time spent paused."""
    paused = ticket.sla_paused_at
    if paused is None:
        return
    cal = calendar_for(sla.calendar)

    def shifted(moment: datetime | None) -> datetime | None:
        if moment is None or moment <= paused:
            return moment  # already passed before the pause: stays breached
        return cal.add(at, cal.between(paused, moment))

    if ticket.first_response_at is None:
        ticket.first_response_due_at = shifted(ticket.first_response_due_at)
        ticket.first_response_warn_at = shifted(ticket.first_response_warn_at)
    ticket.resolution_due_at = shifted(ticket.resolution_due_at)
    ticket.resolution_warn_at = shifted(ticket.resolution_warn_at)
    ticket.sla_paused_at = None
    _rearm(ticket, at)


def _rearm(ticket: Ticket, now: datetime) -> None:
    """A warning or breach whose time moved back into the future can happen again."""
    for name in ("first_response", "resolution"):
        warn_at = getattr(ticket, f"{name}_warn_at")
        due_at = getattr(ticket, f"{name}_due_at")
        if due_at is not None and due_at > now:
            setattr(ticket, f"{name}_breached", False)
        if warn_at is not None and warn_at > now:
            setattr(ticket, f"{name}_warned", False)
