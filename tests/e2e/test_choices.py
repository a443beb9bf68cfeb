"""CLI choices are case-insensitive everywhere, as ``ticket import`` is (issue 13)."""

from __future__ import annotations

from tests.e2e.cli import Cli


def test_ticket_choices_in_any_case(demo: Cli) -> None:
    made = demo.json("ticket", "create", "Impresora", "Atasco", "HARDWARE", "High", "ana")
    assert (made["category"], made["priority"]) == ("hardware", "high")
    number = made["number"]

    page = demo.json("ticket", "list", "--status", "OPEN", "--priority", "High,CRITICAL")
    shown = {(t["status"], t["priority"]) for t in page["items"]}
    assert shown == {("open", "high"), ("open", "critical")}
    assert number in {t["number"] for t in page["items"]}

    by_rank = demo.json(
        "ticket", "list", "--active", "--sort", "PRIORITY", "--category", "Hardware"
    )
    ranks = [t["priority"] for t in by_rank["items"]]
    assert ranks == sorted(ranks, key=["critical", "high", "medium", "low"].index)

    changed = demo.json("ticket", "update", number, "--priority", "LOW", "--category", "Network")
    assert (changed["category"], changed["priority"]) == ("network", "low")
    assert demo.json("ticket", "status", number, "In_Progress")["status"] == "in_progress"
    assert demo.ok("ticket", "export", "--format", "CSV", "--status", "IN_PROGRESS").startswith(
        "id,number,"
    )


def test_other_groups_choices_in_any_case(demo: Cli) -> None:
    assert demo.json("user", "add", "lucia", "Lucía Gil", "--role", "Technician")["role"] == (
        "technician"
    )
    assert "lucia" in {u["username"] for u in demo.json("user", "list", "--role", "TECHNICIAN")}
    assert demo.json("user", "role", "lucia", "ADMIN")["role"] == "admin"

    item = demo.json("inventory", "add", "PC-0900", "LAPTOP", "--status", "In_Stock")
    assert (item["asset_type"], item["status"]) == ("laptop", "in_stock")
    listed = demo.json("inventory", "list", "--type", "Laptop", "--status", "IN_STOCK")
    assert [i["asset_tag"] for i in listed] == ["PC-0900"]
    assert demo.json("inventory", "status", "PC-0900", "In_Repair")["status"] == "in_repair"

    article = demo.json("kb", "add", "Drivers", "Instalar drivers.", "--category", "Software")
    assert article["category"] == "software"
    assert article["id"] in {a["id"] for a in demo.json("kb", "list", "--category", "SOFTWARE")}
    assert demo.json("kb", "update", str(article["id"]), "--category", "NETWORK")["category"] == (
        "network"
    )
    assert demo.json("diag", "history", "--severity", "Critical", "--check", "DISK.Usage") == []


def test_a_wrong_choice_says_what_is_allowed(cli: Cli) -> None:
    assert cli.fail(3, "ticket", "list", "--priority", "Urgent") == (
        "error: invalid priority 'Urgent'; allowed: critical, high, medium, low"
    )
    assert cli.fail(3, "ticket", "list", "--sort", "due-date") == (
        "error: invalid sort 'due-date'; allowed: newest, oldest, priority, due"
    )
