"""``itsm token create --agent --host`` and ``itsm token list`` on both databases."""

from __future__ import annotations

from tests.e2e.cli import Cli, describe


def test_an_agent_token_is_bound_to_a_host_and_lists_its_binding(cli: Cli) -> None:
    cli.ok("user", "add", "root", "Root", "--role", "admin")
    bound = cli.json("token", "create", "web-01", "--agent", "--host", "Machine-ID:abc123")
    assert (bound["kind"], bound["host_identity"]) == ("agent", "machine-id:abc123")
    assert bound["token"].startswith("itsm_")

    dmi = cli.run("token", "create", "vm-7", "--agent", "--host", "DMI:4C4C-0042")
    assert dmi.returncode == 0, describe(dmi)
    assert bound["user"] == "itsm-agent"  # named where a person reads it, not its id
    assert dmi.stderr == (
        f"Token #{bound['id'] + 1} (agent, bound to host dmi:4c4c-0042, scopes reports) for "
        "itsm-agent; copy it now, it is not shown again:\n"
    )
    assert dmi.stdout.startswith("itsm_")

    # This machine, recorded by the inventory: bound by its asset tag or hostname.
    machine = cli.json("inventory", "collect")
    assert machine["machine_id"].startswith(("machine-id:", "dmi:", "hostname:"))
    for ref in (machine["asset_tag"], machine["hostname"], str(machine["id"])):
        by_item = cli.json("token", "create", "this-host", "--agent", "--host", ref)
        assert by_item["host_identity"] == machine["machine_id"], ref
    free = cli.json("token", "create", "alertmanager", "--agent", "--scope", "alerts")
    person = cli.json("token", "create", "laptop", "--user", "root")
    assert free["host_identity"] is None
    assert person["host_identity"] is None

    listed = {t["id"]: t for t in cli.json("token", "list")}
    assert listed[bound["id"]]["host_identity"] == "machine-id:abc123"
    assert listed[free["id"]]["host_identity"] is None
    assert "token" not in listed[bound["id"]]
    table = cli.ok("token", "list", env={"COLUMNS": "200"})
    rows = {line.split("│")[3].strip(): line for line in table.splitlines() if "│" in line}
    assert "│ machine-id:abc123 " in rows["web-01"]
    assert "│ dmi:4c4c-0042 " in rows["vm-7"]
    assert "│ any " in rows["alertmanager"]
    assert "│ - " in rows["laptop"].split("personal")[1]
    assert "│ root " in rows["laptop"]
    assert "│ itsm-agent " in rows["web-01"]


def test_host_bindings_that_cannot_be_made_are_one_line_errors(cli: Cli) -> None:
    cli.ok("user", "add", "root", "Root", "--role", "admin")
    assert cli.fail(3, "token", "create", "x", "--host", "machine-id:abc", "--user", "root") == (
        "error: invalid host: only agent tokens may be bound to a host"
    )
    assert cli.fail(4, "token", "create", "x", "--agent", "--host", "LAP/2024/001") == (
        "error: inventory item 'LAP/2024/001' does not exist (id, asset tag or hostname); "
        "for a host that has not reported yet, give its identity: "
        "machine-id:<id>, dmi:<uuid> or hostname:<name>"
    )
    cli.ok("inventory", "add", "LAP/2024/001", "laptop", "--hostname", "lap-ana")
    for ref in ("LAP/2024/001", "lap-ana"):
        assert cli.fail(3, "token", "create", "x", "--agent", "--host", ref) == (
            "error: inventory item 'LAP/2024/001' was not recorded by a diagnostics report, "
            "so it has no machine identity; give the host's: "
            "machine-id:<id>, dmi:<uuid> or hostname:<name>"
        )
    assert "must not be empty" in cli.fail(3, "token", "create", "x", "--agent", "--host", " ")
    # A hostname two items have names no one machine, whatever they were recorded by.
    cli.ok("inventory", "add", "PC-1", "desktop", "--hostname", "twin")
    cli.ok("inventory", "add", "PC-2", "desktop", "--hostname", "twin")
    assert cli.fail(3, "token", "create", "x", "--agent", "--host", "twin") == (
        "error: 2 inventory items have the hostname 'twin' ('PC-1', 'PC-2'); give the item's "
        "id or asset tag, or the host's identity: machine-id:<id>, dmi:<uuid> or hostname:<name>"
    )
    assert cli.json("token", "list", "--all") == []  # nothing was created
