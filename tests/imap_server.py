"""A real IMAP server for the tests: Debian's Dovecot on a loopback port.

Each server has a throw-away configuration, one account (``desk`` / ``s3cret``) in a
passwd-file and its maildir in a temporary directory, and runs in the foreground as
the current user. Root may not run Dovecot's login or mail processes, so under root
they run as the package's own unprivileged users (``dovenull``, ``dovecot``).
Mails are delivered with IMAP APPEND, as a mail server would.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from itsm.mail.config import MailSettings
from tests.smtp_server import certificate, free_port
from tests.waiting import wait_until

DOVECOT = Path("/usr/sbin/dovecot")
USER, PASSWORD = "desk", "s3cret"
Security = Literal["none", "ssl", "starttls"]


@dataclass
class ImapServer:
    port: int
    security: Security
    ca_file: Path | None
    log: Path

    def settings(self, **changes: Any) -> MailSettings:
        """Settings that read this server's mailbox."""
        values: dict[str, Any] = {
            "host": "127.0.0.1" if self.security == "none" else "localhost",
            "port": self.port,
            "security": self.security,
            "username": USER,
            "password": PASSWORD,
            "ca_file": self.ca_file,
            "timeout_seconds": 10,
        }
        return MailSettings(**(values | changes))

    @contextmanager
    def client(self) -> Iterator[imaplib.IMAP4]:
        """A logged-in connection of the test's own (plain, on loopback)."""
        imap: imaplib.IMAP4
        if self.security == "ssl":
            context = ssl.create_default_context(cafile=str(self.ca_file))
            imap = imaplib.IMAP4_SSL("localhost", self.port, ssl_context=context, timeout=10)
        else:
            imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        try:
            imap.login(USER, PASSWORD)
            yield imap
        finally:
            imap.logout()

    def append(self, *raws: bytes, folder: str = "INBOX") -> None:
        """Deliver mails to ``folder``, unseen."""
        with self.client() as imap:
            for raw in raws:
                typ, data = imap.append(f'"{folder}"', None, None, raw)
                assert typ == "OK", data

    def messages(self, folder: str = "INBOX") -> list[bytes]:
        """The mails in ``folder`` (none if it does not exist), oldest first."""
        with self.client() as imap:
            typ, _ = imap.select(f'"{folder}"', readonly=True)
            if typ != "OK":
                return []
            _, found = imap.uid("SEARCH", "ALL")
            out: list[bytes] = []
            for uid in found[0].split():
                _, data = imap.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
                out.extend(item[1] for item in data if isinstance(item, tuple))
            return out

    def count(self, folder: str = "INBOX") -> int:
        with self.client() as imap:
            typ, data = imap.status(f'"{folder}"', "(MESSAGES)")
            if typ != "OK":
                return 0
            return int(data[0].split(b"MESSAGES ")[1].rstrip(b")"))


def require_dovecot() -> None:
    if not DOVECOT.exists():
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd; .ci/run does)")


def _users(as_root: bool) -> tuple[str, str, int, int]:
    """(login user, internal user, mail uid, mail gid) for Dovecot's processes."""
    me = pwd.getpwuid(os.getuid())
    if not as_root:
        return me.pw_name, me.pw_name, me.pw_uid, me.pw_gid
    mail = pwd.getpwnam("dovecot")
    return "dovenull", "root", mail.pw_uid, mail.pw_gid


def _config(
    work: Path,
    run: Path,
    home: Path,
    port: int,
    security: Security,
    tls: tuple[Path, Path] | None,
    extra: str,
) -> str:
    login_user, internal_user, uid, gid = _users(os.geteuid() == 0)
    plain_port, tls_port = (0, port) if security == "ssl" else (port, 0)
    ssl_lines = "ssl = no"
    if tls is not None:
        ssl_lines = f"ssl = yes\nssl_cert = <{tls[0]}\nssl_key = <{tls[1]}"
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {run}
state_dir = {work}/state
instance_name = itsm-test-{port}
default_internal_user = {internal_user}
default_login_user = {login_user}
log_path = {work}/dovecot.log
{ssl_lines}
disable_plaintext_auth = no
first_valid_uid = {uid}
first_valid_gid = {gid}
auth_mechanisms = plain login
mail_location = maildir:{home}/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {work}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {work}/users
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {plain_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
}}
protocol imap {{
  mail_max_userip_connections = 1000
}}
{extra}
"""


def _greets(port: int, security: Security, ca_file: Path | None) -> bool:
    """Whether the server answers with its greeting yet (observed, not assumed)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            if security == "ssl":
                context = ssl.create_default_context(cafile=str(ca_file))
                with context.wrap_socket(sock, server_hostname="localhost") as wrapped:
                    return wrapped.recv(64).startswith(b"* OK")
            return sock.recv(64).startswith(b"* OK")
    except OSError:
        return False


@contextmanager
def imap_server(
    directory: Path, *, security: Security = "none", extra: str = ""
) -> Iterator[ImapServer]:
    """Dovecot serving one mailbox on a free loopback port until the block ends.

    ``extra`` is more configuration (e.g. ``imap_capability`` to hide MOVE).
    """
    require_dovecot()
    work = directory / "dovecot"
    work.mkdir()
    tls = certificate(work) if security != "none" else None
    _, _, uid, gid = _users(os.geteuid() == 0)
    # The mail processes run as ``uid``: the maildir lives where it may reach.
    home = Path(tempfile.mkdtemp(prefix="itsm-imap-"))
    os.chown(home, uid, gid)
    (work / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{home}\n")
    port = free_port()
    # Unix sockets live in base_dir and a socket's path is limited (sun_path): pytest's
    # per-test directories under xdist are too long for it, so the sockets get a short one.
    run = Path(tempfile.mkdtemp(prefix="itsm-dc-"))
    run.chmod(0o755)
    (work / "dovecot.conf").write_text(_config(work, run, home, port, security, tls, extra))
    process = subprocess.Popen(
        [str(DOVECOT), "-F", "-c", str(work / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = ImapServer(
        port=port, security=security, ca_file=tls[0] if tls else None, log=work / "dovecot.log"
    )
    try:
        wait_until(
            "Dovecot greets on its port",
            lambda: (
                (process.poll() is None and _greets(port, security, server.ca_file))
                or _failed(process, server.log)
            ),
        )
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(run, ignore_errors=True)


def _failed(process: subprocess.Popen[bytes], log: Path) -> bool:
    if process.poll() is not None:
        text = log.read_text(errors="replace") if log.exists() else ""
        raise AssertionError(f"Dovecot exited with {process.returncode}: {text[-2000:]}")
    return False
