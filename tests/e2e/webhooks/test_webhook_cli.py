"""``itsm webhook`` on both databases: add (secret once), list, show, test against a real
receiver, the worker's delivery, disable/enable, delete; bad input in one line."""

from __future__ import annotations

import pytest

from itsm.config import Settings
from itsm.db.runtime import open_database
from itsm.notify import fanout
from tests.e2e.cli import Cli, describe
from tests.webhook_receiver import webhook_receiver

LOCAL = {"ITSM_WEBHOOKS__ALLOW_PRIVATE": "true"}


@pytest.fixture
def admin(cli: Cli) -> Cli:
    cli.ok("user", "add", "root", "Root", "--role", "admin")
    return cli


def test_an_admin_registers_tests_and_receives_a_webhook(admin: Cli) -> None:
    cli = admin
    with webhook_receiver() as box:
        made = cli.run("webhook", "add", "chat", box.url, "--event", "ticket.created", env=LOCAL)
        assert made.returncode == 0, describe(made)
        assert made.stderr == (
            "Webhook #1 (chat); its signing secret, copy it now, it is not shown again:\n"
        )
        secret = made.stdout.strip()
        assert len(secret) >= 40
        listed = cli.json("webhook", "list")
        assert [(h["name"], h["events"], h["active"]) for h in listed] == [
            ("chat", ["ticket.created"], True)
        ]
        assert "secret" not in listed[0]
        assert secret not in cli.ok("webhook", "show", "chat")
        tested = cli.ok("webhook", "test", "chat", env=LOCAL)
        assert tested == "Delivered: the server answered HTTP 204.\n"
        assert box.received[-1].headers["x-itsm-event"] == "ping"
        assert box.received[-1].signed_by(secret)

        cli.ok("ticket", "create", "Impresora atascada", "No imprime", "hardware", "high", "1")
        cli.ok("worker", "--once", env=LOCAL)
        assert [r.headers["x-itsm-event"] for r in box.received] == ["ping", "ticket.created"]
        assert box.received[-1].json()["ticket"]["title"] == "Impresora atascada"
        assert box.received[-1].signed_by(secret)

        box.answers = [(500, {})]
        failed = cli.run("webhook", "test", "1", env=LOCAL)
        assert failed.returncode == 1, describe(failed)
        assert failed.stderr == "error: Not delivered: HTTP 500 from 127.0.0.1: answer 500\n"

    # A message waiting when the webhook is disabled: given up at once, with why.
    cli.ok("ticket", "create", "Sin red", "No hay red", "network", "low", "1")
    db = open_database(Settings(database_url=cli.env["ITSM_DATABASE_URL"]))
    try:
        fanout.expand(db)  # the worker's first step: the told event's messages wait
    finally:
        db.dispose()
    off = cli.json("webhook", "disable", "chat")
    assert (off["active"], off["disabled_reason"]) == (False, "disabled by an admin")
    (dead,) = cli.json("notify", "failed")
    assert (dead["channel"], dead["error"]) == (
        "webhook",
        "not sent: the webhook was disabled (disabled by an admin)",
    )
    on = cli.json("webhook", "enable", "chat")
    assert (on["active"], on["disabled_reason"], on["consecutive_failures"]) == (True, None, 0)
    assert cli.ok("webhook", "delete", "chat") == "Deleted webhook #1 (chat).\n"
    assert cli.json("webhook", "list") == []


def test_bad_webhooks_are_one_line_errors_and_nothing_is_written(admin: Cli) -> None:
    cli = admin
    cases = [
        (["ftp://x.example.org/h"], 3, "the URL must start with https:// or http://"),
        (["http://127.0.0.1:9/h"], 3, "resolves to 127.0.0.1, a loopback, private"),
        (["http://[::ffff:127.0.0.1]/h"], 3, "a loopback, private or reserved address"),
        (["http://169.254.169.254/latest"], 3, "resolves to 169.254.169.254"),
        (["http://10.0.0.5/h"], 3, "resolves to 10.0.0.5"),
        (["http://localhost/h"], 3, "'localhost' resolves to"),
        (["https://x.example.org/h", "--event", "ticket.deleted"], 3, "invalid events"),
        (["https://x.example.org/h", "--format", "teams"], 3, "invalid format 'teams'"),
    ]
    for args, code, said in cases:
        error = cli.fail(code, "webhook", "add", "bad", *args)
        assert said in error, (args, error)
    assert cli.fail(4, "webhook", "show", "nope") == "error: no webhook nope"
    assert cli.fail(4, "webhook", "delete", "99999999999") == "error: no webhook 99999999999"
    assert cli.json("webhook", "list") == []
    cli.ok("user", "add", "tina", "Tina", "--role", "technician")
    refused = cli.fail(6, "--as", "tina", "webhook", "list")
    assert refused == "error: only admins may do this"
