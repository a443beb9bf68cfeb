"""The design note's session, typed exactly as it shows it, plus help and version."""

from __future__ import annotations

import re
import subprocess
import sys

from itsm import __version__
from tests.e2e.cli import Cli, check_plain, describe, make_env, run
from tests.e2e.expected import DEMO_STATS

NUMBER = re.compile(r"TKT-\d{8}-\d{4}")


def test_design_note_session(cli: Cli) -> None:
    assert cli.ok("demo").startswith("Demo data loaded: 4 users, 5 tickets")
    assert cli.json("ticket", "stats", "--json") == DEMO_STATS
    demo_numbers = {t["number"] for t in cli.json("ticket", "list")["items"]}
    assert len(demo_numbers) == 5

    out = cli.ok("ticket", "create", "Problema", "Descripción", "hardware", "high", "1")
    assert "New Ticket" in out
    assert "Ticket Created Successfully!" in out
    numbers = NUMBER.findall(out)
    assert len(numbers) == 1, out
    assert numbers[0] not in demo_numbers
    assert "Problema" in out

    listing = cli.ok("ticket", "list", "--limit", "10")
    assert "Tickets" in listing
    assert set(NUMBER.findall(listing)) == demo_numbers | {numbers[0]}
    assert "Problema" in listing
    assert listing.index(numbers[0]) < min(listing.index(n) for n in demo_numbers)  # newest first

    assigned = cli.ok("ticket", "assign", "1", "2")
    assert re.fullmatch(r"TKT-\d{8}-0001 assigned to tech\.\n", assigned), assigned

    stats = cli.ok("ticket", "stats")
    for word in ("Ticket statistics", "By status", "By priority", "By category", "in_progress"):
        assert word in stats
    after = cli.json("ticket", "stats")
    assert after["by_status"] == {"open": 5, "in_progress": 1}
    assert after["by_priority"] == {"critical": 3, "high": 2, "medium": 1}
    assert after["by_category"] == {"hardware": 4, "network": 1, "software": 1}
    assert after["total"] == after["active"] == 6


def test_ticket_arguments_take_an_id_or_a_number(demo: Cli) -> None:
    third = demo.json("ticket", "show", "3")
    number = third["number"]
    assert demo.json("ticket", "show", number.lower())["id"] == 3

    assert demo.json("ticket", "assign", number, "tech")["assignee"] == "tech"
    assert demo.json("ticket", "status", number, "in_progress")["status"] == "in_progress"
    comment = demo.json("ticket", "comment", number, "Revisando el disco")
    assert comment["body"] == "Revisando el disco"

    shown = demo.json("ticket", "show", number)
    assert shown["assignee"] == "tech"
    assert shown["status"] == "in_progress"
    assert [c["body"] for c in shown["comments"]] == ["Revisando el disco"]
    history = demo.json("ticket", "history", number)
    assert [e["kind"] for e in history][-3:] == ["assigned", "status_changed", "commented"]


def test_help_and_version() -> None:
    env = make_env(None)
    for args in (["--help"], ["ticket", "--help"], []):
        result = run(*args, env=env)
        check_plain(result)
        assert result.returncode == 0, describe(result)
        assert "Usage" in result.stdout, describe(result)
        assert result.stderr == "", describe(result)
    assert "ticket" in run("--help", env=env).stdout
    assert "create" in run("ticket", "--help", env=env).stdout

    version = run("--version", env=env)
    assert version.returncode == 0
    assert version.stdout.strip() == f"itsm {__version__}"

    as_module = subprocess.run(
        [sys.executable, "-m", "itsm", "--version"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert as_module.returncode == 0, as_module.stderr
    assert as_module.stdout.strip() == f"itsm {__version__}"
