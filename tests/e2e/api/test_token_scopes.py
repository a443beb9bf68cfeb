"""Agent token scopes: the Alertmanager token sends alerts, not diagnostic reports, and a
reporting agent's token not alerts. Real HTTP, the real CLI, both databases."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from itsm.diagnostics.models import DiagnosticReport
from itsm.tickets.models import Ticket
from tests.e2e.api.support import ok, problem
from tests.e2e.api.test_alertmanager import alert, notification
from tests.e2e.api.test_diagnostics import disk, report
from tests.e2e.cli import Cli, make_env
from tests.live_server import Api

MACHINE = "0123456789abcdef0123456789abcdef"


def _token(admin: httpx.Client, **body: Any) -> str:
    issued = ok(admin.post("/tokens", json={"name": "agent", "kind": "agent", **body}), 201)
    secret: str = issued["token"]
    return secret


def _stored(api: Api) -> tuple[int, list[str]]:
    with api.session() as session:
        reports = session.scalar(select(func.count()).select_from(DiagnosticReport)) or 0
        statuses = session.scalars(select(Ticket.status).order_by(Ticket.id)).all()
    return reports, list(statuses)


def test_the_alertmanager_token_cannot_forge_a_healthy_report(
    api: Api, admin: httpx.Client, fresh_db_url: str
) -> None:
    """The attack of issue 13: a forged healthy report would resolve the host's tickets."""
    reporter = api.client(_token(admin, scopes=["reports"]))
    ok(reporter.post("/diagnostics/reports", json=[report(MACHINE, disk("critical", 97.0))]))
    before = _stored(api)
    assert before == (1, ["open"])

    cli = Cli(env=make_env(fresh_db_url))
    created = cli.json("token", "create", "alertmanager", "--agent", "--scope", "alerts")
    assert (created["kind"], created["scopes"]) == ("agent", ["alerts"])
    alertmanager = api.client(created["token"])

    forged = alertmanager.post("/diagnostics/reports", json=[report(MACHINE)])
    refused = problem(forged, 403, "missing-scope")
    assert "may not send reports" in refused["detail"]
    assert "--scope reports" in refused["detail"]
    assert _stored(api) == before  # nothing stored, nothing resolved

    sent = alertmanager.post("/integrations/alertmanager", json=notification(alert("HostDown")))
    assert sent.status_code == 200, sent.text


def test_a_reporting_token_cannot_send_alerts(api: Api, admin: httpx.Client) -> None:
    reporter = api.client(_token(admin, scopes=["reports"]))
    got = reporter.post("/integrations/alertmanager", json=notification(alert("HostDown")))
    assert "may not send alerts" in problem(got, 403, "missing-scope")["detail"]
    both = api.client(_token(admin, scopes=["alerts", "reports"]))
    ok(both.post("/integrations/alertmanager", json=notification(alert("HostDown"))))
    ok(both.post("/diagnostics/reports", json=[report(MACHINE)]))


def test_scopes_are_given_as_the_kind_of_token_allows(admin: httpx.Client) -> None:
    def refused(body: dict[str, Any]) -> str:
        got = problem(admin.post("/tokens", json={"name": "x", **body}), 422, "invalid-input")
        detail: str = got["detail"]
        return detail

    assert "needs its scopes" in refused({"kind": "agent"})
    assert "'reports' scope only" in refused(
        {"kind": "agent", "host": "hostname:web-01", "scopes": ["alerts"]}
    )
    assert "only agent tokens have scopes" in refused({"scopes": ["alerts"]})
    assert "alerts, reports" in refused({"kind": "agent", "scopes": ["everything"]})
    bound = ok(
        admin.post("/tokens", json={"name": "w", "kind": "agent", "host": "hostname:web-01"}), 201
    )
    assert bound["scopes"] == ["reports"]
    personal = ok(admin.post("/tokens", json={"name": "p"}), 201)
    assert personal["scopes"] == []


def test_itsm_token_create_and_list_show_scopes(api: Api, fresh_db_url: str) -> None:
    cli = Cli(env=make_env(fresh_db_url))
    cli.ok("user", "add", "root", "Root", "--role", "admin")
    assert "needs its scopes" in cli.fail(3, "token", "create", "am", "--agent")
    assert "--scope" in cli.ok("token", "create", "--help")
    both = cli.json("token", "create", "am", "--agent", "--scope", "Alerts", "--scope", "reports")
    assert both["scopes"] == ["alerts", "reports"]
    listed = {t["name"]: t["scopes"] for t in cli.json("token", "list")}
    assert listed == {"am": ["alerts", "reports"]}
    table = cli.ok("token", "list", env={"COLUMNS": "200"})
    assert "Scopes" in table
    assert "alerts reports" in table
