"""Domain events, collected on the session and handed to subscribers around its commit.

A service calls :func:`emit` in the caller's transaction. The events wait on the
session: a savepoint or transaction that rolls back drops the events emitted
inside it, so a change that did not happen is never announced. At the commit of
the outermost transaction the :class:`Bus` the session was made with runs its
``before_commit`` subscribers (still inside the transaction: what they write commits
or rolls back with the change, as an outbox or ``NOTIFY`` must) and then, once
committed, its ``after_commit`` subscribers (in-process live views).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

if TYPE_CHECKING:
    from itsm.accounts.principal import Principal

log = logging.getLogger(__name__)

_BUS = "itsm_event_bus"
_PENDING = "itsm_pending_events"

TICKET_PREFIX = "ticket."
#: A diagnostics report was stored for a host (its status may have changed).
HOST_REPORTED = "host.reported"
#: ``itsm ticket import`` wrote tickets in bulk (one event for the whole import).
TICKETS_IMPORTED = "tickets.imported"

# People and their credentials (``user_id`` the person changed, ``actor_id`` who did it).
USER_PREFIX = "user."
USER_CREATED = "user.created"
USER_UPDATED = "user.updated"  # name, email or department
USER_ROLE_CHANGED = "user.role_changed"
USER_DEACTIVATED = "user.deactivated"
USER_REACTIVATED = "user.reactivated"
USER_LANGUAGE_CHANGED = "user.language_changed"
# ``count``: the personal tokens it revoked.
USER_PASSWORD_SET = "user.password_set"  # noqa: S105 - an event kind, not a secret
USER_UNLOCKED = "user.unlocked"  # ``count``: failed logins forgotten
USER_NOTIFY_PREFS_CHANGED = "user.notify_prefs_changed"
# ``user_id``: the token's owner.
TOKEN_PREFIX = "token."  # noqa: S105 - event kinds, not secrets
TOKEN_CREATED = "token.created"  # noqa: S105
TOKEN_REVOKED = "token.revoked"  # noqa: S105
# The inventory (a machine first reported is an ``asset.created`` too) and the knowledge base.
ASSET_CREATED = "asset.created"
ASSET_ASSIGNED = "asset.assigned"  # ``user_id``: the new owner (none: unassigned)
ASSET_STATUS_CHANGED = "asset.status_changed"
#: The server's live dashboard has new figures in place (told by the server, never stored).
DASHBOARD_REFRESHED = "dashboard.refreshed"
ARTICLE_CREATED = "article.created"
ARTICLE_UPDATED = "article.updated"
ARTICLE_PUBLISHED = "article.published"
ARTICLE_UNPUBLISHED = "article.unpublished"
ARTICLE_DELETED = "article.deleted"
ARTICLE_VOTED = "article.voted"  # ``user_id``: the voter


@dataclass(frozen=True)
class DomainEvent:
    """What happened, by kind and ids only: subscribers read again what they need.

    Ticket events are ``ticket.<audit event kind>`` (``ticket.created``,
    ``ticket.status_changed``, ``ticket.commented`` ...); ``source`` is the ticket's
    (``alert``, ``diagnostic`` ...), so an alert's ticket opened or closed is a
    ticket event like any other. ``requester_id`` and ``internal`` are what a
    subscriber needs to decide who may hear of it without a query. The other kinds
    (``user.*``, ``token.*``, ``asset.*``, ``article.*``) name what changed by id, and
    never carry a secret: they are logged as they are.
    """

    kind: str
    ticket_id: int | None = None
    requester_id: int | None = None
    internal: bool = False  # about an internal note: staff only
    source: str | None = None
    asset_id: int | None = None
    severity: str | None = None
    user_id: int | None = None
    token_id: int | None = None
    article_id: int | None = None
    actor_id: int | None = None
    role: str | None = None
    status: str | None = None
    count: int | None = None

    def as_json(self) -> dict[str, Any]:
        """The fields that are set (a small payload for ``NOTIFY`` and the event stream)."""
        return {k: v for k, v in asdict(self).items() if v is not None and v is not False}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DomainEvent:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def encode(events: Sequence[DomainEvent]) -> str:
    return json.dumps([e.as_json() for e in events], separators=(",", ":"))


def decode(payload: str) -> list[DomainEvent]:
    """Events from :func:`encode`'s text; anything malformed is skipped (logged)."""
    try:
        items = json.loads(payload)
        return [DomainEvent.from_json(item) for item in items]
    except (ValueError, TypeError) as exc:
        log.warning("ignored a malformed event payload: %s", exc)
        return []


BeforeCommit = Callable[[Session, Sequence[DomainEvent]], None]
AfterCommit = Callable[[Sequence[DomainEvent]], None]


@dataclass
class Bus:
    """The subscribers of one database's sessions (see :func:`itsm.events.wiring`)."""

    before_commit: list[BeforeCommit] = field(default_factory=list)
    after_commit: list[AfterCommit] = field(default_factory=list)

    def attach(self, factory: sessionmaker[Session]) -> None:
        """Make every session of ``factory`` collect events for this bus."""
        factory.configure(info={_BUS: self})
        event.listen(factory, "before_commit", _before_commit)
        event.listen(factory, "after_commit", _after_commit)
        event.listen(factory, "after_soft_rollback", _after_soft_rollback)
        event.listen(factory, "after_transaction_end", _after_transaction_end)


def emit(session: Session, item: DomainEvent) -> None:
    """Announce ``item`` once the session's transaction commits (never if it rolls back)."""
    if _BUS not in session.info:  # a session made without a bus: nobody listens
        return
    current = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((current, item))


def actor_id(who: Principal | None) -> int | None:
    """Who made a change, for an event's ``actor_id`` (``None``: the system)."""
    return who.user.id if who is not None else None


def _pending(session: Session) -> list[DomainEvent]:
    """The events waiting on the session, each once, in the order they were emitted."""
    seen: dict[DomainEvent, None] = {}
    for _, item in session.info.get(_PENDING, ()):
        seen.setdefault(item)
    return list(seen)


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the outer commit will tell
        return
    events = _pending(session)
    if events:
        for subscriber in session.info[_BUS].before_commit:
            subscriber(session, events)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    events = _pending(session)
    session.info.pop(_PENDING, None)
    for subscriber in session.info[_BUS].after_commit if events else ():
        try:
            subscriber(events)
        except Exception:  # committed already: a failing live view must not fail the change
            log.exception("event subscriber %r failed", subscriber)


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if pending:
        pending[:] = [(t, e) for t, e in pending if not _within(t, previous)]


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # closed without commit or rollback: forget
        session.info.pop(_PENDING, None)


def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False
