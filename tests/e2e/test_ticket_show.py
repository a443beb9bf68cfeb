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
