"""``itsm ticket list`` by SLA due time: the Due column, ``--sla`` and ``--sort due``."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from itsm.tickets import service as tickets
from itsm.tickets.models import Status, Ticket
from tests.e2e.cli import Cli

from .support import ALWAYS, ALWAYS_ENV, CLOCK, database, move_back, seed


def _row(listing: str, title: str) -> str:
    return next(line for line in listing.splitlines() if title in line)


def test_the_queue_by_due_time(cli: Cli, fresh_db_url: str) -> None:
    late, soon, later, paused = seed(
        fresh_db_url,
        ("Servidor caído", "critical"),  # first response due in 30 minutes...
        ("Impresora", "critical"),
        ("Ratón", "low"),  # ...in 9 hours
        ("Licencia", "medium"),
    )
    move_back(fresh_db_url, late, timedelta(hours=2), *CLOCK)  # ...an hour and a half ago
    with database(fresh_db_url) as session:
        tickets.change_status(session, ref=paused, status=Status.PENDING, actor=None, sla=ALWAYS)
        stored = {n: d for n, d in session.execute(select(Ticket.number, Ticket.due_at))}
    assert stored[paused] is None

    madrid = ALWAYS_ENV | {"ITSM_TIMEZONE": "Europe/Madrid"}
    listing = cli.ok("ticket", "list", "--sort", "due", env=madrid)
    assert [n for n in (late, soon, later, paused) if n in listing] == [late, soon, later, paused]
    positions = [listing.index(n) for n in (late, soon, later, paused)]
    assert positions == sorted(positions)  # soonest due first, then the paused one
    assert re.search(r"BREACHED 1h 3\dm · ", _row(listing, late)), listing
    assert " CET" in _row(listing, late)  # the local time, labelled with its zone
    # However slowly the machine runs the commands, these are still ahead.
    assert re.search(r"in [12]?\dm · (\w{3} )?\d\d:\d\d CET", _row(listing, soon)), listing
    assert re.search(r"in (8h \d+m|9h) · (\w{3} )?\d\d:\d\d CET", _row(listing, later)), listing
    assert "paused" in _row(listing, paused)

    def numbers(*args: str, env: dict[str, str] | None = None) -> list[str]:
        page = cli.json("ticket", "list", *args, env=env or {})
        return [t["number"] for t in page["items"]]

    assert numbers("--sla", "breached") == [late]
    assert numbers("--sla", "DUE-SOON", "--sort", "due") == [soon]
    wide = {"ITSM_SLA__DUE_SOON_MINUTES": "600"}
    assert numbers("--sla", "due-soon", "--sort", "due", env=wide) == [soon, later]
    first = cli.json("ticket", "list", "--sort", "due", "--active", "--limit", "3")
    assert [t["number"] for t in first["items"]] == [late, soon, later]
    assert first["items"][0]["due_clock"] == "first_response"
    rest = numbers("--sort", "due", "--active", "--limit", "3", "--cursor", first["next_cursor"])
    assert rest == [paused]
    assert cli.fail(3, "ticket", "list", "--sla", "late") == (
        "error: invalid sla 'late'; allowed: due-soon, breached"
    )
