"""The diagnostics agent's account from the CLI: not among the people, never assigned."""

from __future__ import annotations

from itsm.cli.exit import ExitStatus
from tests.e2e.cli import Cli


def test_the_agent_account_is_hidden_and_takes_no_ticket(demo: Cli) -> None:
    demo.json(
        "token", "create", "agent", "--agent", "--scope", "reports"
    )  # creates the agent's account
    demo.ok("user", "role", "itsm-agent", "technician")  # even promoted by mistake
    listed = [u["username"] for u in demo.json("user", "list")]
    assert "itsm-agent" not in listed
    assert "itsm-agent" not in demo.ok("user", "list")
    assert "itsm-agent" in [u["username"] for u in demo.json("user", "list", "--system")]

    assert demo.fail(ExitStatus.INVALID_INPUT, "ticket", "assign", "1", "itsm-agent") == (
        "error: 'itsm-agent' is the diagnostics agent's account and cannot be assigned "
        "tickets; give a technician or admin"
    )
    assert demo.json("ticket", "show", "1")["assignee"] != "itsm-agent"
