"""Where a ticket came from filters ``itsm ticket list`` and ``export`` as it does
``GET /api/v1/tickets`` and the web queue (``TicketFilters.source``)."""

from __future__ import annotations

import json

from itsm.cli.exit import ExitStatus
from tests.e2e.cli import Cli


def test_list_and_export_by_source(demo: Cli) -> None:
    made = demo.json("ticket", "create", "Teclado", "Sin teclas", "hardware", "low", "ana")
    every = demo.json("ticket", "list", "--limit", "500")["items"]
    by_source = {t["number"]: t["source"] for t in every}
    assert by_source[made["number"]] == "cli"

    from_cli = demo.json("ticket", "list", "--source", "CLI", "--limit", "500")["items"]
    assert {t["number"] for t in from_cli} == {n for n, s in by_source.items() if s == "cli"}
    others = demo.json("ticket", "list", "--source", "email,alert,web", "--limit", "500")["items"]
    assert {t["number"] for t in others} == {
        n for n, s in by_source.items() if s in {"email", "alert", "web"}
    }

    lines = demo.ok("ticket", "export", "--format", "jsonl", "--source", "cli").splitlines()
    assert {json.loads(line)["number"] for line in lines} == {t["number"] for t in from_cli}

    # Several assignees: repeated or comma-separated, any of them.
    demo.ok("ticket", "assign", made["number"], "tech")
    mine = demo.json("ticket", "list", "--assignee", "tech", "--limit", "500")["items"]
    assert made["number"] in {t["number"] for t in mine}
    both = demo.json("ticket", "list", "--assignee", "tech,admin", "--limit", "500")["items"]
    again = demo.json(
        "ticket", "list", "--assignee", "tech", "--assignee", "admin", "--limit", "500"
    )["items"]
    assert (
        {t["number"] for t in both} == {t["number"] for t in again} >= {t["number"] for t in mine}
    )
    assert {t["assignee"] for t in both} <= {"tech", "admin"}

    said = demo.fail(ExitStatus.INVALID_INPUT, "ticket", "list", "--source", "fax")
    assert "fax" in said
    assert "cli, api, web, email, diagnostic, alert" in said
