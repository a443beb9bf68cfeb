"""``itsm diag run`` end to end: real probes, a real database, the real console script.

Each ``itsm`` call costs a second or more on a loaded machine, so each test
makes few calls and checks much of what they print.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from itsm.config import Settings
from itsm.db.base import utcnow
from itsm.db.runtime import open_database
from itsm.diagnostics import autoticket, service
from itsm.diagnostics.report import parse_report
from tests.e2e.cli import Cli, describe
from tests.e2e.diag.conftest import BASE, EXIT, HIGH_DISK, LOW_DISK, finding, report_of


def _diagnostic_tickets(cli: Cli) -> list[dict[str, Any]]:
    page = cli.json("ticket", "list", "--limit", "500")
    return [t for t in page["items"] if t["source"] == "diagnostic"]


def _root_ticket(tickets: list[dict[str, Any]]) -> dict[str, Any]:
    found = [t for t in tickets if t["title"].endswith(": disk.usage /")]
    assert len(found) == 1, [t["title"] for t in tickets]
    return found[0]


def test_run_opens_a_ticket_once_and_resolves_it_on_recovery(cli: Cli, tmp_path: Path) -> None:
    reports = tmp_path / "reports" / "nested"
    first = cli.run("diag", "run", "--reports-dir", str(reports), env=LOW_DISK)
    assert first.returncode == 2, describe(first)  # Nagios CRITICAL
    assert first.stderr == ""
    (written,) = reports.iterdir()  # one file, in a directory created for it
    assert written.name.startswith("diag-")
    assert written.suffix == ".json"
    report = json.loads(written.read_text(encoding="utf-8"))
    assert report == parse_report(written.read_bytes()).model_dump(mode="json")
    assert report["schema_version"] == 1
    assert report["severity"] == "critical"
    assert finding(report, "disk.usage", "/")["severity"] == "critical"
    assert not {c["check"] for c in report["checks"]} & {"cpu.utilisation", "cpu.load"}
    # The plain report names the run, its file and the tickets it opened.
    assert "CRITICAL" in first.stdout
    assert report["report_id"] in first.stdout
    assert "disk.usage" in first.stdout
    assert "Tickets opened" in first.stdout

    again = cli.run("diag", "run", "--json", env=LOW_DISK)
    assert again.returncode == 2, describe(again)
    assert report_of(again)["schema_version"] == 1

    tickets = _diagnostic_tickets(cli)
    ticket = _root_ticket(tickets)  # one ticket for two runs
    assert ticket["number"] in first.stdout
    assert ticket["status"] == "open"
    assert (ticket["category"], ticket["priority"]) == ("hardware", "critical")
    assert ticket["requester"] == "itsm-agent"
    assert ticket["asset_id"] is not None
    assert str(ticket["fingerprint"]).startswith("diag:")
    assert len({t["fingerprint"] for t in tickets}) == len(tickets)

    healed = cli.run("diag", "run", "--json", env=HIGH_DISK)
    healthy = report_of(healed)
    assert finding(healthy, "disk.usage", "/")["severity"] == "healthy"
    assert healed.returncode == EXIT[healthy["severity"]], describe(healed)

    shown = cli.json("ticket", "show", str(ticket["id"]))
    assert shown["status"] == "resolved"
    assert shown["resolved_at"] is not None
    # The second run added nothing; the recovery added one comment.
    assert [c["body"].split(":")[0] for c in shown["comments"]] == ["Recovered"]
    assert [e["kind"] for e in shown["events"]] == [
        "created",
        "commented",
        "status_changed",
        "field_changed",
    ]
    assert shown["events"][-1]["field"] == "resolution_note"
    assert shown["resolution_note"].startswith("Recovered: ")

    history = cli.json("diag", "history")
    assert [h["report_id"] for h in history] == [
        healthy["report_id"],
        report_of(again)["report_id"],
        report["report_id"],
    ]
    assert history[-1]["severity"] == "critical"
    assert history[-1]["problems"] >= 1
    assert cli.json("diag", "show", str(history[-1]["id"])) == report


def test_inventory_collect_keeps_one_row_that_diag_run_links_to(cli: Cli) -> None:
    first = cli.json("inventory", "collect", env=BASE)
    assert str(first["machine_id"]).split(":")[0] in {"machine-id", "dmi", "hostname"}
    assert first["ram_bytes"]
    assert first["ram_bytes"] > 0

    result = cli.run("diag", "run", "--json", env=LOW_DISK)
    assert result.returncode == 2, describe(result)
    second = cli.json("inventory", "collect", env=BASE)

    assert second["id"] == first["id"]
    assert second["machine_id"] == first["machine_id"]
    assert second["asset_tag"] == first["asset_tag"]
    assert second["last_seen_at"] > first["last_seen_at"]  # ISO-8601 UTC sorts as text
    ticket = _root_ticket(_diagnostic_tickets(cli))
    assert ticket["asset_id"] == first["id"]


def test_prune_deletes_old_reports_and_files(cli: Cli, fresh_db_url: str, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    env = {**HIGH_DISK, "ITSM_DIAGNOSTICS__REPORTS_DIR": str(reports)}
    result = cli.run("diag", "run", "--json", env=env)
    recent = report_of(result)
    assert result.returncode == EXIT[recent["severity"]], describe(result)
    # The same machine's report of 40 days ago, stored through the same service.
    old = parse_report(result.stdout).model_copy(
        update={"report_id": uuid.uuid4(), "collected_at": utcnow() - timedelta(days=40)}
    )
    db = open_database(Settings(database_url=fresh_db_url))
    try:
        with db.session() as session:
            service.process_report(
                session, report=old, zone=ZoneInfo("UTC"), policy=autoticket.Policy()
            )
    finally:
        db.dispose()
    stale = reports / "diag-oldhost-20200101T000000Z.json"
    stale.write_text("{}", encoding="utf-8")
    foreign = reports / "notes.txt"
    foreign.write_text("keep me", encoding="utf-8")

    out = cli.ok("diag", "prune", env=env)

    assert out.strip() == "Pruned 1 stored report and 1 file older than 30 days."
    assert [h["report_id"] for h in cli.json("diag", "history")] == [recent["report_id"]]
    assert not stale.exists()
    assert foreign.exists()
    assert len(list(reports.glob("diag-*.json"))) == 1
    missing = cli.fail(4, "diag", "show", str(old.report_id))
    assert str(old.report_id) in missing
    assert "does not exist" in missing
