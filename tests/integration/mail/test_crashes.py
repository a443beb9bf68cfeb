"""Exactly once, whatever happens: a fetch killed mid-chunk (after some commits, before
the moves) and two readers of one mailbox at once, on both databases."""

from __future__ import annotations

import os
import signal
import subprocess
import threading

from sqlalchemy import func, select

from itsm.db.runtime import Database
from itsm.mail.config import MailSettings
from itsm.mail.fetch import Tally, fetch_once
from itsm.mail.models import MailMessage
from itsm.tickets.models import Ticket
from tests.e2e.cli import ITSM, make_env
from tests.factories import make_user
from tests.imap_server import PASSWORD, USER, ImapServer
from tests.integration.mail.conftest import DeskFactory
from tests.integration.mail.corpus import deliver, mail
from tests.waiting import wait_until

MAILS = 20


def _count(db: Database, what: type[Ticket] | type[MailMessage]) -> int:
    with db.session(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(what)) or 0)


def _queue(db: Database, server: ImapServer, cfg: MailSettings) -> None:
    with db.session() as session:
        make_user(session, username="ana", email="ana@example.org")
    letters = [mail(subject=f"Incidencia {n}") for n in range(MAILS)]
    deliver(server, cfg, *letters)


def test_a_fetch_killed_between_commits_and_moves_loses_and_repeats_nothing(
    desk: DeskFactory, dovecot: ImapServer, mailbox: MailSettings
) -> None:
    db = desk()
    _queue(db, dovecot, mailbox)
    env = make_env(
        db.settings.effective_database_url,
        ITSM_DATA_DIR=str(db.settings.data_dir),
        ITSM_MAIL__HOST="127.0.0.1",
        ITSM_MAIL__PORT=str(dovecot.port),
        ITSM_MAIL__SECURITY="none",
        ITSM_MAIL__USERNAME=USER,
        ITSM_MAIL__PASSWORD=PASSWORD,
        ITSM_MAIL__FOLDER=mailbox.folder,
        ITSM_MAIL__PROCESSED_FOLDER=mailbox.processed_folder,
        ITSM_MAIL__QUARANTINE_FOLDER=mailbox.quarantine_folder,
    )
    fetcher = subprocess.Popen(
        [str(ITSM), "mail", "fetch", "--once"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Killed once some mails are committed: one chunk is moved only when all are.
        # (The command's start is in the wait: allowed longer on a loaded machine.)
        wait_until(
            "the fetch committed a few mails",
            lambda: _count(db, MailMessage) >= 3,
            timeout=120,
        )
    finally:
        os.kill(fetcher.pid, signal.SIGKILL)
        fetcher.wait()
    committed = _count(db, MailMessage)
    assert _count(db, Ticket) == committed
    assert dovecot.count(mailbox.folder) + dovecot.count(mailbox.processed_folder) == MAILS
    tally = fetch_once(db, drain=True)
    assert tally.total == MAILS - committed  # the committed ones were only moved
    assert _count(db, Ticket) == MAILS
    assert (dovecot.count(mailbox.folder), dovecot.count(mailbox.processed_folder)) == (0, MAILS)


def test_two_readers_of_one_mailbox_make_each_ticket_once(
    desk: DeskFactory, dovecot: ImapServer, mailbox: MailSettings
) -> None:
    first, second = desk(batch_size=5), desk(batch_size=5)
    _queue(first, dovecot, mailbox)
    tallies: list[Tally] = []

    def read(db: Database) -> None:
        tallies.append(fetch_once(db, drain=True))

    readers = [threading.Thread(target=read, args=(db,)) for db in (first, second)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert len(tallies) == 2
    assert sum(t.total for t in tallies) == MAILS
    assert _count(first, Ticket) == _count(first, MailMessage) == MAILS
    assert dovecot.count(mailbox.folder) == 0
