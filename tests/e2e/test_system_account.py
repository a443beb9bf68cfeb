"""The diagnostics agent's account from the CLI: not among the people, never assigned,
neither by ``ticket assign`` nor as a ticket is opened or imported."""

from __future__ import annotations

import json
from pathlib import Path

from itsm.cli.exit import ExitStatus
from tests.e2e.cli import Cli

REFUSED = (
    "'itsm-agent' is the diagnostics agent's account and cannot be assigned tickets; "
    "give a technician or admin"
)


def test_the_agent_account_is_hidden_and_takes_no_ticket(demo: Cli, tmp_path: Path) -> None:
    demo.json(
        "token", "create", "agent", "--agent", "--scope", "reports"
    )  # creates the agent's account
    demo.ok("user", "role", "itsm-agent", "technician")  # even promoted by mistake
    listed = [u["username"] for u in demo.json("user", "list")]
    assert "itsm-agent" not in listed
    assert "itsm-agent" not in demo.ok("user", "list")
    every = demo.json("user", "list", "--system")
    assert [u["username"] for u in every if u["system"]] == ["itsm-agent"]

    assert demo.fail(ExitStatus.INVALID_INPUT, "ticket", "assign", "1", "itsm-agent") == (
        f"error: {REFUSED}"
    )
    assert demo.json("ticket", "show", "1")["assignee"] != "itsm-agent"
    before = len(demo.json("ticket", "list", "--limit", "100")["items"])
    opened = ("ticket", "create", "Disk full", "Full", "hardware")
    assert demo.fail(ExitStatus.INVALID_INPUT, *opened, "--assignee", "itsm-agent") == (
        f"error: {REFUSED}"
    )
    rows = tmp_path / "in.jsonl"
    row = {"title": "Disk full", "category": "hardware", "requester": "ana"}
    rows.write_text(json.dumps(row) + "\n" + json.dumps(row | {"assignee": "itsm-agent"}) + "\n")
    report = demo.json("ticket", "import", "--skip-invalid", str(rows))
    assert (report["imported"], report["skipped"]) == (1, 1)
    assert report["skipped_rows"] == [{"line": 2, "reason": f"assignee: {REFUSED}"}]
    assert len(demo.json("ticket", "list", "--limit", "100")["items"]) == before + 1
