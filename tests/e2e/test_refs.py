"""Any text where a command takes a reference is "not found" or "invalid", never a crash."""

from __future__ import annotations

import pytest

from itsm.cli.exit import ExitStatus
from tests.e2e.cli import Cli

#: Past PostgreSQL's INTEGER, past SQLite's 64-bit INTEGER, a digit int() reads but
#: no key is, and digits that are not ASCII.
REFS = ("2147483648", "99999999999999999999", "²", "٣")
COMMANDS = (
    ("ticket", "show", "{}"),
    ("ticket", "history", "{}"),
    ("ticket", "comment", "{}", "hola"),
    ("ticket", "status", "{}", "closed"),
    ("ticket", "assign", "{}", "tec"),
    ("ticket", "rate", "{}", "5"),
    ("ticket", "merge", "{}", "1"),
    ("ticket", "merge", "1", "{}"),
    ("ticket", "link", "{}", "1"),
    ("kb", "show", "{}"),
    ("inventory", "show", "{}"),
    ("user", "show", "{}"),
    ("diag", "show", "{}"),
)


@pytest.mark.parametrize("ref", REFS)
def test_impossible_ids_are_not_found(demo: Cli, ref: str) -> None:
    for command in COMMANDS:
        args = [part.format(ref) for part in command]
        line = demo.fail(ExitStatus.NOT_FOUND, *args)
        assert "does not exist" in line, (args, line)
