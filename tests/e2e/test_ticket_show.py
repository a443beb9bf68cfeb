"""What `itsm ticket show` says of the SLA clock in each state of a ticket."""

from __future__ import annotations

from tests.e2e.cli import Cli


def _clock(cli: Cli, ref: str) -> str:
    lines = [line for line in cli.ok("ticket", "show", ref).splitlines() if "SLA clock" in line]
    assert len(lines) == 1
    return lines[0].split("SLA clock", 1)[1].strip(" │|")


def test_sla_clock_line_follows_the_status(demo: Cli) -> None:
    ref = demo.json("ticket", "create", "Sin red", "x", "network", "high", "ana")["number"]
    assert _clock(demo, ref) == "running"
    demo.ok("ticket", "status", ref, "pending")
    assert _clock(demo, ref) == "paused (pending)"
    demo.ok("ticket", "status", ref, "resolved", "--note", "Cable cambiado")
    assert _clock(demo, ref) == "stopped (resolved)"
    demo.ok("ticket", "status", ref, "closed")
    assert _clock(demo, ref) == "stopped (closed)"


def test_times_are_shown_in_the_configured_zone_with_its_name(cli: Cli) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    madrid = {"ITSM_TIMEZONE": "Europe/Madrid"}
    cli.ok("user", "add", "ana", "Ana")
    created = cli.json("ticket", "create", "Sin red", "x", "network", "high", "ana", env=madrid)
    at = datetime.fromisoformat(created["created_at"])
    assert at.utcoffset() is not None  # JSON keeps ISO 8601 with its offset
    local = at.astimezone(ZoneInfo("Europe/Madrid"))
    shown = f"{local:%Y-%m-%d %H:%M} {local.tzname()}"  # CET or CEST
    assert shown in cli.ok("ticket", "show", created["number"], env=madrid)
    assert f"{at:%Y-%m-%d %H:%M} UTC" in cli.ok("ticket", "show", created["number"])
    listed = cli.ok("ticket", "list", env={**madrid, "COLUMNS": "250"})
    assert str(local.tzname()) in listed


def test_the_linked_item_is_named_by_its_asset_tag(demo: Cli) -> None:
    shown = demo.json("ticket", "show", "1")  # the demo's monitor ticket
    assert shown["asset_id"] is not None
    assert shown["asset"] == "MON-0001"
    line = next(line for line in demo.ok("ticket", "show", "1").splitlines() if "Asset" in line)
    assert "MON-0001" in line
    listed = demo.json("ticket", "list", "--limit", "100")["items"]
    assert {t["number"]: t["asset"] for t in listed}[shown["number"]] == "MON-0001"
