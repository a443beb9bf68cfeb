"""The one answer the desk sends a stranger whose mail it refused, in the desk's language.

Sent once, after the refusal is committed (a crash in between sends none: a stranger
is better told nothing than twice), never to an automatic mail (those are ignored
before), and marked ``Auto-Submitted: auto-replied`` so that no machine answers it.
"""

from __future__ import annotations

import logging
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from itsm import i18n
from itsm.config import Settings
from itsm.db.base import utcnow
from itsm.i18n import gettext as _
from itsm.logs import fields

log = logging.getLogger("itsm.mail")

#: Headers folded at SMTP's line limit, not 78: the email package writes a longer
#: In-Reply-To id as encoded words, which no client would match to the mail it names.
_POLICY = policy.default.clone(max_line_length=998)


def refusal(settings: Settings, *, to: str, subject: str, message_id: str | None) -> EmailMessage:
    """The polite refusal to ``to``, threaded under their mail."""
    from itsm.notify.email_channel import one_line

    cfg = settings.email
    with i18n.activated(settings.language):
        text = _(
            "Hello,\n\n"
            "Thank you for writing. This address takes requests only from the people "
            "this help desk serves, and your address is not one of them, so your email "
            "did not open a ticket.\n\n"
            "If you should be able to ask the help desk for help, please ask your IT team "
            "to add your email address.\n\n"
            "This message was sent automatically; replies to it are not read."
        )
        fallback = _("Your email to the help desk")
    message = EmailMessage(policy=_POLICY)
    shown = one_line(subject)[:200]
    message["Subject"] = f"Re: {shown}" if shown else fallback
    message["From"] = Address(display_name=one_line(cfg.from_name), addr_spec=cfg.from_address)
    message["To"] = Address(addr_spec=to)
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=cfg.from_address.rpartition("@")[2])
    if message_id is not None:
        message["In-Reply-To"] = f"<{message_id}>"
        message["References"] = f"<{message_id}>"
    message["Auto-Submitted"] = "auto-replied"
    message["X-Auto-Response-Suppress"] = "All"
    message["Content-Language"] = settings.language
    message.set_content(text)
    return message


def send_refusal(settings: Settings, *, to: str, subject: str, message_id: str | None) -> bool:
    """Send :func:`refusal` through the desk's SMTP server; False (and a log line) when
    there is none or it did not take the message."""
    if settings.email.smtp.host is None:
        log.info("mail.refusal_not_sent", extra=fields(to=to, reason="email.smtp.host is not set"))
        return False
    from itsm.notify.channels import DeliveryFailed
    from itsm.notify.email_channel import Email

    sender = Email(settings)
    try:
        message = refusal(settings, to=to, subject=subject, message_id=message_id)
        sender.send_message(message)
    except (DeliveryFailed, ValueError, IndexError) as exc:  # a bad address, a server away
        log.warning("mail.refusal_not_sent", extra=fields(to=to, reason=str(exc)))
        return False
    finally:
        sender.close()
    return True
