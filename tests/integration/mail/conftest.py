"""One Dovecot for the module's tests, each test with folders of its own; the desk's
database (both backends) with ``[mail]`` reading those folders."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from itsm.config import Settings
from itsm.db.runtime import Database, open_database
from itsm.mail.config import MailSettings
from itsm.notify.config import EmailSettings, SmtpSettings
from tests.imap_server import ImapServer, imap_server

_folders = itertools.count(1)


@pytest.fixture(scope="module")
def dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImapServer]:
    with imap_server(tmp_path_factory.mktemp("imap")) as server:
        yield server


@pytest.fixture
def mailbox(dovecot: ImapServer) -> MailSettings:
    """Folders no other test uses, the inbox created."""
    n = next(_folders)
    cfg = dovecot.settings(
        folder=f"in{n}", processed_folder=f"done{n}", quarantine_folder=f"bad{n}"
    )
    with dovecot.client() as imap:
        assert imap.create(f'"{cfg.folder}"')[0] == "OK"
    return cfg


DeskFactory = Callable[..., Database]


@pytest.fixture
def desk(settings: Settings, mailbox: MailSettings) -> Iterator[DeskFactory]:
    """``desk(smtp_port=None, **mail)``: the database, reading the test's mailbox."""
    opened: list[Database] = []

    def make(smtp_port: int | None = None, **mail: Any) -> Database:
        email = EmailSettings(
            smtp=SmtpSettings(
                host="127.0.0.1" if smtp_port else None, port=smtp_port or 25, security="none"
            ),
            from_address="desk@example.org",
            reply_to="help@example.org",
        )
        changed = settings.model_copy(
            update={"mail": mailbox.model_copy(update=mail), "email": email}
        )
        db = open_database(changed)
        opened.append(db)
        return db

    yield make
    for db in opened:
        db.dispose()
