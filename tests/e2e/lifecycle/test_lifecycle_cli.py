"""The lifecycle from the terminal: statuses and notes, rating, reopening, history."""

from __future__ import annotations

from datetime import datetime, timedelta

from itsm.cli.exit import ExitStatus
from tests.e2e.cli import Cli

from .support import ALWAYS_ENV, history, move_back, seed


def test_resolve_rate_reopen_close_and_the_history(cli: Cli, fresh_db_url: str) -> None:
    [n] = seed(fresh_db_url, ("Printer jams", "medium"))
    assert cli.fail(
        ExitStatus.INVALID_INPUT, "--as", "tech", "ticket", "status", n, "resolved"
    ) == ("error: resolving a ticket needs a resolution note (what fixed it)")
    cli.ok("--as", "tech", "ticket", "status", n, "RESOLVED", "--note", "-", input="New fuser\n")
    shown = cli.json("ticket", "show", n)
    assert (shown["status"], shown["resolution_note"]) == ("resolved", "New fuser")
    assert shown["resolved_at"] is not None
    assert cli.fail(ExitStatus.CONFLICT, "ticket", "status", n, "pending") == (
        "error: cannot change status from resolved to pending; "
        "allowed from resolved: closed, open, in_progress"
    )

    # Satisfaction: the requester only, 1-5, once per resolution. Another end user is
    # told the ticket does not exist; a technician may see it but not rate it.
    assert cli.fail(ExitStatus.NOT_FOUND, "--as", "bob", "ticket", "rate", n, "5") == (
        f"error: ticket {n!r} does not exist (give an id or a TKT-YYYYMMDD-NNNN number)"
    )
    assert cli.fail(ExitStatus.FORBIDDEN, "--as", "tech", "ticket", "rate", n, "5") == (
        f"error: only the requester of {n} can rate it"
    )
    assert cli.fail(ExitStatus.INVALID_INPUT, "--as", "ana", "ticket", "rate", n, "6") == (
        "error: invalid rating 6; allowed: 1, 2, 3, 4, 5"
    )
    rated = cli.json("--as", "ana", "ticket", "rate", n, "4", "--comment", "Quick")
    assert (rated["satisfaction_rating"], rated["satisfaction_comment"]) == (4, "Quick")
    assert cli.fail(ExitStatus.CONFLICT, "--as", "ana", "ticket", "rate", n, "5") == (
        f"error: {n} was already rated for this resolution"
    )

    # Only staff move tickets, as over the API: the requester asks in a comment.
    assert cli.fail(ExitStatus.FORBIDDEN, "--as", "ana", "ticket", "status", n, "open") == (
        "error: only technicians and admins may change the status of tickets"
    )
    reopened = cli.json("--as", "tech", "ticket", "status", n, "open")
    assert (reopened["status"], reopened["resolved_at"], reopened["closed_at"]) == (
        "open",
        None,
        None,
    )
    assert cli.ok("--as", "tech", "ticket", "status", n, "closed") == f"{n} is now closed.\n"
    # 15 days after closing, the default 14-day window has passed; a longer one has not.
    move_back(fresh_db_url, n, timedelta(days=15), "closed_at")
    assert cli.fail(ExitStatus.CONFLICT, "--as", "tech", "ticket", "status", n, "open") == (
        "error: this ticket was closed 15 days ago and can be reopened only within 14 days; "
        "open a new ticket that refers to it"
    )
    longer = {"ITSM_SLA__REOPEN_WINDOW_DAYS": "30"}
    assert cli.json("--as", "tech", "ticket", "status", n, "open", env=longer)["status"] == "open"

    events = history(cli, n)
    assert [(old, new, who) for kind, _, old, new, who in events if kind == "status_changed"] == [
        ("open", "resolved", "tech"),
        ("resolved", "open", "tech"),
        ("open", "closed", "tech"),
        ("closed", "open", "tech"),
    ]
    assert ("field_changed", "resolution_note", None, "New fuser", "tech") in events
    assert ("rated", "satisfaction_rating", None, "4", "ana") in events


def test_create_and_priority_change_follow_the_configured_sla(cli: Cli, fresh_db_url: str) -> None:
    seed(fresh_db_url)
    created = cli.json(
        "--as", "ana", "ticket", "create", "Server down", "Down.", "network", "low", env=ALWAYS_ENV
    )
    start = datetime.fromisoformat(created["created_at"])
    assert datetime.fromisoformat(created["resolution_due_at"]) - start == timedelta(hours=45)
    raised = cli.json(
        "ticket", "update", created["number"], "--priority", "critical", env=ALWAYS_ENV
    )
    assert datetime.fromisoformat(raised["first_response_due_at"]) - start == timedelta(minutes=30)
    assert datetime.fromisoformat(raised["resolution_due_at"]) - start == timedelta(hours=4)
