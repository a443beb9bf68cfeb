"""Bad input: one ``error:`` line, the documented exit code, and nothing written."""

from __future__ import annotations

from pathlib import Path

from itsm.cli.exit import ExitStatus
from tests.e2e.cli import Cli, describe, make_env, run
from tests.e2e.expected import DEMO_STATS

CATEGORIES = "hardware, software, network, account, other"
PRIORITIES = "critical, high, medium, low"
STATUSES = "open, in_progress, pending, resolved, closed"


def test_ticket_create_rejects_bad_input(demo: Cli) -> None:
    before = demo.json("ticket", "stats")
    create = ("ticket", "create", "Impresora", "No imprime")

    msg = demo.fail(ExitStatus.INVALID_INPUT, *create, "printers", "high", "ana")
    assert "'printers'" in msg
    assert CATEGORIES in msg
    msg = demo.fail(ExitStatus.INVALID_INPUT, *create, "hardware", "urgent", "ana")
    assert "'urgent'" in msg
    assert PRIORITIES in msg
    assert "nosuchuser" in demo.fail(
        ExitStatus.NOT_FOUND, *create, "hardware", "high", "nosuchuser"
    )
    demo.fail(ExitStatus.NOT_FOUND, *create, "hardware", "high", "999")

    assert "title" in demo.fail(
        ExitStatus.INVALID_INPUT, "ticket", "create", "", "x", "hardware", "high", "ana"
    )
    assert "title" in demo.fail(
        ExitStatus.INVALID_INPUT, "ticket", "create", "t" * 201, "x", "hardware", "high", "ana"
    )
    huge = "ñ" * (32 * 1024 + 1)  # 32 Ki characters, over 64 KiB of UTF-8
    msg = demo.fail(
        ExitStatus.INVALID_INPUT,
        *("ticket", "create", "Grande", "-", "hardware", "high", "ana"),
        input=huge,
    )
    assert "description" in msg
    assert "64 KiB" in msg

    msg = demo.fail(ExitStatus.USAGE, "ticket", "create", "Sin descripción")
    assert "Missing argument" in msg
    demo.fail(ExitStatus.USAGE, "ticket", "list", "--limit", "zero")

    assert demo.json("ticket", "stats") == before
    # Exactly at the limits is accepted: 200 characters, 64 KiB.
    ok = demo.json(
        *("ticket", "create", "t" * 200, "-", "hardware", "low", "ana"), input="x" * 65536
    )
    assert len(ok["title"]) == 200
    assert len(ok["description"]) == 65536


def test_ticket_changes_reject_bad_input(demo: Cli) -> None:
    assert "'999'" in demo.fail(ExitStatus.NOT_FOUND, "ticket", "show", "999")
    demo.fail(ExitStatus.NOT_FOUND, "ticket", "history", "TKT-19990101-0001")
    demo.fail(ExitStatus.NOT_FOUND, "ticket", "assign", "3", "nosuchuser")

    before = demo.json("ticket", "show", "3")
    msg = demo.fail(ExitStatus.INVALID_INPUT, "ticket", "assign", "3", "ana")
    assert "ana" in msg
    assert "technician" in msg
    msg = demo.fail(ExitStatus.INVALID_INPUT, "ticket", "status", "3", "done")
    assert "'done'" in msg
    assert STATUSES in msg
    assert demo.json("ticket", "show", "3") == before

    assert demo.json("ticket", "status", "3", "closed")["status"] == "closed"
    closed = demo.json("ticket", "show", "3")
    msg = demo.fail(ExitStatus.CONFLICT, "ticket", "status", "3", "pending")
    assert "closed" in msg
    assert "pending" in msg
    assert "allowed" in msg
    assert "open" in msg.split("allowed", 1)[1]
    assert demo.json("ticket", "show", "3") == closed


def test_conflicts_and_debug(demo: Cli) -> None:
    assert "'ana'" in demo.fail(ExitStatus.CONFLICT, "user", "add", "ana", "Otra Ana")
    msg = demo.fail(ExitStatus.CONFLICT, "demo")
    assert "--force" in msg

    debug = demo.run("--debug", "user", "add", "ana", "Otra Ana")
    assert debug.returncode == ExitStatus.CONFLICT, describe(debug)
    assert "Traceback" in debug.stderr
    assert debug.stderr.splitlines()[-1].startswith("error: username 'ana'")
    assert debug.stdout == ""

    users = demo.json("user", "list", "--all")
    assert [(u["username"], u["full_name"]) for u in users][2] == ("ana", "Ana Torres")
    assert len(users) == 4
    assert demo.json("ticket", "stats") == DEMO_STATS


def test_environment_errors(tmp_path: Path) -> None:
    """No database needed to tell these apart: unreachable server, bad configuration."""
    bad_url = "postgresql://u:secret@127.0.0.1:1/x"
    cli = Cli(env=make_env(None))
    msg = cli.fail(ExitStatus.DATABASE_UNAVAILABLE, "--database-url", bad_url, "ticket", "list")
    assert "not reachable" in msg
    for args in (["ticket", "list"], ["--debug", "ticket", "list"], ["db", "current"]):
        result = run(*args, env=make_env(bad_url))
        assert result.returncode == ExitStatus.DATABASE_UNAVAILABLE, describe(result)
        assert "secret" not in result.stdout + result.stderr, describe(result)
        assert result.stderr.splitlines()[-1].startswith("error: database"), describe(result)

    sqlite_url = f"sqlite:///{tmp_path / 'unused.db'}"
    tz = Cli(env=make_env(sqlite_url, ITSM_TIMEZONE="Mars/Olympus_Mons"))
    msg = tz.fail(ExitStatus.CONFIG, "ticket", "list")
    assert "Mars/Olympus_Mons" in msg
    assert "timezone" in msg
