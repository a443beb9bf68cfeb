"""The email channel: one message per outbox row, through the configured SMTP server.

Threading: each message's ``Message-ID`` is its outbox token at the desk's domain
(stable, so a copy sent again after a crash is the same message to mail clients);
``In-Reply-To`` names the previous message of the ticket to the same person, or
the ticket's own thread id, and ``References`` carries both, so that Outlook and
Gmail alike thread a ticket's messages. Replies come back to ``email.reply_to``
with the ticket number in the subject and these ids in their headers.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import ssl
from dataclasses import replace
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    select_autoescape,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from itsm import i18n
from itsm.config import Settings
from itsm.db.base import utcnow
from itsm.notify.channels import Delivery, DeliveryFailed, Permanent, Transient
from itsm.notify.models import Channel, NotifyKind, OutboxMessage, OutboxState
from itsm.notify.texts import summary
from itsm.tickets.models import TicketComment

#: Control characters and line breaks: never in a header (a title could carry them).
_UNSAFE_IN_HEADER = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def message_id(token: str, domain: str) -> str:
    return f"<{token}@{domain}>"


def thread_id(number: str, domain: str) -> str:
    """The id every message of a ticket refers to: its thread, whoever it goes to."""
    return f"<ticket-{number}@{domain}>"


def one_line(text: str) -> str:
    return _UNSAFE_IN_HEADER.sub(" ", text).strip()


class Email:
    """The email :class:`~itsm.notify.channels.Deliverer`; keeps one SMTP connection
    open across a batch."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cfg = settings.email
        self.domain = self.cfg.from_address.rpartition("@")[2]
        loaders: list[BaseLoader] = [PackageLoader("itsm.notify", "templates")]
        if self.cfg.templates_dir is not None:
            loaders.insert(0, FileSystemLoader(str(self.cfg.templates_dir)))
        self.templates = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.install_gettext_callables(  # type: ignore[attr-defined]
            i18n.gettext, i18n.ngettext, newstyle=True
        )
        self._smtp: smtplib.SMTP | None = None
        self._comments: dict[tuple[int, datetime | None], dict[str, str]] = {}

    # -- the worker's steps ------------------------------------------------------------

    def prepare(self, session: Session, delivery: Delivery) -> Delivery:
        """The previous message of this ticket to this person, and for a comment the
        public comment it tells of (never an internal note)."""
        extra: dict[str, object] = {}
        if delivery.ticket is not None:
            extra["previous"] = session.scalar(
                select(OutboxMessage.token)
                .where(
                    OutboxMessage.ticket_id == delivery.ticket.id,
                    OutboxMessage.recipient_id == delivery.recipient.id,
                    OutboxMessage.channel == Channel.EMAIL,
                    OutboxMessage.state == OutboxState.SENT,
                    OutboxMessage.id < delivery.outbox_id,
                )
                .order_by(OutboxMessage.id.desc())
                .limit(1)
            )
            if delivery.kind == NotifyKind.COMMENT:
                extra |= self._comment(session, delivery.ticket.id, delivery.created_at)
        return replace(delivery, extra=extra)

    def _comment(self, session: Session, ticket_id: int, until: datetime | None) -> dict[str, str]:
        """The ticket's latest public comment written by ``until``: read once per batch
        for the messages of one change (its recipients share the ticket and time)."""
        key = (ticket_id, until)
        if key not in self._comments:
            query = select(TicketComment).where(
                TicketComment.ticket_id == ticket_id, TicketComment.is_internal.is_(False)
            )
            if until is not None:
                query = query.where(TicketComment.created_at <= until)
            comment = session.scalars(
                query.order_by(TicketComment.created_at.desc(), TicketComment.id.desc()).limit(1)
            ).first()
            self._comments[key] = (
                {
                    "comment": comment.body,
                    "comment_author": comment.author.full_name if comment.author else "",
                }
                if comment is not None
                else {}
            )
        return self._comments[key]

    def send(self, delivery: Delivery) -> None:
        if not delivery.recipient.email:
            raise Permanent("the recipient has no email address")
        self.send_message(self.compose(delivery))

    def send_message(self, message: EmailMessage) -> None:
        """Send a message composed here or elsewhere (the mail intake's one answer to a
        stranger); :class:`Permanent` or :class:`Transient` if it is not taken."""
        try:
            self._connection().send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            self._drop()
            codes = [code for code, _ in exc.recipients.values()]
            text = "; ".join(
                f"{code} {reason.decode(errors='replace')}"
                for code, reason in exc.recipients.values()
            )
            if all(code >= 500 for code in codes):
                raise Permanent(f"the server refused the recipient: {text}") from None
            raise Transient(f"the server deferred the recipient: {text}") from None
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise _judged(exc) from None
        except (smtplib.SMTPException, OSError) as exc:  # away, refused, timed out, TLS
            self._drop()
            raise Transient(f"{self._where()}: {type(exc).__name__}: {exc}") from None

    def record(self, session: Session, delivery: Delivery) -> None:
        """The outbox row's token is the Message-ID: nothing more to keep."""

    def failed(self, session: Session, message: OutboxMessage, failure: DeliveryFailed) -> None:
        """The worker's retries and dead letters are enough."""

    def close(self) -> None:
        self._comments.clear()
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._drop()

    # -- composing ---------------------------------------------------------------------

    def compose(self, delivery: Delivery) -> EmailMessage:
        """The message for ``delivery``: plain text and HTML, in the recipient's language."""
        ticket = delivery.ticket
        language = delivery.recipient.language
        previous = delivery.extra.get("previous")
        context = {
            "delivery": delivery,
            "ticket": ticket,
            "summary": summary(delivery),
            "comment": delivery.extra.get("comment"),
            "comment_author": delivery.extra.get("comment_author"),
            "link": f"{self.cfg.base_url}/tickets/{ticket.number}"
            if ticket is not None and self.cfg.base_url
            else None,
            # Messages written before watchers existed have no "rate": all were the requester's.
            "rate": delivery.kind == NotifyKind.STATUS
            and delivery.payload.get("status") == "resolved"
            and delivery.payload.get("rate", True),
            "reply_by_mail": self.cfg.reply_to is not None,
            "name": delivery.recipient.name,
        }
        with i18n.activated(language):
            text = self.templates.get_template("email/message.txt").render(context)
            html = self.templates.get_template("email/message.html").render(context)
        message = EmailMessage()
        title = one_line(ticket.title) if ticket is not None else ""
        subject = (
            f"[{ticket.number}] {title}" if ticket is not None else one_line(summary(delivery))
        )
        message["Subject"] = f"Re: {subject}" if previous else subject
        message["From"] = Address(
            display_name=one_line(self.cfg.from_name), addr_spec=self.cfg.from_address
        )
        try:
            message["To"] = Address(
                display_name=one_line(delivery.recipient.name),
                addr_spec=str(delivery.recipient.email),
            )
        except (ValueError, IndexError) as exc:
            raise Permanent(f"the recipient's address is not valid: {exc}") from None
        if self.cfg.reply_to:
            message["Reply-To"] = self.cfg.reply_to
        message["Date"] = format_datetime(utcnow())
        message["Message-ID"] = message_id(delivery.token, self.domain)
        if ticket is not None:
            root = thread_id(ticket.number, self.domain)
            parent = message_id(str(previous), self.domain) if previous else root
            message["In-Reply-To"] = parent
            message["References"] = f"{root} {parent}" if previous else root
            message["X-Itsm-Ticket"] = ticket.number
        # Machines answer nothing to it (RFC 3834; Exchange's own header for the same).
        message["Auto-Submitted"] = "auto-generated"
        message["X-Auto-Response-Suppress"] = "All"
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        message["Content-Language"] = language  # after: set_content clears Content-* headers
        return message

    # -- the SMTP connection -----------------------------------------------------------

    def _where(self) -> str:
        return f"SMTP server {self.cfg.smtp.host}:{self.cfg.smtp.port}"

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        smtp = self.cfg.smtp
        host = str(smtp.host)
        context = ssl.create_default_context(cafile=str(smtp.ca_file) if smtp.ca_file else None)
        if smtp.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                host, smtp.port, timeout=smtp.timeout_seconds, context=context
            )
        else:
            client = smtplib.SMTP(host, smtp.port, timeout=smtp.timeout_seconds)
        try:
            client.ehlo()
            if smtp.security == "starttls":
                if not client.has_extn("starttls"):
                    raise Transient(
                        f"{self._where()} does not offer STARTTLS; set email.smtp.security "
                        "to 'tls' (port 465) or, for a local relay only, 'none'"
                    )
                client.starttls(context=context)
                client.ehlo()
            if smtp.username:
                password = smtp.password.get_secret_value() if smtp.password else ""
                client.login(smtp.username, password)
        except smtplib.SMTPAuthenticationError as exc:
            client.close()
            # A wrong password is fixed in the settings: keep the messages to retry.
            raise Transient(f"{self._where()} refused the login: {exc.smtp_code}") from None
        except BaseException:
            client.close()
            raise
        self._smtp = client
        return client

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None


def _judged(exc: smtplib.SMTPResponseException) -> Permanent | Transient:
    """5xx: the server will never take it; 4xx: try later (RFC 5321, 4.2.1)."""
    reason = (
        exc.smtp_error.decode(errors="replace")
        if isinstance(exc.smtp_error, bytes)
        else str(exc.smtp_error)
    )
    text = f"{exc.smtp_code} {reason}"
    if 500 <= exc.smtp_code < 600:
        return Permanent(f"the server refused the message: {text}")
    return Transient(f"the server deferred the message: {text}")
