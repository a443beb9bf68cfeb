"""Header values read from the raw header: addresses, message ids, subject, date, and
whether a machine sent the mail.

``email.policy.default`` parses structured headers only when they are read, and some
broken ones raise then; every reader here takes the raw value instead (bounded,
8-bit bytes and RFC 2047 words decoded by hand), so a bad header costs its own value
and never the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.errors import HeaderParseError
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from itsm.mail.charsets import clean_text, decode_text

#: Longest message id kept: a header line's limit (RFC 5322), and an id cannot be
#: folded; one over mail_messages' column is stored hashed (``models.id_key``).
MESSAGE_ID_MAX = 998
#: Most ids kept from References: the thread's first and its latest ones.
REFERENCES_MAX = 100
#: Longest subject kept, in characters.
SUBJECT_MAX = 1000
#: Longest header value read, in characters: decoding encoded words takes time that
#: grows faster than the value, and no real header comes near it.
RAW_HEADER_MAX = 32 * 1024
#: Most addresses kept per header.
ADDRESSES_MAX = 200

_BRACKETED_ID = re.compile(r"<([^<>\s]+)>")
_TICKET_TAG = re.compile(r"\[\s*(TKT-\d{8}-\d{4,})\s*\]", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ADDR_SPEC = re.compile(r"[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+")


@dataclass(frozen=True)
class Address:
    """A mailbox: the display name as written (decoded) and the address, lower-cased."""

    name: str
    email: str


def raw_values(msg: Message, name: str, *, decode: bool = True) -> list[str]:
    """Every value of header ``name`` as sent, on one line; RFC 2047 words decoded
    unless ``decode`` is false."""
    wanted = name.lower()
    values = []
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            text = _unescape(_bounded(str(value)))
            values.append(_one_line(decode_words(text) if decode else text))
    return values


def _bounded(value: str) -> str:
    """``value`` if short; else its start and its end (where References keeps the
    latest ids), ``RAW_HEADER_MAX`` characters in all."""
    if len(value) <= RAW_HEADER_MAX:
        return value
    half = RAW_HEADER_MAX // 2
    return f"{value[:half]} {value[-half:]}"


def _unescape(value: str) -> str:
    """A raw header's 8-bit bytes (kept by the parser as surrogates) read as text."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_text(value.encode("utf-8", errors="surrogateescape"), None)


def first_value(msg: Message, name: str) -> str | None:
    """The first value of header ``name`` (decoded, one line), or ``None``."""
    values = raw_values(msg, name)
    return values[0] if values else None


def decode_words(value: str) -> str:
    """``value`` with its RFC 2047 encoded words decoded (any charset, even a wrong one)."""
    try:
        chunks = decode_header(value)
    except (HeaderParseError, ValueError, TypeError, LookupError, AssertionError):
        return value
    text = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            text.append(chunk)
        elif charset is None:  # the plain words between encoded ones, as decode_header left them
            text.append(chunk.decode("raw-unicode-escape", errors="replace"))
        else:
            text.append(decode_text(chunk, charset))
    return "".join(text)


def _one_line(value: str) -> str:
    """``value`` on one line, without controls or the bidirectional overrides that
    would show a subject or name reversed."""
    text = _BIDI.sub("", clean_text(value).replace("\n", " "))
    return _WHITESPACE.sub(" ", text).strip()


def subject(msg: Message) -> str:
    """The decoded subject on one line, without control characters (CR/LF included)."""
    return (first_value(msg, "subject") or "")[:SUBJECT_MAX]


def ticket_number(subject_line: str) -> str | None:
    """The ticket number of a ``[TKT-YYYYMMDD-NNNN]`` tag in the subject, upper-cased."""
    match = _TICKET_TAG.search(subject_line)
    return match.group(1).upper() if match else None


def _normal_id(value: str) -> str | None:
    value = value.strip()
    if not value or len(value) > MESSAGE_ID_MAX or any(ch.isspace() for ch in value):
        return None
    if not value.isprintable():
        return None
    return value


def message_id(msg: Message) -> str | None:
    """The Message-ID without angle brackets; ``None`` when absent or garbage."""
    value = first_value(msg, "message-id")
    if value is None:
        return None
    match = _BRACKETED_ID.search(value)
    if match:
        return _normal_id(match.group(1))
    if "<" in value or ">" in value:
        return None
    return _normal_id(value)


def message_ids(msg: Message, name: str) -> tuple[str, ...]:
    """The message ids in header ``name`` (In-Reply-To, References), in order, once each."""
    found: list[str] = []
    for value in raw_values(msg, name):
        # Bare ids (no brackets) are the words holding an "@"; a regular expression
        # here would backtrack quadratically over a long word without one.
        ids = _BRACKETED_ID.findall(value) or [w.strip("<>") for w in value.split() if "@" in w]
        found.extend(normal for raw in ids if (normal := _normal_id(raw)) is not None)
    unique = list(dict.fromkeys(found))
    if len(unique) > REFERENCES_MAX:
        unique = unique[:1] + unique[-(REFERENCES_MAX - 1) :]
    return tuple(unique)


def _email(addr_spec: str) -> str | None:
    """``addr_spec`` lower-cased with an IDNA domain in Unicode; ``None`` if it is none."""
    addr_spec = addr_spec.strip()
    if len(addr_spec) > 320 or not _ADDR_SPEC.fullmatch(addr_spec):
        return None
    local, _, domain = addr_spec.rpartition("@")
    if not local or not domain or not addr_spec.isprintable():
        return None
    labels = []
    for label in domain.lower().split("."):
        if label.startswith("xn--"):
            try:
                label = label.encode("ascii").decode("idna")
            except (UnicodeError, ValueError):
                return None
        labels.append(label)
    return f"{local}@{'.'.join(labels)}".lower()


def addresses(msg: Message, name: str) -> tuple[Address, ...]:
    """The usable mailboxes of header ``name`` (groups flattened), once each."""
    found: list[Address] = []
    # Names are decoded after splitting: a decoded name may hold commas or brackets.
    for value in raw_values(msg, name, decode=False):
        try:
            pairs = getaddresses([value])
        except (ValueError, TypeError, IndexError):
            pairs = []
        for display, spec in pairs:
            email = _email(spec)
            if email is not None and all(a.email != email for a in found):
                found.append(Address(name=_one_line(decode_words(display)), email=email))
            if len(found) >= ADDRESSES_MAX:
                return tuple(found)
    return tuple(found)


def date(msg: Message) -> datetime | None:
    """The Date header in UTC (a zone-less date taken as UTC); ``None`` if unreadable."""
    value = first_value(msg, "date")
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


_AUTOMATIC_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
_AUTORESPONDER_HEADERS = ("x-autoreply", "x-autorespond", "x-autogenerated")
_LIST_HEADERS = ("list-id", "list-unsubscribe")
_DAEMONS = frozenset({"mailer-daemon", "postmaster"})


def automatic(msg: Message, sender: Address | None) -> bool:
    """Whether a machine sent ``msg``: autoresponders, bulk and list mail, bounces.

    Such mail must never open a ticket nor be answered (mail loops).
    """
    auto_submitted = first_value(msg, "auto-submitted")
    if auto_submitted is not None and auto_submitted.split(";")[0].strip().lower() != "no":
        return True
    precedence = (first_value(msg, "precedence") or "").strip().lower()
    if precedence in _AUTOMATIC_PRECEDENCE:
        return True
    if any(first_value(msg, header) is not None for header in _AUTORESPONDER_HEADERS):
        return True
    # Exchange's own auto-replies say "All"; "OOF, AutoReply" alone is also set on
    # mail people send through some Exchange set-ups, which must still open tickets.
    suppress = (first_value(msg, "x-auto-response-suppress") or "").lower()
    if any(token.strip() == "all" for token in suppress.split(",")):
        return True
    if any(first_value(msg, header) is not None for header in _LIST_HEADERS):
        return True
    if any(value.strip() == "<>" for value in raw_values(msg, "return-path")):
        return True
    if sender is not None and sender.email.partition("@")[0] in _DAEMONS:
        return True
    return _content_type(msg) == "multipart/report"


def _content_type(msg: Message) -> str:
    return (first_value(msg, "content-type") or "").split(";")[0].strip().lower()
