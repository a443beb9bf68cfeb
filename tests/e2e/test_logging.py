"""Structured logs of real commands: one line per change, JSON lines, no secrets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.e2e.cli import Cli

PASSWORD = "Corr3ct-horse-battery-staple"


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_changes_log_one_json_line_each_and_no_secret(cli: Cli, tmp_path: Path) -> None:
    log_file = tmp_path / "itsm.log"
    env = {"ITSM_LOG_LEVEL": "INFO", "ITSM_LOG_FORMAT": "json", "ITSM_LOG_FILE": str(log_file)}
    cli.ok("user", "add", "ana", "Ana Torres", "--role", "admin", env=env)
    before = len(_lines(log_file)) if log_file.exists() else 0
    created = cli.json("ticket", "create", "Printer", "Jammed", "hardware", "high", "ana", env=env)
    lines = _lines(log_file)[before:]
    changes = [e for e in lines if e["logger"] == "itsm.events"]
    assert [(e["message"], e["ticket_id"], e["level"]) for e in changes] == [
        ("ticket.created", created["id"], "INFO")
    ]
    assert {"time", "level", "logger", "message"} <= set(changes[0])
    assert any(e["message"] == "db.connect" for e in _lines(log_file))

    mark = len(_lines(log_file))
    cli.ok("ticket", "status", str(created["id"]), "in_progress", env=env)
    moved = [e["message"] for e in _lines(log_file)[mark:] if e["logger"] == "itsm.events"]
    assert moved == ["ticket.status_changed"]

    cli.ok("user", "passwd", "ana", "--password-stdin", input=PASSWORD + "\n", env=env)
    secret = cli.json("token", "create", "laptop", "--user", "ana", env=env)["token"]
    text = log_file.read_text(encoding="utf-8")
    assert PASSWORD not in text
    assert secret not in text
    assert "argon2" not in text


def test_the_text_format_appends_the_facts(cli: Cli, tmp_path: Path) -> None:
    log_file = tmp_path / "itsm.log"
    env = {"ITSM_LOG_LEVEL": "INFO", "ITSM_LOG_FILE": str(log_file)}
    cli.ok("user", "add", "ana", "Ana Torres", env=env)
    created = cli.json("ticket", "create", "Printer", "Jammed", "hardware", "high", "ana", env=env)
    user, ticket = [
        x for x in log_file.read_text(encoding="utf-8").splitlines() if "itsm.events" in x
    ]
    assert user.endswith(' INFO itsm.events: user.created user_id=1 role="user"')
    assert f" INFO itsm.events: ticket.created ticket_id={created['id']} " in ticket
