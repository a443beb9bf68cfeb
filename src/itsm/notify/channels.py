"""What the worker hands a channel, and how a channel says that delivery failed.

A channel delivers one outbox message. It raises :class:`Transient` when trying
again later may work (a server away, a timeout) and :class:`Permanent` when it
cannot (an address the server refuses): the worker retries the first with backoff
and dead-letters the second. Anything else a channel raises counts as transient.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from itsm.config import Settings
from itsm.notify.models import Channel, OutboxMessage


def delivered(settings: Settings) -> frozenset[str]:
    """The channels this installation delivers: in-app always, email once an SMTP server
    is set, push once VAPID is. The outbox writes no message for the others, so none
    piles up unsent."""
    found = {Channel.IN_APP}
    if settings.email.smtp.host:
        found.add(Channel.EMAIL)
    if settings.push.enabled:
        found.add(Channel.PUSH)
    return frozenset(found)


class DeliveryFailed(Exception):
    """The message was not delivered; the text says why, for the dead-letter list."""


class Transient(DeliveryFailed):
    """Try again later (``retry_after``: not before so many seconds, the server said)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Permanent(DeliveryFailed):
    """Never try again: the message goes to the dead letters."""


@dataclass(frozen=True)
class Recipient:
    id: int
    username: str
    name: str
    email: str | None
    language: str


@dataclass(frozen=True)
class TicketFacts:
    id: int
    number: str
    title: str
    status: str


@dataclass(frozen=True)
class Delivery:
    """One outbox message with what a channel needs to write and send it."""

    outbox_id: int
    token: str
    channel: str
    kind: str
    recipient: Recipient
    ticket: TicketFacts | None
    payload: dict[str, Any] = field(default_factory=dict)
    attempt: int = 1
    created_at: datetime | None = None
    #: What the channel's :meth:`Deliverer.prepare` looked up for it.
    extra: dict[str, Any] = field(default_factory=dict)
    #: The webhook a ``webhook`` message goes to (its ``recipient`` is then the desk).
    webhook_id: int | None = None


class Deliverer(Protocol):
    """A channel, in steps.

    :meth:`prepare` reads what the channel needs besides the message (an email's
    thread, a comment's text) in the worker's read transaction. :meth:`send` talks
    to the outside world (an SMTP server, a webhook), outside any database
    transaction so that a slow server holds no lock. :meth:`record` then
    runs in the transaction that marks the message sent: a channel that keeps
    something in the database (the in-app notification, an email's ``Message-ID``)
    writes it there, so that it and the mark commit together.
    """

    def prepare(self, session: Session, delivery: Delivery) -> Delivery: ...

    def send(self, delivery: Delivery) -> None: ...

    def record(self, session: Session, delivery: Delivery) -> None: ...

    def failed(self, session: Session, message: OutboxMessage, failure: DeliveryFailed) -> None:
        """A try failed (in the transaction that records it): a channel that counts
        failures (a webhook's, to disable it) counts it here."""

    def close(self) -> None:
        """The batch is done: let go of connections kept for it."""
