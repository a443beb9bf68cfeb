"""The MIME tree of a message: its body text and its attachments.

The body is the text/plain part that a mail client would show (text/html converted
when there is no plain text worth reading); every other leaf part, inline images
included, is an attachment. A forwarded message (message/rfc822) is attached whole.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
from dataclasses import dataclass
from email.message import EmailMessage, Message

from itsm.attachments.filenames import display_name
from itsm.mail.charsets import decode_text
from itsm.mail.headers import decode_words, first_value
from itsm.mail.html_text import html_to_text

#: Most attachments kept from one message (a bomb of empty parts is cut short).
ATTACHMENTS_MAX = 100
#: How much longer than the text kept an HTML body may be before it is converted
#: (markup and inline styles make HTML several times its text).
HTML_FACTOR = 20
#: Deepest MIME nesting followed.
DEPTH_MAX = 20

_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")
_SEPARATORS = re.compile(r"[/\\]")


@dataclass(frozen=True)
class Attachment:
    """A file carried by the mail: a safe name, its declared media type, its bytes."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Body:
    text: str
    attachments: tuple[Attachment, ...]


def _lenient_base64(part: Message) -> bytes | None:
    """Base64 with stray characters or a missing end decoded as far as it goes."""
    raw = part.get_payload()
    if not isinstance(raw, str):
        return None
    letters = _NOT_BASE64.sub(b"", raw.encode("ascii", errors="ignore"))
    # Padding restored: one letter left over carries no whole byte and is dropped.
    extra = len(letters) % 4
    letters = letters[:-1] if extra == 1 else letters + b"=" * ((4 - extra) % 4)
    try:
        return base64.b64decode(letters)
    except (binascii.Error, ValueError):
        return None


def _payload(part: Message) -> bytes:
    """The part's decoded bytes, bad base64 mended as far as it goes."""
    if str(part.get("content-transfer-encoding", "")).strip().lower() == "base64":
        data = _lenient_base64(part)
        if data is not None:
            return data
    decoded: object
    try:
        decoded = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError, AssertionError):
        decoded = None
    if isinstance(decoded, bytes):
        return decoded
    raw = part.get_payload()
    return raw.encode("utf-8", errors="replace") if isinstance(raw, str) else b""


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except (ValueError, TypeError, IndexError, AttributeError):
        return "application/octet-stream"


def _filename(part: Message) -> str | None:
    # get_filename falls back to Content-Type's "name" and joins RFC 2231 pieces.
    try:
        name = part.get_filename()
    except (ValueError, TypeError, IndexError, LookupError, AttributeError):
        name = None
    if not isinstance(name, str) or not name.strip():
        return None
    if "=?" in name:  # RFC 2047 words inside a parameter: Outlook and Gmail still send them
        name = decode_words(name)
    return name


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except (ValueError, TypeError, IndexError, AttributeError):
        return ""


def text_of(part: Message, *, max_chars: int) -> str:
    """A text part's content as ``str`` (HTML converted), whatever its charset, cut at
    ``max_chars`` (HTML is cut before conversion at ``HTML_FACTOR`` times that)."""
    try:
        charset = part.get_content_charset()
    except (ValueError, TypeError, LookupError, AttributeError):
        charset = None
    text = decode_text(_payload(part), charset)
    if _content_type(part) == "text/html":
        return html_to_text(text[: max_chars * HTML_FACTOR])[:max_chars]
    return text[:max_chars]


def _continues_body(part: Message) -> bool:
    """An unnamed inline text/plain part after the body: Apple Mail splits a text
    around an inline image into such parts, and they are the body's."""
    return (
        _content_type(part) == "text/plain"
        and not _filename(part)
        and _disposition(part) != "attachment"
    )


def _body_part(msg: EmailMessage, kind: str) -> Message | None:
    try:
        return msg.get_body(preferencelist=(kind,))
    except (ValueError, TypeError, IndexError, KeyError, AttributeError):
        return None


def _leaves(part: Message, depth: int = 0) -> list[Message]:
    """Every leaf part in order; a message/rfc822 part is one leaf (attached whole)."""
    if depth > DEPTH_MAX:
        return []
    if _content_type(part) == "message/rfc822" and depth > 0:
        return [part]
    if not part.is_multipart():
        return [part]
    payload = part.get_payload()
    if not isinstance(payload, list):
        return [part]
    leaves: list[Message] = []
    for child in payload:
        if isinstance(child, Message):
            leaves.extend(_leaves(child, depth + 1))
    return leaves


def _message_bytes(message: Message) -> bytes:
    """An attached message written out again, with the CRLF line ends of mail."""
    try:
        return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    except (ValueError, TypeError, LookupError, IndexError, AttributeError, UnicodeError):
        return b""


def _attachment(part: Message, number: int) -> Attachment:
    content_type = _content_type(part)
    if content_type == "message/rfc822":
        inner = part.get_payload()
        inner_message = inner[0] if isinstance(inner, list) and inner else None
        if isinstance(inner_message, Message):
            data = _message_bytes(inner_message) or _payload(part)
            subject = first_value(inner_message, "subject")
        else:
            data, subject = _payload(part), None
        name = _SEPARATORS.sub("-", subject or "message") + ".eml"
    else:
        data = _payload(part)
        name = _filename(part) or ""
    if not name:
        extension = mimetypes.guess_extension(content_type) or ".bin"
        name = f"attachment-{number}{extension}"
    return Attachment(filename=display_name(name), content_type=content_type, data=data)


def _empty_text(part: Message) -> bool:
    """An empty unnamed text part, as some clients add: nothing to keep."""
    return (
        _content_type(part).startswith("text/")
        and not _filename(part)
        and _disposition(part) != "attachment"
        and not _payload(part).strip()
    )


def body_and_attachments(msg: EmailMessage, *, max_chars: int) -> Body:
    """The message's body text (at most ``max_chars``) and its attachments (body
    parts excluded)."""
    plain = _body_part(msg, "plain")
    html = _body_part(msg, "html")
    text = text_of(plain, max_chars=max_chars) if plain is not None else ""
    from_plain = bool(text.strip())
    if not from_plain and html is not None:
        text = text_of(html, max_chars=max_chars)
    body_parts = {id(part) for part in (plain, html) if part is not None}
    attachments: list[Attachment] = []
    for leaf in _leaves(msg):
        if id(leaf) in body_parts or _empty_text(leaf):
            continue
        if _content_type(leaf).startswith("multipart/"):
            # A multipart whose parts were never found (no boundary, or none in the
            # content): mail clients show its content as text.
            if not text.strip():
                text = text_of(leaf, max_chars=max_chars)
            continue
        if from_plain and _continues_body(leaf):
            if len(text) < max_chars:
                text = f"{text.rstrip()}\n\n{text_of(leaf, max_chars=max_chars)}"[:max_chars]
            continue
        if len(attachments) < ATTACHMENTS_MAX:
            attachments.append(_attachment(leaf, len(attachments) + 1))
    return Body(text=text.strip(), attachments=tuple(attachments))
