"""User text comes back byte for byte; the audit trail names whoever acted."""

from __future__ import annotations

from itsm.cli.exit import ExitStatus
from tests.e2e.cli import Cli

TITLE = "Ñandú 🚀 '; DROP TABLE tickets;-- [bold]x[/]"
DESCRIPTION = (
    'Línea «uno» 日本語 "quoted" \\[esc] [red]rojo[/red]\n'
    "Robert'); DELETE FROM users WHERE ('1'='1 🎉 100% _ \\"
)
COMMENT = "Gracias 👍 [link=https://example.org]aquí[/link] ' OR 1=1 --"


def test_hostile_text_round_trips(demo: Cli) -> None:
    created = demo.json("ticket", "create", TITLE, "-", "software", "low", "ana", input=DESCRIPTION)
    ref = created["number"]
    demo.ok("ticket", "comment", ref, COMMENT)
    demo.ok("ticket", "update", ref, "--priority", "high")

    shown = demo.json("ticket", "show", ref)
    assert shown["title"] == TITLE
    assert shown["description"] == DESCRIPTION
    assert [c["body"] for c in shown["comments"]] == [COMMENT]
    assert shown["priority"] == "high"

    plain = demo.ok("ticket", "show", ref)
    assert TITLE in plain
    for line in DESCRIPTION.splitlines():
        assert line in plain
    assert COMMENT in plain

    # The tables survive: every other ticket is still there and searchable.
    assert demo.json("ticket", "stats")["total"] == 6
    assert demo.json("user", "list")[2]["username"] == "ana"
    found = demo.json("ticket", "search", "ñandu")
    assert [t["number"] for t in found["items"]] == [ref]
    assert TITLE in demo.ok("ticket", "list", env={"COLUMNS": "320"})  # the title unwrapped


def test_actor_is_recorded_in_the_audit_trail(demo: Cli) -> None:
    demo.ok("--as", "tech", "ticket", "status", "3", "in_progress")
    demo.ok("ticket", "comment", "3", "Lo miro yo", env={"ITSM_USER": "ana"})
    demo.ok("--as", "tech", "ticket", "assign", "3", "tech", env={"ITSM_USER": "ana"})  # flag wins
    # pedro is an end user: ana's ticket does not exist for him.
    demo.fail(ExitStatus.NOT_FOUND, "ticket", "comment", "3", "x", env={"ITSM_USER": "pedro"})
    demo.ok("ticket", "update", "3", "--priority", "high")  # nobody named: the first admin

    msg = demo.fail(ExitStatus.NOT_FOUND, "--as", "nosuchuser", "ticket", "comment", "3", "x")
    assert "nosuchuser" in msg
    demo.fail(ExitStatus.NOT_FOUND, "ticket", "status", "3", "pending", env={"ITSM_USER": "ghost"})

    history = demo.json("ticket", "history", "3")
    actions = [(e["actor"], e["kind"]) for e in history]
    assert actions == [
        ("ana", "created"),
        ("tech", "status_changed"),
        ("ana", "commented"),
        ("tech", "assigned"),
        ("admin", "field_changed"),
    ]
    status_change = history[1]
    assert (status_change["old_value"], status_change["new_value"]) == ("open", "in_progress")
    shown = demo.json("ticket", "show", "3")
    assert shown["status"] == "in_progress"
    assert [(c["author"], c["body"]) for c in shown["comments"]] == [("ana", "Lo miro yo")]
    assert "tech" in demo.ok("ticket", "history", "3")
