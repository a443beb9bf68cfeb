"""Ticket watchers: people copied on a ticket (like Cc), told what its requester is told.

A watcher sees the ticket as its requester does (:mod:`itsm.tickets.visibility`):
its public timeline, never internal notes, and may comment publicly. Who may
change the watchers is :func:`check_change`; every door and the mail intake come
through :func:`add_watcher` / :func:`remove_watcher`, which write the audit trail
(``watcher_added`` / ``watcher_removed``, also told as domain events).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from itsm.errors import N_, Forbidden, InvalidInput
from itsm.tickets import access, events, refs
from itsm.tickets.models import ACTIVE_STATUSES, EventKind, Ticket, TicketWatcher
from itsm.tickets.schemas import WatcherRead
from itsm.tickets.visibility import sees_all
from itsm.users import service as users
from itsm.users.models import User

WATCHER_FIELD = "watcher"  # the ``field`` of the audit events


class SystemAccountWatcher(InvalidInput):
    """A system account (the diagnostics agent's) was named as a watcher."""


def check_change(actor: User | None, *, ticket: Ticket, user: User, adding: bool) -> None:
    """Who may change a ticket's watchers: staff (and the system) anyone's; the requester
    those of their own ticket; anyone may stop watching. The rest are refused."""
    if actor is None or sees_all(actor):
        return
    if actor.id == ticket.requester_id or (not adding and actor.id == user.id):
        return
    raise Forbidden(
        N_(
            "only staff and the ticket's requester may change its watchers "
            "(a watcher may remove only themselves)"
        )
    )


def require_watchable(user: User) -> User:
    """``user`` if they may watch tickets: an active account that is no system account."""
    if user.system:
        raise SystemAccountWatcher(
            N_(
                "%(username)r is the diagnostics agent's account and cannot watch "
                "tickets; give a person"
            ),
            username=user.username,
        )
    return users.require_active(user)


def _changed_ticket(
    session: Session,
    *,
    ref: int | str | None,
    ticket: Ticket | None,
    actor: User | None,
    user: User,
    adding: bool,
) -> Ticket:
    """The ticket whose watchers change (``ticket``, or by ``ref`` as ``actor`` may see
    it), once :func:`check_change` lets ``actor`` add or remove ``user``."""
    if ticket is None:
        if ref is None:
            raise InvalidInput(N_("no ticket given; pass an id or a TKT-YYYYMMDD-NNNN number"))
        ticket = access.visible_ticket(session, ref=ref, viewer=actor)
    check_change(actor, ticket=ticket, user=user, adding=adding)
    return ticket


def add_watcher(
    session: Session,
    *,
    user: User,
    actor: User | None,
    ref: int | str | None = None,
    ticket: Ticket | None = None,
) -> bool:
    """Copy ``user`` on the ticket (by ``ref``, as ``actor`` may see it, or ``ticket``).

    Idempotent: ``False`` when nothing changed (already a watcher, or the ticket's
    requester, who is told everything already). The mail intake passes ``actor=None``
    (the system) for a person in Cc of a reply.
    """
    found = _changed_ticket(session, ref=ref, ticket=ticket, actor=actor, user=user, adding=True)
    require_watchable(user)
    if user.id == found.requester_id or is_watching(session, found, user):
        return False
    session.add(
        TicketWatcher(ticket_id=found.id, user_id=user.id, added_by_id=actor.id if actor else None)
    )
    events.record(
        session,
        ticket=found,
        actor=actor,
        kind=EventKind.WATCHER_ADDED,
        field=WATCHER_FIELD,
        new=user.username,
    )
    session.flush()
    return True


def remove_watcher(
    session: Session,
    *,
    user: User,
    actor: User | None,
    ref: int | str | None = None,
    ticket: Ticket | None = None,
) -> bool:
    """Stop copying ``user`` on the ticket; ``False`` when they were no watcher."""
    found = _changed_ticket(session, ref=ref, ticket=ticket, actor=actor, user=user, adding=False)
    row = session.get(TicketWatcher, (found.id, user.id))
    if row is None:
        return False
    session.delete(row)
    events.record(
        session,
        ticket=found,
        actor=actor,
        kind=EventKind.WATCHER_REMOVED,
        field=WATCHER_FIELD,
        old=user.username,
    )
    session.flush()
    return True


def is_watching(session: Session, ticket: Ticket, user: User) -> bool:
    return session.get(TicketWatcher, (ticket.id, user.id)) is not None


def watchers_of(session: Session, ticket: Ticket) -> list[User]:
    """The ticket's watchers, by username."""
    stmt = (
        select(User)
        .join(TicketWatcher, TicketWatcher.user_id == User.id)
        .where(TicketWatcher.ticket_id == ticket.id)
        .order_by(User.username)
    )
    return list(session.scalars(stmt))


def watcher_ids(session: Session, ticket_id: int) -> frozenset[int]:
    """The ids of the ticket's watchers (who the notifications tell)."""
    stmt = select(TicketWatcher.user_id).where(TicketWatcher.ticket_id == ticket_id)
    return frozenset(session.scalars(stmt))


def watched_by(session: Session, *, user: User, limit: int = 50) -> Sequence[Ticket]:
    """The tickets ``user`` is copied on (not those they requested), active first, newest
    first within each."""
    stmt = (
        select(Ticket)
        .join(TicketWatcher, TicketWatcher.ticket_id == Ticket.id)
        .where(TicketWatcher.user_id == user.id, Ticket.requester_id != user.id)
        .order_by(Ticket.status.in_(ACTIVE_STATUSES).desc(), Ticket.created_at.desc(), Ticket.id)
        .limit(limit)
    )
    return session.scalars(stmt).unique().all()


def _by_refs(
    session: Session, *, ref: int | str, user_ref: int | str, actor: User | None, adding: bool
) -> tuple[Ticket, User]:
    """The ticket (as ``actor`` may see it) and the user of a door's references.

    :func:`check_change`'s refusals that do not depend on who ``user_ref`` is come
    before looking them up, so that a refused end user learns nothing of other accounts.
    """
    ticket = access.visible_ticket(session, ref=ref, viewer=actor)
    if (
        actor is not None
        and not sees_all(actor)
        and actor.id != ticket.requester_id
        and (adding or not users.names(actor, user_ref))
    ):
        check_change(actor, ticket=ticket, user=actor, adding=True)  # refuses
    return ticket, refs.user_ref(session, user_ref)


def watch(
    session: Session, *, ref: int | str, user_ref: int | str, actor: User | None
) -> tuple[Ticket, User, bool]:
    """:func:`add_watcher` for the doors, by references: ``(ticket, user, added)``."""
    ticket, user = _by_refs(session, ref=ref, user_ref=user_ref, actor=actor, adding=True)
    return ticket, user, add_watcher(session, ticket=ticket, user=user, actor=actor)


def unwatch(
    session: Session, *, ref: int | str, user_ref: int | str, actor: User | None
) -> tuple[Ticket, User, bool]:
    """:func:`remove_watcher` for the doors, by references: ``(ticket, user, removed)``."""
    ticket, user = _by_refs(session, ref=ref, user_ref=user_ref, actor=actor, adding=False)
    return ticket, user, remove_watcher(session, ticket=ticket, user=user, actor=actor)


def watcher_reads(session: Session, *, ref: int | str, viewer: User | None) -> list[WatcherRead]:
    """The watchers of ``ref`` as its readers see them (all who see the ticket see who is
    copied on it, as with Cc)."""
    return reads_of(session, access.visible_ticket(session, ref=ref, viewer=viewer))


def reads_of(session: Session, ticket: Ticket) -> list[WatcherRead]:
    """The watchers of ``ticket``, which the caller has already found it may see."""
    return [
        WatcherRead(id=u.id, username=u.username, full_name=u.full_name)
        for u in watchers_of(session, ticket)
    ]
