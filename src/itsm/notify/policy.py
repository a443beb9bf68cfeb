"""Who is told what: the one place that turns a ticket's domain event into recipients.

The table of issue 15 ("who is told what"), as a pure function of the facts the
outbox subscriber reads (:class:`Facts`). Channels and the worker only deliver what
this decides. Internal notes never reach end users: whatever a rule says, an
internal event keeps only staff recipients (:func:`audience` checks it last).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from itsm.notify.models import NotifyKind
from itsm.tickets.models import EventKind, Source, Status

_AUTOMATIC_SOURCES = frozenset({Source.ALERT, Source.DIAGNOSTIC})
_TOLD_TO_REQUESTER = frozenset({Status.PENDING, Status.RESOLVED})
_CLOSED = frozenset({Status.RESOLVED, Status.CLOSED})
_TOLD_TO_ACTOR = frozenset({NotifyKind.TICKET_CREATED})
#: The audit events someone may be told of (a person or a webhook): the outbox writes
#: nothing for the others.
TOLD = frozenset(
    {
        EventKind.CREATED,
        EventKind.ASSIGNED,
        EventKind.COMMENTED,
        EventKind.STATUS_CHANGED,
        EventKind.SLA_WARNING,
        EventKind.SLA_BREACH,
    }
)


#: The kinds an end user can be told of; the others reach staff only (see the rules).
_REQUESTER_KINDS = (NotifyKind.TICKET_CREATED, NotifyKind.COMMENT, NotifyKind.STATUS)


def kinds_for(*, staff: bool) -> tuple[NotifyKind, ...]:
    """The kinds a person can be told of, which their preferences are worth showing."""
    return tuple(NotifyKind) if staff else _REQUESTER_KINDS


@dataclass(frozen=True)
class Facts:
    """What is known about one ticket event when its transaction commits."""

    event: str  # the audit event kind (``EventKind``)
    requester_id: int | None
    assignee_id: int | None
    source: str
    internal: bool = False
    actor_id: int | None = None  # who made the change (None: the system)
    status: str | None = None  # status_changed: the new status
    previous_status: str | None = None  # status_changed: the old one
    breached_now: bool = False  # an SLA breach of this ticket in the same transaction
    staff_ids: frozenset[int] = field(default_factory=frozenset)  # active technicians + admins
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    system_ids: frozenset[int] = field(default_factory=frozenset)  # of requester, assignee
    # The people copied on the ticket (commented, status_changed): told what the requester is.
    watcher_ids: frozenset[int] = field(default_factory=frozenset)
    category: str | None = None  # the ticket's
    # Technicians with categories set, and those (tickets.technician_categories).
    categories: Mapping[int, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True, order=True)
class Recipient:
    user_id: int
    kind: NotifyKind


def audience(facts: Facts) -> list[Recipient]:
    """Who is told of ``facts``, and as which kind; not the person who made the change,
    except the requester's confirmation of the ticket they filed themselves, and never
    a system account (the diagnostics agent's, requester of its tickets)."""
    told = {
        Recipient(user_id, kind)
        for user_id, kind in _rules(facts)
        if user_id is not None
        and user_id not in facts.system_ids
        and (user_id != facts.actor_id or kind in _TOLD_TO_ACTOR)
    }
    if facts.internal:  # staff only, whatever the rules said
        told = {r for r in told if r.user_id in facts.staff_ids}
    return sorted(told)


def _rules(f: Facts) -> Iterable[tuple[int | None, NotifyKind]]:
    staff = sorted(f.staff_ids)
    if f.event == EventKind.CREATED:
        if f.source in _AUTOMATIC_SOURCES:
            yield from ((s, NotifyKind.ALERT_TICKET) for s in of_category(f))
            return
        yield f.requester_id, NotifyKind.TICKET_CREATED
        if f.assignee_id is None:
            yield from ((s, NotifyKind.NEW_TICKET) for s in of_category(f))
    elif f.event == EventKind.ASSIGNED:
        yield f.assignee_id, NotifyKind.ASSIGNED
        if f.breached_now:  # sla tick reassigned it: an escalation
            yield from ((a, NotifyKind.ESCALATED) for a in sorted(f.admin_ids))
    elif f.event == EventKind.COMMENTED:
        if f.internal:
            return
        if f.actor_id is not None and _speaks_for_requester(f, f.actor_id):
            if f.assignee_id is not None:
                yield f.assignee_id, NotifyKind.COMMENT
            else:
                yield from ((s, NotifyKind.COMMENT) for s in staff)
        elif f.actor_id in f.staff_ids:
            yield from ((p, NotifyKind.COMMENT) for p in _requester_side(f))
    elif f.event == EventKind.STATUS_CHANGED:
        if f.status in _TOLD_TO_REQUESTER:
            yield from ((p, NotifyKind.STATUS) for p in _requester_side(f))
        elif f.previous_status in _CLOSED and f.status not in _CLOSED:
            yield f.assignee_id, NotifyKind.REOPENED
    elif f.event == EventKind.SLA_WARNING:
        yield f.assignee_id, NotifyKind.SLA_WARNING
    elif f.event == EventKind.SLA_BREACH:
        yield f.assignee_id, NotifyKind.SLA_BREACH
        yield from ((s, NotifyKind.SLA_BREACH) for s in of_category(f))


def _requester_side(f: Facts) -> list[int | None]:
    """The requester and the ticket's watchers: a staff reply goes to them all, never to
    whoever wrote last (issue 15)."""
    return [f.requester_id, *sorted(f.watcher_ids)]


def _speaks_for_requester(f: Facts, actor_id: int) -> bool:
    """A comment by the requester, or by an end user copied on the ticket (staff copied
    on it reply as staff)."""
    return actor_id == f.requester_id or (actor_id in f.watcher_ids and actor_id not in f.staff_ids)


def rating_link(facts: Facts, user_id: int) -> bool:
    """Whether ``user_id``'s message of ``facts`` asks for a rating: a resolved ticket,
    told to its requester (watchers are told, but the rating is the requester's)."""
    return (
        facts.event == EventKind.STATUS_CHANGED
        and facts.status == Status.RESOLVED
        and user_id == facts.requester_id
    )


def of_category(f: Facts) -> list[int]:
    """The staff told of a ticket by its category (new unassigned, alert or diagnostics,
    SLA breach): every admin, and each technician whose categories include it or who
    has none set (every category: so nothing changes until an admin sets some)."""
    return [
        s
        for s in sorted(f.staff_ids)
        if s in f.admin_ids or (mine := f.categories.get(s)) is None or f.category in mine
    ]
