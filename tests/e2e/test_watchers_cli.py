"""``itsm ticket watch`` / ``unwatch`` and the watchers in ``ticket show``, as a person
types them, on both databases: what is said, idempotent repeats, one-line refusals."""

from __future__ import annotations

from tests.e2e.cli import Cli


def test_watch_unwatch_and_show(cli: Cli) -> None:
    cli.ok("user", "add", "tere", "Tere", "--role", "technician")
    cli.ok("user", "add", "ana", "Ana")
    cli.ok("user", "add", "cora", "Cora")
    ticket = cli.json("ticket", "create", "Sin red", "x", "network", "high", "ana")["number"]
    said = cli.ok("--as", "tere", "ticket", "watch", ticket, "cora")
    assert said == f"cora now watches {ticket}.\n"
    assert cli.ok("--as", "tere", "ticket", "watch", ticket, "cora") == (
        f"cora already follows {ticket}.\n"
    )
    shown = cli.json("ticket", "show", ticket)
    assert [w["username"] for w in shown["watchers"]] == ["cora"]
    line = next(x for x in cli.ok("ticket", "show", ticket).splitlines() if "Watchers" in x)
    assert "cora" in line
    history = cli.json("ticket", "history", ticket)
    assert [(e["kind"], e["new_value"]) for e in history if e["kind"] == "watcher_added"] == [
        ("watcher_added", "cora")
    ]
    # The watcher may not copy others in, but may leave (and then no longer sees it).
    refused = cli.fail(6, "--as", "cora", "ticket", "watch", ticket, "tere")
    assert "only staff and the ticket's requester may change its watchers" in refused
    listed = cli.json("--as", "cora", "ticket", "unwatch", ticket, "cora")
    assert listed == []
    assert "does not exist" in cli.fail(4, "--as", "cora", "ticket", "show", ticket)
    assert cli.ok("ticket", "unwatch", ticket, "cora") == f"cora was not watching {ticket}.\n"
    assert "does not exist" in cli.fail(4, "ticket", "watch", ticket, "nobody")
    assert "does not exist" in cli.fail(4, "ticket", "watch", "TKT-20000101-0001", "cora")
