"""``itsm user categories`` as a person types it, on both databases."""

from __future__ import annotations

from tests.e2e.cli import Cli


def test_set_show_clear_and_refusals(cli: Cli) -> None:
    cli.ok("user", "add", "boss", "Boss", "--role", "admin")
    cli.ok("user", "add", "tere", "Tere", "--role", "technician")
    cli.ok("user", "add", "ana", "Ana")
    assert cli.ok("user", "categories", "tere") == "tere: every category.\n"
    said = cli.ok("--as", "boss", "user", "categories", "tere", "--set", "network,Hardware")
    assert said == "tere: hardware, network.\n"
    assert cli.json("--as", "tere", "user", "categories", "tere") == {
        "username": "tere",
        "categories": ["hardware", "network"],
    }
    refused = cli.fail(6, "--as", "tere", "user", "categories", "tere", "--set", "other")
    assert "only admins" in refused
    assert "choose from hardware" in cli.fail(3, "user", "categories", "tere", "--set", "printers")
    assert "technicians only" in cli.fail(3, "user", "categories", "ana", "--set", "other")
    assert "at least one" in cli.fail(3, "user", "categories", "tere", "--set", ",")
    assert "does not exist" in cli.fail(4, "user", "categories", "nobody")
    assert cli.ok("user", "categories", "tere", "--clear") == "tere: every category.\n"
