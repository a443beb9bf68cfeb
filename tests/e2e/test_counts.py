"""Every count the CLI prints agrees with its noun: "1 matching ticket", "1 article",
"older than 1 day" (SQLite and PostgreSQL)."""

from __future__ import annotations

from tests.e2e.cli import Cli


def _title(table: str) -> str:
    return table.splitlines()[0].strip()


def test_one_of_a_thing_is_singular(demo: Cli) -> None:
    assert _title(demo.ok("ticket", "search", "facturas")) == "1 matching ticket"
    assert _title(demo.ok("kb", "search", "papelera")) == "1 article"
    assert demo.ok("diag", "prune", "--days", "1") == (
        "Pruned 0 stored reports and 0 files older than 1 day.\n"
    )
    shown = demo.ok("kb", "show", "1")
    assert "· 1 view" in shown
    assert "1 views" not in shown


def test_several_are_plural(demo: Cli) -> None:
    assert _title(demo.ok("ticket", "search", "monitor servidor disco")).endswith(
        "matching tickets"
    )
    assert demo.ok("diag", "prune", "--days", "2").endswith("older than 2 days.\n")
