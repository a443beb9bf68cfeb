"""``itsm sla tick`` on a real database, with the SLA configured through ``ITSM_SLA__*``."""

from __future__ import annotations

from datetime import datetime, timedelta

from itsm.tickets import service as tickets
from itsm.tickets.models import Status
from itsm.users import service as users
from tests.e2e.cli import Cli

from .support import ALWAYS, ALWAYS_ENV, CLOCK, database, history, move_back, seed

NOTHING: dict[str, list[str]] = {
    "warned": [],
    "breached": [],
    "escalated": [],
    "closed": [],
    "problems": [],
}


def test_tick_warns_breaches_escalates_and_closes_once(cli: Cli, fresh_db_url: str) -> None:
    assert cli.json("sla", "tick") == NOTHING  # a fresh database: nothing to do, no error
    env = ALWAYS_ENV | {"ITSM_SLA__ESCALATION__REASSIGN_TO": "admin"}
    urgent, normal, done, paused = seed(
        fresh_db_url,
        ("Server down", "critical"),
        ("Mouse broken", "medium"),
        ("Password reset", "low"),
        ("Waiting for a part", "critical"),
    )
    with database(fresh_db_url) as session:
        tech = users.get_user(session, ref="tech")
        tickets.assign(session, ref=urgent, assignee_ref=tech.id, actor=tech)
        tickets.change_status(session, ref=paused, status=Status.PENDING, actor=None, sla=ALWAYS)
        tickets.change_status(session, ref=done, status=Status.RESOLVED, actor=tech, note="Reset")
    move_back(fresh_db_url, urgent, timedelta(minutes=31), *CLOCK)  # first response 1 min late
    move_back(fresh_db_url, normal, timedelta(minutes=200), *CLOCK)  # past 80 % of 240 min
    move_back(fresh_db_url, paused, timedelta(days=3), *CLOCK)  # late, but its clock is paused
    move_back(fresh_db_url, done, timedelta(hours=73), "resolved_at")  # auto-close: 72 h

    assert cli.json("sla", "tick", env=env) == {
        "warned": [f"{normal}:first_response"],
        "breached": [f"{urgent}:first_response"],
        "escalated": [urgent],
        "closed": [done],
        "problems": [],
    }
    assert cli.json("sla", "tick", env=env) == NOTHING

    shown = cli.json("ticket", "show", urgent)
    assert (shown["priority"], shown["assignee"], shown["first_response_breached"]) == (
        "critical",  # already the highest
        "boss",  # the first admin
        True,
    )
    due = datetime.fromisoformat(shown["first_response_due_at"])
    events = history(cli, urgent)
    assert [
        (kind, field, datetime.fromisoformat(new or ""), who)
        for kind, field, _, new, who in events
        if kind.startswith("sla_")
    ] == [("sla_breach", "first_response", due, None)]  # the scheduled tick acts as the system
    assert events[-1] == ("assigned", "assignee", "tech", "boss", None)

    # The medium ticket runs late too: breached, raised to high, given to the admin.
    move_back(fresh_db_url, normal, timedelta(minutes=60), *CLOCK)
    assert (
        cli.ok("sla", "tick", env=env)
        == f"breached: {normal}:first_response; escalated: {normal}\n"
    )
    shown = cli.json("ticket", "show", normal)
    assert (shown["priority"], shown["assignee"]) == ("high", "boss")
    assert [(e["kind"], e["field"]) for e in shown["events"] if e["kind"].startswith("sla_")] == [
        ("sla_warning", "first_response"),
        ("sla_breach", "first_response"),
    ]


def test_tick_with_an_unusable_reassign_rule_warns_on_stderr_and_still_works(
    cli: Cli, fresh_db_url: str
) -> None:
    env = ALWAYS_ENV | {"ITSM_SLA__ESCALATION__REASSIGN_TO": "nobody"}
    result = cli.run("sla", "tick", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Nothing to do.\n"
    assert result.stderr.splitlines() == [
        "warning: sla.escalation.reassign_to = 'nobody' cannot be followed: there is no "
        "user 'nobody'; breached tickets are not reassigned"
    ]
