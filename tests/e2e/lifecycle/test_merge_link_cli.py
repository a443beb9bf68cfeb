"""Merging duplicates and linking related tickets from the terminal."""

from __future__ import annotations

from itsm.cli.exit import ExitStatus
from itsm.tickets import service as tickets
from itsm.tickets.schemas import CommentCreate
from itsm.users import service as users
from tests.e2e.cli import Cli

from .support import database, rows, seed


def test_merge_and_link(cli: Cli, fresh_db_url: str) -> None:
    a, b, c = seed(fresh_db_url, ("Mail slow", "low"), ("Outlook hangs", "low"), ("Wifi", "low"))
    with database(fresh_db_url) as session:
        for author, body, internal in (("ana", "It takes minutes", False), ("tech", "Full", True)):
            tickets.add_comment(
                session,
                ref=a,
                data=CommentCreate(body=body, is_internal=internal),
                actor=users.get_user(session, ref=author),
            )

    assert cli.ok("--as", "tech", "ticket", "link", b, c) == f"Linked {b} and {c}.\n"
    assert cli.ok("ticket", "link", c, b) == f"Linked {c} and {b}.\n"  # idempotent
    kept = cli.json("--as", "tech", "ticket", "merge", a, b)
    assert (kept["number"], kept["status"]) == (b, "open")

    duplicate = cli.json("ticket", "show", a)
    assert (duplicate["status"], duplicate["resolution_note"]) == ("closed", f"Duplicate of {b}")
    assert duplicate["merged_into"] == b
    assert duplicate["links"] == [{"kind": "merged_into", "ticket": b}]
    assert [c["body"] for c in duplicate["comments"]] == ["It takes minutes", "Full"]
    target = cli.json("ticket", "show", b)
    assert target["links"] == [
        {"kind": "related", "ticket": c},
        {"kind": "merged_from", "ticket": a},
    ]
    assert [
        (c["copied_from"], c["body"], c["author"], c["is_internal"]) for c in target["comments"]
    ] == [
        (a, "It takes minutes", "ana", False),
        (a, "Full", "tech", True),
    ]
    assert [r for r in rows(target["events"]) if r[0] in ("merged", "linked")] == [
        ("linked", "related", None, c, "tech"),
        ("merged", "merged_from", None, a, "tech"),
    ]
    # The target is named by the link only: no note is written, so none is searched.
    assert rows(duplicate["events"])[-2:] == [
        ("merged", "merged_into", None, b, "tech"),
        ("status_changed", "status", "open", "closed", "tech"),
    ]

    assert cli.fail(ExitStatus.INVALID_INPUT, "ticket", "merge", b, b) == (
        "error: a ticket cannot be merged into itself"
    )
    assert cli.fail(ExitStatus.CONFLICT, "ticket", "merge", c, a) == (
        f"error: cannot merge into {a}: it is closed; reopen it first"
    )
    related = cli.json("ticket", "show", c)
    assert related["links"] == [{"kind": "related", "ticket": b}]
    assert [r for r in rows(related["events"]) if r[0] == "linked"] == [
        ("linked", "related", None, b, "tech")
    ]
