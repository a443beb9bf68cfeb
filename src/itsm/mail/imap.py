"""One connection to the desk's IMAP mailbox, by UID, through the standard library's imaplib.

Mails are read with ``BODY.PEEK[]`` (reading does not mark them seen) and leave the
folder only by a move to the processed or quarantine folder, once their outcome is
committed; so whatever is still in the folder is work to do, seen or not, and a crash
at any point loses nothing.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import socket
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from itsm.errors import ConfigError
from itsm.mail.config import MailSettings
from itsm.mail.errors import MailboxError, MailLoginRefused, MailServerUnavailable

#: An IMAP response code at the start of a tagged answer: "[ALREADYEXISTS] ...".
_CODE = re.compile(r"\[([A-Za-z-]+)")
_EXISTS = frozenset({"ALREADYEXISTS"})
_GONE = frozenset({"EXPUNGEISSUED", "NONEXISTENT"})
_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"UID (\d+) RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+) UID (\d+)")


@dataclass(frozen=True)
class Waiting:
    """A mail in the folder: its UID and size (the server's, before downloading it)."""

    uid: int
    size: int


def password_of(cfg: MailSettings) -> str:
    """The account's password: ``mail.password``, else the first line of ``password_file``."""
    if cfg.password is not None:
        return cfg.password.get_secret_value()
    if cfg.password_file is None:
        raise ConfigError("mail.password or mail.password_file is required when mail.host is set")
    try:
        lines = Path(cfg.password_file).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"cannot read mail.password_file {cfg.password_file}: {reason}") from None
    if not lines or not lines[0]:
        raise ConfigError(f"mail.password_file {cfg.password_file} is empty")
    return lines[0]


def quoted(name: str) -> str:
    """A folder name as an IMAP quoted string (imaplib sends arguments as given)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Mailbox:
    """The desk's mailbox, logged in with its folder selected. Use :func:`connected`."""

    def __init__(self, cfg: MailSettings, imap: imaplib.IMAP4) -> None:
        self.cfg = cfg
        self._imap = imap
        self.capabilities = self._capabilities()

    def _capabilities(self) -> frozenset[str]:
        with _talking(self.cfg):
            typ, data = self._imap.capability()
        words = b" ".join(d for d in data if isinstance(d, bytes)).decode("ascii", "replace")
        return frozenset(words.upper().split()) if typ == "OK" else frozenset()

    def _ok(self, what: str, command: str, *args: str) -> list[object]:
        """Send ``command``; its data if the server said OK, else :class:`MailboxError`."""
        return self._tried(what, command, *args)[1]

    def _tried(
        self, what: str, command: str, *args: str, unless: frozenset[str] = frozenset()
    ) -> tuple[bool, list[object]]:
        """(whether the server said OK, its data); a refusal with a response code in
        ``unless`` is (False, the data it sent anyway), any other :class:`MailboxError`."""
        with _talking(self.cfg):
            if command in {"SEARCH", "FETCH", "MOVE", "COPY", "STORE", "EXPUNGE"}:
                typ, data = self._imap.uid(command, *args)
            elif command == "EXPUNGE_ALL":
                typ, data = self._imap.expunge()
            else:
                typ, data = getattr(self._imap, command.lower())(*args)
        if typ != "OK":
            said = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
            if (m := _CODE.match(said)) is not None and m[1].upper() in unless:
                return False, data
            raise MailboxError(f"the mail server refused to {what}: {said or typ}")
        return True, data

    def ensure_folders(self, names: Sequence[str]) -> None:
        """Create the folders mails are moved to, when missing."""
        for name in names:
            if any(d for d in self._ok("list the folders", "LIST", '""', quoted(name)) if d):
                continue
            # Another reader may create it between the two commands.
            self._tried(f"create the folder {name!r}", "CREATE", quoted(name), unless=_EXISTS)

    def select(self, name: str) -> None:
        self._ok(f"open the folder {name!r}", "SELECT", quoted(name))

    def waiting(self, *, limit: int) -> list[Waiting]:
        """Up to ``limit`` mails of the selected folder, oldest first, with their sizes."""
        data = self._ok("search the folder", "SEARCH", "ALL")
        uids = [int(u) for d in data if isinstance(d, bytes) for u in d.split()][:limit]
        if not uids:
            return []
        sizes: dict[int, int] = {}
        answer = self._ok("read the sizes", "FETCH", ",".join(map(str, uids)), "(UID RFC822.SIZE)")
        for item in answer:
            line = item[0] if isinstance(item, tuple) else item
            if isinstance(line, bytes) and (m := _SIZE.search(line)):
                uid, size = (m[1], m[2]) if m[1] else (m[4], m[3])
                sizes[int(uid)] = int(size)
        return [Waiting(uid=u, size=sizes[u]) for u in uids if u in sizes]

    def fetch(self, uids: Sequence[int]) -> dict[int, bytes]:
        """The mails' bytes by UID, unchanged and still unseen, in one command; a mail that
        left the folder meanwhile is missing from the answer."""
        if not uids:
            return {}
        # Mails another reader moved meanwhile are left out (EXPUNGEISSUED): the rest come.
        _, data = self._tried("read mails", "FETCH", _set(uids), "(UID BODY.PEEK[])", unless=_GONE)
        found: dict[int, bytes] = {}
        for item in data:
            if not (isinstance(item, tuple) and len(item) == 2):
                continue
            header, body = item
            if isinstance(body, bytes) and (m := _UID.search(header)) is not None:
                found[int(m[1])] = body
        return found

    def move(self, uids: Sequence[int], folder: str) -> None:
        """Move the mails to ``folder``: MOVE (RFC 6851), else copy, flag deleted, expunge.

        Another reader of the folder may have moved some already: the server then
        refuses the set (EXPUNGEISSUED), and each mail is moved alone, the gone ones
        skipped."""
        if not uids:
            return
        if self._moved(_set(uids), folder):
            return
        for uid in uids:
            self._moved(str(uid), folder)

    def _moved(self, which: str, folder: str) -> bool:
        """Move the UID set ``which``; False if some of it was gone (nothing moved then)."""
        target = quoted(folder)
        if "MOVE" in self.capabilities:
            return self._tried(f"move mails to {folder!r}", "MOVE", which, target, unless=_GONE)[0]
        if not self._tried(f"copy mails to {folder!r}", "COPY", which, target, unless=_GONE)[0]:
            return False
        self._ok("flag mails deleted", "STORE", which, "+FLAGS.SILENT", r"(\Deleted)")
        if "UIDPLUS" in self.capabilities:
            self._ok("expunge mails", "EXPUNGE", which)
        else:  # every mail flagged deleted goes; only itsm's own flags are expected here
            self._ok("expunge the folder", "EXPUNGE_ALL")
        return True


def _set(uids: Sequence[int]) -> str:
    return ",".join(map(str, uids))


def _where(cfg: MailSettings) -> str:
    return f"mail server {cfg.host}:{cfg.effective_port}"


def _tls(cfg: MailSettings) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if cfg.ca_file is not None:
        try:
            context.load_verify_locations(cafile=str(cfg.ca_file))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"cannot read mail.ca_file {cfg.ca_file}: {exc}") from None
    return context


def _open(cfg: MailSettings) -> imaplib.IMAP4:
    assert cfg.host is not None
    port, timeout = cfg.effective_port, cfg.timeout_seconds
    if cfg.security == "ssl":
        return imaplib.IMAP4_SSL(cfg.host, port, ssl_context=_tls(cfg), timeout=timeout)
    imap = imaplib.IMAP4(cfg.host, port, timeout=timeout)
    if cfg.security == "starttls":
        try:
            imap.starttls(ssl_context=_tls(cfg))
        except BaseException:
            # The socket is open (unless the failed handshake closed it): never leak it.
            with contextlib.suppress(OSError):
                imap.shutdown()
            raise
    return imap


@contextmanager
def _talking(cfg: MailSettings) -> Iterator[None]:
    """Failures of the conversation as itsm's errors: away (retried) or refusing (a setting)."""
    try:
        yield
    except ssl.SSLCertVerificationError as exc:
        raise ConfigError(
            f"the {_where(cfg)} has a certificate this machine does not trust: "
            f"{exc.verify_message} (set mail.ca_file to its authority)"
        ) from None
    except (OSError, imaplib.IMAP4.abort, EOFError) as exc:
        raise MailServerUnavailable(f"the {_where(cfg)} is unreachable: {_said(exc)}") from None
    except imaplib.IMAP4.error as exc:
        raise MailboxError(
            f"the {_where(cfg)} answered what itsm cannot use: {_said(exc)}"
        ) from None


@contextmanager
def connected(cfg: MailSettings) -> Iterator[Mailbox]:
    """The mailbox, logged in, its folders there and ``mail.folder`` selected; logged out
    on leaving. A server away or breaking off is :class:`MailServerUnavailable`."""
    password = password_of(cfg)
    with _talking(cfg):
        imap = _open(cfg)
    try:
        with _talking(cfg):
            try:
                imap.login(str(cfg.username), password)
            except imaplib.IMAP4.error as exc:
                if isinstance(exc, imaplib.IMAP4.abort):
                    raise
                raise MailLoginRefused(
                    f"the {_where(cfg)} refused the login of {cfg.username!r}: "
                    f"{_said(exc)} (check mail.username and mail.password)"
                ) from None
        box = Mailbox(cfg, imap)
        box.ensure_folders([cfg.processed_folder, cfg.quarantine_folder])
        box.select(cfg.folder)
        yield box
    finally:
        _logout(imap)


def _logout(imap: imaplib.IMAP4) -> None:
    # The connection may be gone already: nothing left to end then.
    with contextlib.suppress(OSError, imaplib.IMAP4.error, EOFError):
        imap.logout()


def _said(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc.args[0] if exc.args else exc)
    if text.startswith(("b'", 'b"')):
        text = text[2:-1]
    return " ".join(text.split())[:300] or type(exc).__name__
