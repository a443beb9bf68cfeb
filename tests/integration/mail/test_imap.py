"""The mailbox connection against a real Dovecot: listing, reading unseen, moving (with
and without MOVE), IMAPS and STARTTLS logins, and a server that refuses or is away."""

from __future__ import annotations

from pathlib import Path

import pytest

from itsm.errors import ConfigError
from itsm.mail.errors import MailLoginRefused, MailServerUnavailable
from itsm.mail.imap import connected
from tests.imap_server import imap_server
from tests.smtp_server import free_port

MAIL = b"From: ana@example.org\r\nSubject: Hola\r\nMessage-ID: <m1@example.org>\r\n\r\nbody\r\n"


def test_mails_are_listed_with_sizes_read_unseen_and_moved(tmp_path: Path) -> None:
    with imap_server(tmp_path) as server:
        second = MAIL.replace(b"m1@", b"m2@")
        server.append(MAIL, second)
        cfg = server.settings()
        with connected(cfg) as box:
            waiting = box.waiting(limit=10)
            assert [w.size for w in waiting] == [len(MAIL), len(MAIL)]
            assert box.fetch([w.uid for w in waiting]) == {
                waiting[0].uid: MAIL,
                waiting[1].uid: second,
            }
            box.move([waiting[0].uid], cfg.processed_folder)
            assert box.fetch([waiting[0].uid]) == {}
            assert len(box.waiting(limit=1)) == 1
        with server.client() as imap:
            imap.select("INBOX", readonly=True)
            assert imap.uid("SEARCH", "UNSEEN")[1][0].split() == [str(waiting[1].uid).encode()]
        assert server.messages(cfg.processed_folder) == [MAIL]
        assert server.count(cfg.quarantine_folder) == 0  # created, empty
        assert server.count("INBOX") == 1


def test_without_move_a_mail_is_copied_flagged_and_expunged(tmp_path: Path) -> None:
    hidden = "imap_capability = IMAP4rev1 LITERAL+ UIDPLUS"
    with imap_server(tmp_path, extra=hidden) as server:
        server.append(MAIL, MAIL)
        cfg = server.settings(processed_folder="Hecho por itsm")
        with connected(cfg) as box:
            assert "MOVE" not in box.capabilities
            box.move([w.uid for w in box.waiting(limit=10)], cfg.processed_folder)
        assert server.count("INBOX") == 0
        assert server.messages("Hecho por itsm") == [MAIL, MAIL]


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_imaps_and_starttls_log_in_trusting_the_configured_authority(
    tmp_path: Path, security: str
) -> None:
    with imap_server(tmp_path, security=security) as server:  # type: ignore[arg-type]
        server.append(MAIL)
        with connected(server.settings()) as box:
            assert len(box.waiting(limit=10)) == 1
        untrusted = server.settings(ca_file=None)
        with (
            pytest.raises(ConfigError, match="certificate this machine does not trust"),
            connected(untrusted),
        ):
            pass


def test_a_wrong_password_is_a_setting_to_fix_and_a_server_away_is_retried(
    tmp_path: Path,
) -> None:
    with imap_server(tmp_path) as server:
        with (
            pytest.raises(MailLoginRefused, match=r"refused the login of 'desk'.*mail\.password"),
            connected(server.settings(password="wrong")),
        ):
            pass
        secret = tmp_path / "secret"
        secret.write_text("s3cret\n")
        with connected(server.settings(password=None, password_file=secret)) as box:
            assert box.waiting(limit=1) == []
        with (
            pytest.raises(ConfigError, match=r"cannot read mail\.password_file"),
            connected(server.settings(password=None, password_file=tmp_path / "none")),
        ):
            pass
    away = server.settings(port=free_port())
    with (
        pytest.raises(MailServerUnavailable, match=r"mail server 127\.0\.0\.1:\d+ is unreachable"),
        connected(away),
    ):
        pass
