"""Which ticket a mail answers, if any, and whether its sender may write on it.

By the ``[TKT-…]`` tag in the subject, for a sender who may see that ticket; else by
In-Reply-To / References (nearest first): the desk's own messages (``<token@domain>``
of a notification, ``<ticket-NUMBER@domain>`` of a ticket's thread) and the mails the
desk received before (a reply to one's own first mail; someone in its To or Cc who
replies to all becomes a watcher, osTicket #1426). An id alone, guessed or leaked,
threads only for the requester, a watcher, staff, or a recipient of that message:
anyone else opens a new ticket. A forwarded mail is a new matter: its copied tag
does not thread it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from itsm.mail.models import MailMessage, id_key
from itsm.mail.parse import ParsedMail
from itsm.mail.quoting import is_forward
from itsm.notify import outbox
from itsm.tickets import access, watchers, workflow
from itsm.tickets.errors import TicketNotFound
from itsm.tickets.models import Ticket
from itsm.users.models import User

_THREAD_PREFIX = "ticket-"


def ticket_of(session: Session, *, mail: ParsedMail, sender: User, domain: str) -> Ticket | None:
    """The ticket ``mail`` is a reply to and ``sender`` may comment on; None: a new one.
    A reply to a duplicate merged into another ticket goes on to that one, where the
    work goes on, when the sender may see it (else it stays on the duplicate)."""
    found = _named(session, mail=mail, sender=sender, domain=domain)
    if found is None:
        return None
    survivor = workflow.merge_targets(session, ticket_ids=[found.id]).get(found.id)
    if survivor is not None and (followed := _seen_by(session, survivor, sender)) is not None:
        return followed
    return found


def _named(session: Session, *, mail: ParsedMail, sender: User, domain: str) -> Ticket | None:
    if mail.ticket_number is not None and not is_forward(mail.subject):
        found = _seen_by(session, mail.ticket_number, sender)
        if found is not None:
            return found
    named = [*mail.in_reply_to, *reversed(mail.references)]
    if not named:
        return None
    ours = {i: i.rpartition("@")[0] for i in named if i.rpartition("@")[2].lower() == domain}
    tokens = {local for local in ours.values() if not local.startswith(_THREAD_PREFIX)}
    sent = outbox.sent_about(session, tokens=tokens)
    received = _received(session, named)
    for message_id in dict.fromkeys(named):
        local = ours.get(message_id)
        if local is not None and local.startswith(_THREAD_PREFIX):
            ref: int | str | None = local.removeprefix(_THREAD_PREFIX)
        elif local is not None and local in sent:
            ref = sent[local][0]
        else:
            ref = None
            for ticket_id, recipients in received.get(id_key(message_id), ()):
                if (found := _seen_by(session, ticket_id, sender)) is not None:
                    return found
                if sender.email and sender.email.lower() in recipients:
                    return _copied(session, ticket_id=ticket_id, sender=sender)
        if ref is not None and (found := _seen_by(session, ref, sender)) is not None:
            return found
    return None


def _received(session: Session, named: list[str]) -> dict[str, list[tuple[int, frozenset[str]]]]:
    """message key -> (ticket, To and Cc addresses) of the mails received with the ids
    ``named`` (a reused id: several), oldest first; by key, so a long id matches its hash."""
    found: dict[str, list[tuple[int, frozenset[str]]]] = {}
    rows = session.execute(
        select(MailMessage.message_key, MailMessage.ticket_id, MailMessage.recipients)
        .where(
            MailMessage.message_key.in_(sorted({id_key(i) for i in named})),
            MailMessage.ticket_id.is_not(None),
        )
        .order_by(MailMessage.id)
    )
    for key, ticket_id, recipients in rows:
        if ticket_id is not None:
            found.setdefault(key, []).append(
                (ticket_id, frozenset((recipients or "").split("\n")) - {""})
            )
    return found


def _copied(session: Session, *, ticket_id: int, sender: User) -> Ticket:
    """A reply-all to a mail the desk received, by someone it was sent to (its To or
    Cc): they watch the ticket now; never its requester. Knowing its Message-ID alone
    is not enough (a guessed or leaked one would let anyone in)."""
    ticket = access.visible_ticket(session, ref=ticket_id, viewer=None)
    watchers.add_watcher(session, user=sender, actor=None, ticket=ticket)
    return ticket


def _seen_by(session: Session, ref: int | str, sender: User) -> Ticket | None:
    try:
        return access.visible_ticket(session, ref=ref, viewer=sender)
    except TicketNotFound:
        return None
