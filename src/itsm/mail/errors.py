"""Errors of reading the mailbox: the server away, or refusing what itsm asked."""

from __future__ import annotations

from itsm.errors import ConfigError, ErrorKind, ItsmError


class MailServerUnavailable(ItsmError):
    """The IMAP server cannot be reached or dropped the connection: tried again later,
    nothing lost (a mail is moved only once its outcome is committed)."""

    kind = ErrorKind.MAIL_UNAVAILABLE


class MailLoginRefused(ConfigError):
    """The server refused the configured account: a setting to fix, not to retry."""


class MailboxError(ItsmError):
    """The server refused a mailbox command (a folder that cannot be created ...)."""

    kind = ErrorKind.MAIL_UNAVAILABLE


class MalformedMail(ItsmError):
    """A message that cannot be read as mail, is over the size limit or has no usable
    From: quarantined. ``str(error)`` is one line saying why, for the log line."""

    kind = ErrorKind.INVALID
