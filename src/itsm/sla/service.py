"""``itsm sla tick``: warnings, breaches, escalation and auto-close, once each.

Run from cron or the agent loop. Each step is one indexed query over running
clocks; the flags stored on the ticket make every event happen once however
often the tick runs, and the row locks (PostgreSQL) / write lock (SQLite) of
the caller's transaction keep two ticks from doing the same work twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from itsm.db.base import utcnow
from itsm.sla.config import SlaSettings
from itsm.tickets import events
from itsm.tickets import service as tickets
from itsm.tickets.assignees import SystemAccount, require_assignable
from itsm.tickets.models import EventKind, Priority, Status, Ticket
from itsm.tickets.schemas import TicketUpdate
from itsm.users import service as users
from itsm.users.errors import InactiveUser, NotStaff, UserNotFound
from itsm.users.models import Role, User

RUNNING = (Status.OPEN, Status.IN_PROGRESS)
_RAISE = {
    Priority.LOW: Priority.MEDIUM,
    Priority.MEDIUM: Priority.HIGH,
    Priority.HIGH: Priority.CRITICAL,
}


@dataclass
class TickResult:
    warned: list[str] = field(default_factory=list)
    breached: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    #: What in the settings could not be followed (the tick still did the rest).
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "warned": self.warned,
            "breached": self.breached,
            "escalated": self.escalated,
            "closed": self.closed,
            "problems": self.problems,
        }


def tick(
    session: Session, *, sla: SlaSettings, now: datetime | None = None, actor: User | None = None
) -> TickResult:
    now = now or utcnow()
    result = TickResult()
    if not sla.enabled:
        return result
    target = _escalation_target(session, sla.escalation.reassign_to, result)
    for clock in ("first_response", "resolution"):
        _warn(session, clock, now, actor, result)
        _breach(session, clock, now, actor, sla, target, result)
    _auto_close(session, now, actor, sla, result)
    return result


def _running(clock: str) -> list[object]:
    conditions: list[object] = [Ticket.status.in_(RUNNING)]
    if clock == "first_response":
        conditions.append(Ticket.first_response_at.is_(None))
    return conditions


def _warn(
    session: Session, clock: str, now: datetime, actor: User | None, result: TickResult
) -> None:
    warn_at = getattr(Ticket, f"{clock}_warn_at")
    flag = getattr(Ticket, f"{clock}_warned")
    due = getattr(Ticket, f"{clock}_due_at")
    rows = session.scalars(
        select(Ticket)
        .where(*_running(clock), warn_at <= now, due > now, flag.is_(False))  # type: ignore[arg-type]
        .order_by(Ticket.id)
        # OF tickets: PostgreSQL refuses to lock the outer-joined (eager) users.
        .with_for_update(skip_locked=True, of=Ticket)
    ).all()
    for ticket in rows:
        setattr(ticket, f"{clock}_warned", True)
        events.record(
            session,
            ticket=ticket,
            actor=actor,
            kind=EventKind.SLA_WARNING,
            field=clock,
            new=getattr(ticket, f"{clock}_due_at").isoformat(),
        )
        result.warned.append(f"{ticket.number}:{clock}")


def _breach(
    session: Session,
    clock: str,
    now: datetime,
    actor: User | None,
    sla: SlaSettings,
    target: User | None,
    result: TickResult,
) -> None:
    due = getattr(Ticket, f"{clock}_due_at")
    flag = getattr(Ticket, f"{clock}_breached")
    rows = session.scalars(
        select(Ticket)
        .where(*_running(clock), due <= now, flag.is_(False))  # type: ignore[arg-type]
        .order_by(Ticket.id)
        .with_for_update(skip_locked=True, of=Ticket)
    ).all()
    for ticket in rows:
        setattr(ticket, f"{clock}_breached", True)
        setattr(ticket, f"{clock}_warned", True)
        events.record(
            session,
            ticket=ticket,
            actor=actor,
            kind=EventKind.SLA_BREACH,
            field=clock,
            new=getattr(ticket, f"{clock}_due_at").isoformat(),
        )
        result.breached.append(f"{ticket.number}:{clock}")
        # One escalation per ticket and tick, even when both of its clocks breach now.
        if ticket.number not in result.escalated and _escalate(session, ticket, actor, sla, target):
            result.escalated.append(ticket.number)


def _escalate(
    session: Session, ticket: Ticket, actor: User | None, sla: SlaSettings, target: User | None
) -> bool:
    rule = sla.escalation
    done = False
    raised = _RAISE.get(Priority(ticket.priority))
    if rule.raise_priority and raised is not None:
        # The clock keeps its original targets: escalation must not buy more time.
        tickets.update_ticket(
            session, ref=ticket.id, data=TicketUpdate(priority=raised), actor=actor
        )
        done = True
    if target is not None and ticket.assignee_id != target.id:
        tickets.assign(session, ref=ticket.id, assignee_ref=target.id, actor=actor)
        done = True
    return done


def _escalation_target(session: Session, name: str | None, result: TickResult) -> User | None:
    """Whom ``sla.escalation.reassign_to`` names, or ``None`` with a problem said why.

    A rule that cannot be followed must not stop the tick (breaches are still
    recorded, priorities still raised), and must not go unnoticed either: each tick
    reports it (``itsm sla tick`` prints a warning) until the settings or the user are fixed.
    """
    if not name:
        return None
    found: User | None
    if name == "admin":
        found = session.scalar(
            select(User)
            .where(User.role == Role.ADMIN, User.is_active, User.system.is_(False))
            .order_by(User.id)
            .limit(1)
        )
        reason = "there is no active admin"
    else:
        try:
            found = require_assignable(users.get_user(session, ref=name))
        except SystemAccount:
            found, reason = None, f"{name!r} is a system account (the diagnostics agent's)"
        except UserNotFound:
            found, reason = None, f"there is no user {name!r}"
        except NotStaff:
            found, reason = None, f"{name!r} is not a technician or an admin"
        except InactiveUser:
            found, reason = None, f"{name!r} is deactivated"
    if found is None:
        problem = (
            f"sla.escalation.reassign_to = {name!r} cannot be followed: {reason}; "
            "breached tickets are not reassigned"
        )
        result.problems.append(problem)
    return found


def _auto_close(
    session: Session, now: datetime, actor: User | None, sla: SlaSettings, result: TickResult
) -> None:
    if sla.auto_close_hours is None:
        return
    cutoff = now - timedelta(hours=sla.auto_close_hours)
    rows = session.scalars(
        select(Ticket)
        .where(Ticket.status == Status.RESOLVED, Ticket.resolved_at <= cutoff)
        .order_by(Ticket.id)
        .with_for_update(skip_locked=True, of=Ticket)
    ).all()
    for ticket in rows:
        tickets.change_status(
            session, ref=ticket.id, status=Status.CLOSED, actor=actor, sla=sla, now=now
        )
        result.closed.append(ticket.number)
