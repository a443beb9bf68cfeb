"""``itsm user notify-prefs``: the acting user's notification preferences, on both databases."""

from __future__ import annotations

from tests.e2e.cli import Cli


def test_a_user_shows_and_changes_their_preferences(cli: Cli) -> None:
    cli.ok("user", "add", "root", "Root", "--role", "admin")
    cli.ok("user", "add", "ana", "Ana")
    shown = {(p["kind"], p["channel"]): p["enabled"] for p in cli.json("user", "notify-prefs")}
    assert shown[("comment", "email")] is True
    assert shown[("comment", "push")] is True  # push reaches subscribed browsers only
    changed = cli.json(
        "--as",
        "ana",
        "user",
        "notify-prefs",
        "--set",
        "comment:email=off",
        "--set",
        "status:push=off",
    )
    after = {(p["kind"], p["channel"]): p["enabled"] for p in changed}
    assert after == {**shown, ("comment", "email"): False, ("status", "push"): False}
    root = {(p["kind"], p["channel"]): p["enabled"] for p in cli.json("user", "notify-prefs")}
    assert root == shown  # ana's choice is hers only
    out = cli.ok("--as", "ana", "user", "notify-prefs", env={"COLUMNS": "200"})
    assert "Notifications of ana" in out
    comment = next(line for line in out.splitlines() if "│ comment " in line)
    assert [cell.strip() for cell in comment.split("│")[1:-1]] == ["comment", "off", "on", "on"]


def test_a_wrong_choice_is_one_line_and_changes_nothing(cli: Cli) -> None:
    cli.ok("user", "add", "root", "Root", "--role", "admin")
    before = cli.json("user", "notify-prefs")
    for wrong in ("comment:pigeon=off", "gossip:email=off", "comment:email=maybe", "comment"):
        got = cli.run("user", "notify-prefs", "--set", "status:email=off", "--set", wrong)
        assert got.returncode == 3, got.stderr
        assert got.stderr.count("\n") == 1
        assert "KIND:CHANNEL=on|off" in got.stderr
        assert "Traceback" not in got.stderr
    assert cli.json("user", "notify-prefs") == before
