"""The test mails: built as a mail client would, delivered by IMAP APPEND."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

from itsm.mail.config import MailSettings
from tests.imap_server import ImapServer


def mail(
    sender: str = "ana@example.org",
    subject: str = "La impresora no imprime",
    body: str = "Desde esta mañana la impresora del segundo piso no imprime.",
    **headers: str,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "help@example.org"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="mail.example.net")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def deliver(server: ImapServer, cfg: MailSettings, *messages: EmailMessage | bytes) -> None:
    server.append(
        *(m if isinstance(m, bytes) else m.as_bytes() for m in messages), folder=cfg.folder
    )


def held(server: ImapServer, folder: str) -> int:
    return server.count(folder)
