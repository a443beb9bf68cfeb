"""One raw inbound message (bytes, as fetched) parsed into a :class:`ParsedMail`.

Pure: no database, no network. Every failure is :class:`MalformedMail` with a
one-line reason, so the fetching loop can quarantine the message and go on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import EmailPolicy
from functools import lru_cache
from typing import Any

from itsm.mail import headers
from itsm.mail.errors import MalformedMail
from itsm.mail.headers import Address
from itsm.mail.parts import Attachment, body_and_attachments
from itsm.mail.quoting import is_forward, reply_text

__all__ = ["TEXT_MAX_CHARS", "Address", "Attachment", "MalformedMail", "ParsedMail", "parse"]

#: Longest body text kept by default, in characters (a ticket's description holds
#: 64 KiB of UTF-8: the caller passes its own limit or cuts again).
TEXT_MAX_CHARS = 100_000


#: Longest header value the email package's parsers are given (see _TolerantPolicy).
HEADER_PARSE_MAX = 2000


@dataclass(frozen=True)
class ParsedMail:
    """What a help desk needs of one inbound message; see ``docs/architecture.md``."""

    message_id: str | None
    sender: Address
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    subject: str
    ticket_number: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    text: str
    reply_text: str
    attachments: tuple[Attachment, ...]
    automatic: bool
    date: datetime | None


def parse(raw: bytes, *, max_bytes: int, max_text_chars: int = TEXT_MAX_CHARS) -> ParsedMail:
    """Parse ``raw`` (a whole RFC 5322 message); :class:`MalformedMail` if it cannot be
    read as mail, has no usable From address, or is over ``max_bytes``. The body text
    is cut at ``max_text_chars`` characters."""
    if len(raw) > max_bytes:
        raise MalformedMail(f"message of {len(raw)} bytes is over the limit of {max_bytes} bytes")
    if not raw.strip():
        raise MalformedMail("empty message")
    try:
        return _parse(raw, max_text_chars)
    except MalformedMail:
        raise
    except (RecursionError, MemoryError) as error:
        raise MalformedMail(f"message too deeply nested or too large to read: {error!r}") from error
    except Exception as error:  # a parser bug on hostile input must not stop the fetch loop
        raise MalformedMail(f"unreadable message: {type(error).__name__}") from error


class _TolerantPolicy(EmailPolicy):
    """``policy.default``, but a header its parser chokes on is read as plain text, and
    only the first ``HEADER_PARSE_MAX`` characters of a header are parsed.

    The standard library's structured-header parsers raise on some broken values
    (an ``IndexError`` in Content-Type parameters), even inside the feed parser, and
    take time that grows faster than the value (a Content-Type with thousands of
    parameters); the package parses a header anew at every read. This module reads
    addresses, ids and the subject from the raw values; the MIME headers this
    policy parses say what they mean in their first characters.
    """

    def header_fetch_parse(self, name: str, value: str) -> Any:
        return _parsed_header(name, value[:HEADER_PARSE_MAX])


@lru_cache(maxsize=1024)
def _parsed_header(name: str, value: str) -> Any:
    """A header as ``policy.default`` parses it, once per distinct value: the package
    parses Content-Type anew at each of the many reads a message's walk makes."""
    try:
        return policy.default.header_fetch_parse(name, value)
    except Exception:  # any parser failure: the raw value still says something
        return "".join(value.splitlines())


_POLICY = _TolerantPolicy()


def _parse(raw: bytes, max_text_chars: int) -> ParsedMail:
    msg = BytesParser(EmailMessage, policy=_POLICY).parsebytes(raw)
    if not isinstance(msg, EmailMessage):  # what the parser builds; says so to mypy
        raise MalformedMail("unreadable message: not parsed as a message")
    senders = headers.addresses(msg, "from")
    if not senders:
        raise MalformedMail("no usable sender address in From")
    sender = senders[0]
    subject = headers.subject(msg)
    body = body_and_attachments(msg, max_chars=max_text_chars)
    text = body.text
    return ParsedMail(
        message_id=headers.message_id(msg),
        sender=sender,
        to=headers.addresses(msg, "to"),
        cc=headers.addresses(msg, "cc"),
        reply_to=headers.addresses(msg, "reply-to"),
        subject=subject,
        ticket_number=headers.ticket_number(subject),
        in_reply_to=headers.message_ids(msg, "in-reply-to"),
        references=headers.message_ids(msg, "references"),
        text=text,
        reply_text=text if is_forward(subject) else reply_text(text),
        attachments=body.attachments,
        automatic=headers.automatic(msg, sender),
        date=headers.date(msg),
    )
