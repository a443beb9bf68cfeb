"""One inbound mail into the help desk: a ticket, a comment, or a recorded refusal.

Everything happens in the caller's transaction, through the tickets', people's and
attachments' services with the sender as the acting user, and ends with the mail's
row in ``mail_messages``: the ticket or comment and the mark that the mail was
handled commit together, so a mail seen again is recognised and only moved.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itsm import i18n
from itsm.attachments import service as attachments
from itsm.attachments.errors import TooManyAttachments
from itsm.attachments.storage import Store
from itsm.config import Settings
from itsm.db.base import utcnow
from itsm.errors import TooLarge
from itsm.i18n import gettext as _
from itsm.logs import fields
from itsm.mail import replies
from itsm.mail.models import MailMessage, Outcome, id_key
from itsm.mail.parse import MalformedMail, ParsedMail, parse
from itsm.tickets import access, watchers
from itsm.tickets.models import Category, Source, Ticket
from itsm.tickets.schemas import MAX_TEXT_BYTES, MAX_TITLE, CommentCreate, TicketOpen
from itsm.users import service as users
from itsm.users.models import User
from itsm.validation import validated

log = logging.getLogger("itsm.mail")

#: What a sender's rate counts: what their mails made (ignored ones made nothing).
_COUNTED = frozenset({Outcome.TICKET, Outcome.COMMENT, Outcome.REFUSED})
#: A stranger is answered once in this long, however often they write.
_TOLD_ONCE_IN = timedelta(days=1)


@dataclass(frozen=True)
class Handled:
    """What became of a mail. ``refused_to``: the stranger to tell so, after commit."""

    outcome: Outcome
    ticket_number: str | None = None
    ticket_id: int | None = None
    again: bool = False  # handled by an earlier run (only the move was left)
    refused_to: str | None = None
    subject: str = ""
    message_id: str | None = None


@dataclass(frozen=True)
class Seen:
    """What tells one mail from another in ``mail_messages``."""

    key: str
    fingerprint: str


def message_key(message_id: str | None, raw: bytes) -> str:
    """The mail's key in ``mail_messages``: its Message-ID, hashed when too long for the
    column, or the hash of its bytes when it has none."""
    if message_id is None:
        return "raw-sha256:" + hashlib.sha256(raw).hexdigest()
    return id_key(message_id)


def fingerprint_of(sender: str | None, raw: bytes) -> str:
    """SHA-256 of the sender and the mail's body: the same for a mail delivered again,
    another for a different mail that reuses its Message-ID. Headers are left out
    (a mail delivered twice may gain Received lines) and so are line endings."""
    _, blank, body = (lines := raw.replace(b"\r\n", b"\n")).partition(b"\n\n")
    digest = hashlib.sha256((sender or "").encode("utf-8", "replace") + b"\0")
    digest.update(body if blank else lines)
    return digest.hexdigest()


def handled_before(session: Session, *, seen: Seen) -> MailMessage | None:
    """The row of this very mail, if handled (a row from before fingerprints: any mail
    with its id, as then)."""
    return session.scalars(
        select(MailMessage)
        .where(
            MailMessage.message_key == seen.key,
            MailMessage.fingerprint.in_((seen.fingerprint, "")),
        )
        .limit(1)
    ).first()


def take(session: Session, *, raw: bytes, settings: Settings, store: Store) -> Handled:
    """Turn ``raw`` into what it asks for (see the module's docstring); never raises for
    what the mail says: a mail that cannot be read is recorded as quarantined."""
    cfg = settings.mail
    try:
        mail = parse(raw, max_bytes=cfg.max_message_bytes)
    except MalformedMail as exc:
        seen = Seen(message_key(None, raw), fingerprint_of(None, raw))
        if (row := handled_before(session, seen=seen)) is not None:
            return Handled(Outcome(row.outcome), again=True)
        _record(session, seen=seen, outcome=Outcome.QUARANTINED)
        log.warning("mail.quarantined", extra=fields(reason=str(exc), size=len(raw)))
        return Handled(Outcome.QUARANTINED)
    sender = mail.sender.email.strip().lower()
    seen = Seen(message_key(mail.message_id, raw), fingerprint_of(sender, raw))
    if (row := handled_before(session, seen=seen)) is not None:
        return Handled(Outcome(row.outcome), again=True)
    handled = _decide(session, mail=mail, sender=sender, settings=settings, store=store)
    recipients = "\n".join(dict.fromkeys(a.email for a in (*mail.to, *mail.cc)))
    _record(
        session,
        seen=seen,
        outcome=handled.outcome,
        sender=sender,
        ticket=handled.ticket_id,
        recipients=recipients or None,
    )
    log.info(
        f"mail.{handled.outcome}",
        extra=fields(sender=sender, ticket=handled.ticket_number, message_id=mail.message_id),
    )
    return handled


def record_quarantined(session: Session, *, raw: bytes) -> None:
    """Mark ``raw`` handled as quarantined (the services refused what it asked)."""
    try:
        mail = parse(raw, max_bytes=len(raw))
        sender: str | None = mail.sender.email.strip().lower()
        seen = Seen(message_key(mail.message_id, raw), fingerprint_of(sender, raw))
    except MalformedMail:
        seen = Seen(message_key(None, raw), fingerprint_of(None, raw))
    if handled_before(session, seen=seen) is None:
        _record(session, seen=seen, outcome=Outcome.QUARANTINED)


def _record(
    session: Session,
    *,
    seen: Seen,
    outcome: Outcome,
    sender: str | None = None,
    ticket: int | None = None,
    recipients: str | None = None,
) -> None:
    session.add(
        MailMessage(
            message_key=seen.key,
            fingerprint=seen.fingerprint,
            outcome=outcome,
            sender=sender[:320] if sender else None,
            ticket_id=ticket,
            recipients=recipients,
            received_at=utcnow(),
        )
    )
    session.flush()


def _ignored(reason: str, sender: str) -> Handled:
    log.info("mail.ignored_because", extra=fields(reason=reason, sender=sender))
    return Handled(Outcome.IGNORED)


def _decide(
    session: Session, *, mail: ParsedMail, sender: str, settings: Settings, store: Store
) -> Handled:
    cfg = settings.mail
    if sender in _desk(settings):
        return _ignored("sent by the desk's own address (a mail loop)", sender)
    if mail.automatic:
        return _ignored("automatic mail (autoresponder, bulk, bounce)", sender)
    if _recent(session, sender, _COUNTED, timedelta(hours=1)) >= cfg.max_per_sender_per_hour:
        return _ignored(
            f"over mail.max_per_sender_per_hour ({cfg.max_per_sender_per_hour})", sender
        )
    person = users.find_by_email(session, address=sender)
    if person is None and users.has_account(session, address=sender):
        # A deactivated person must not come back as a new end user (nor be told why).
        return _ignored("the address is a deactivated or system account's", sender)
    if person is None:
        if cfg.unknown_senders == "refuse":
            told = _recent(session, sender, {Outcome.REFUSED}, _TOLD_ONCE_IN) > 0
            return Handled(
                Outcome.REFUSED,
                refused_to=None if told else sender,
                subject=mail.subject,
                message_id=mail.message_id,
            )
        person = users.create_from_email(session, address=sender, name=mail.sender.name)
    ticket = replies.ticket_of(session, mail=mail, sender=person, domain=_domain(settings))
    if ticket is not None:
        return _comment(
            session, mail=mail, person=person, ticket=ticket, settings=settings, store=store
        )
    return _open(session, mail=mail, person=person, settings=settings, store=store)


def _desk(settings: Settings) -> set[str]:
    """The desk's own addresses, lower case."""
    return {settings.email.from_address.lower(), (settings.email.reply_to or "").lower()} - {""}


def _recent(session: Session, sender: str, outcomes: Collection[Outcome], within: timedelta) -> int:
    """How many of ``sender``'s mails had one of ``outcomes`` in the last ``within``."""
    found = session.scalar(
        select(func.count())
        .select_from(MailMessage)
        .where(
            MailMessage.sender == sender,
            MailMessage.received_at > utcnow() - within,
            MailMessage.outcome.in_(sorted(outcomes)),
        )
    )
    return found or 0


def _domain(settings: Settings) -> str:
    return settings.email.from_address.rpartition("@")[2].lower()


def _open(
    session: Session, *, mail: ParsedMail, person: User, settings: Settings, store: Store
) -> Handled:
    with i18n.activated(settings.language):
        title = _clip_chars(mail.subject.strip(), MAX_TITLE) or _("Email without a subject")
        description = _clip_bytes(mail.text.strip()) or _("(The email had no text.)")
    data = validated(
        TicketOpen,
        {"title": title, "description": description, "category": Category.OTHER},
    )
    ticket = access.open_ticket(
        session, data=data, actor=person, source=Source.EMAIL, zone=settings.zone, sla=settings.sla
    )
    _attach_all(session, mail=mail, person=person, ticket=ticket, settings=settings, store=store)
    _copy_cc(session, mail=mail, person=person, ticket=ticket, settings=settings)
    return Handled(Outcome.TICKET, ticket_number=ticket.number, ticket_id=ticket.id)


def _copy_cc(
    session: Session, *, mail: ParsedMail, person: User, ticket: Ticket, settings: Settings
) -> None:
    """The people the new request was copied to (Cc) watch its ticket, as a reply-all
    by one of them would make them: known people only (a stranger in Cc is no
    account to make), never the desk's own address nor the sender."""
    skipped = _desk(settings) | {(person.email or "").lower()}
    copied = [a.email for a in mail.cc if a.email not in skipped]
    for user in users.people_by_email(session, addresses=copied).values():
        if user.id != person.id:
            watchers.add_watcher(session, user=user, actor=None, ticket=ticket)


def _comment(
    session: Session,
    *,
    mail: ParsedMail,
    person: User,
    ticket: Ticket,
    settings: Settings,
    store: Store,
) -> Handled:
    text = _clip_bytes(mail.reply_text.strip() or mail.text.strip())
    if not text and not mail.attachments:
        return _ignored("a reply without text or files", person.email or "")
    if text:
        access.add_comment(
            session,
            ref=ticket.id,
            data=validated(CommentCreate, {"body": text}),
            actor=person,
            sla=settings.sla,
        )
    _attach_all(session, mail=mail, person=person, ticket=ticket, settings=settings, store=store)
    return Handled(Outcome.COMMENT, ticket_number=ticket.number, ticket_id=ticket.id)


def _attach_all(
    session: Session,
    *,
    mail: ParsedMail,
    person: User,
    ticket: Ticket,
    settings: Settings,
    store: Store,
) -> None:
    """The mail's files as the ticket's; one over a limit is left out with a note
    saying so (the mail itself is still taken)."""
    dropped: list[str] = []
    for part in mail.attachments:
        try:
            attachments.attach(
                session,
                ref=ticket.id,
                source=io.BytesIO(part.data),
                filename=part.filename,
                actor=person,
                store=store,
                limits=settings.attachments,
            )
        except (TooLarge, TooManyAttachments) as exc:
            dropped.append(part.filename)
            log.info("mail.attachment_dropped", extra=fields(ticket=ticket.number, reason=str(exc)))
    if dropped:
        with i18n.activated(settings.language):
            note = _(
                "Files of this email were not attached (over the size or number limit): {names}"
            ).format(names=", ".join(dropped))
        # Told by the desk itself (no author), publicly: the sender should know too.
        access.add_comment(
            session, ref=ticket.id, data=validated(CommentCreate, {"body": note}), actor=None
        )


def _clip_chars(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _clip_bytes(text: str) -> str:
    """``text`` within a ticket text's byte limit, cut at a character."""
    data = text.encode("utf-8")
    if len(data) <= MAX_TEXT_BYTES:
        return text
    return data[: MAX_TEXT_BYTES - 3].decode("utf-8", "ignore") + "…"
