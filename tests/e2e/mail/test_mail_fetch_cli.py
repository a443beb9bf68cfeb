"""``itsm mail fetch`` as a person runs it, against a real Dovecot, on both databases:
the one-line summary, the reading loop stopped by SIGTERM, a server away (exit 13) and
a mailbox not configured (exit 7)."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from tests.e2e.cli import ITSM, Cli
from tests.imap_server import PASSWORD, USER, imap_server
from tests.integration.mail.corpus import mail
from tests.smtp_server import free_port
from tests.waiting import wait_until


def _mail_env(port: int) -> dict[str, str]:
    return {
        "ITSM_MAIL__HOST": "127.0.0.1",
        "ITSM_MAIL__PORT": str(port),
        "ITSM_MAIL__SECURITY": "none",
        "ITSM_MAIL__USERNAME": USER,
        "ITSM_MAIL__PASSWORD": PASSWORD,
    }


def test_fetch_once_turns_the_inbox_into_tickets_and_says_so(cli: Cli, tmp_path: Path) -> None:
    cli.ok("user", "add", "ana", "Ana Pérez", "--email", "ana@example.org")
    with imap_server(tmp_path) as server:
        server.append(mail().as_bytes(), mail(sender="zoe@elsewhere.net").as_bytes())
        env = _mail_env(server.port)
        out = cli.ok("mail", "fetch", "--once", env=env)
        assert out.strip() == "tickets 1, comments 0, refused 1, ignored 0, quarantined 0"
        assert server.count("INBOX") == 0
        assert cli.ok("mail", "fetch", "--once", "--json", env=env).strip().startswith("{")
    listed = cli.ok("ticket", "list", "--source", "email")
    assert "La impresora no imprime" in listed


def test_a_server_away_is_exit_13_and_no_mailbox_exit_7(cli: Cli) -> None:
    away = cli.run("mail", "fetch", "--once", env=_mail_env(free_port()))
    assert away.returncode == 13
    assert away.stderr.count("\n") == 1
    assert "is unreachable" in away.stderr
    none = cli.run("mail", "fetch", "--once")
    assert none.returncode == 7
    assert "set mail.host" in none.stderr
    wrong = cli.run("mail", "fetch", "--once", env={"ITSM_MAIL__SECURITY": "tls"})
    assert wrong.returncode == 7
    assert "mail.security" in wrong.stderr


def test_fetch_keeps_reading_until_sigterm_and_then_sums_up(cli: Cli, tmp_path: Path) -> None:
    cli.ok("user", "add", "ana", "Ana Pérez", "--email", "ana@example.org")
    with imap_server(tmp_path) as server:
        env = {**cli.env, **_mail_env(server.port), "ITSM_MAIL__POLL_SECONDS": "0.2"}
        reader = subprocess.Popen(
            [str(ITSM), "mail", "fetch"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            server.append(mail().as_bytes())
            wait_until("the first mail is handled", lambda: server.count("itsm-processed") == 1)
            server.append(mail(subject="Otra").as_bytes())
            wait_until("the second mail is handled", lambda: server.count("itsm-processed") == 2)
        finally:
            reader.send_signal(signal.SIGTERM)
            out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    assert out.strip() == "tickets 2, comments 0, refused 0, ignored 0, quarantined 0"
    assert err.strip() == "itsm mail fetch: reading the mailbox (Ctrl+C stops)"
