"""The service report over real HTTP on SQLite and PostgreSQL: the CLI's figures, for staff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from itsm.accounts.models import TokenKind
from tests.e2e.api.support import invalid, ok, problem
from tests.e2e.cli import Cli, make_env
from tests.integration.reports.builders import build_scenario, expected
from tests.live_server import Api

MARCH = {"start": "2025-03-01", "end": "2025-04-01"}


def test_the_report_is_the_one_the_cli_prints(api: Api) -> None:
    with api.session() as session:
        march = expected(build_scenario(session))
    tech = api.as_new("tess", role="technician")
    got = ok(tech.get("/reports/service", params=MARCH))
    assert got == march.model_dump(mode="json")
    cli = Cli(env=make_env(api.settings.database_url))
    assert cli.json("report", "service", "--from", "2025-03-01", "--to", "2025-04-01") == got
    offsets = {"start": "2025-03-01T01:00+01:00", "end": "2025-04-01T00:00:00Z"}
    assert ok(tech.get("/reports/service", params=offsets)) == got


def test_the_period_defaults_to_the_last_30_days(admin: httpx.Client) -> None:
    before = datetime.now(UTC)
    got = ok(admin.get("/reports/service"))
    start, end = (datetime.fromisoformat(got[k]) for k in ("start", "end"))
    assert before <= end <= datetime.now(UTC)
    assert end - start == timedelta(days=30)
    assert got["opened"] == 0
    assert [b["key"] for b in got["priorities"]] == ["critical", "high", "medium", "low"]
    only_end = ok(admin.get("/reports/service", params={"end": "2025-04-01"}))
    assert (only_end["start"], only_end["end"]) == ("2025-03-02T00:00:00Z", "2025-04-01T00:00:00Z")


def test_bad_periods_are_422_problems_that_name_the_bound(admin: httpx.Client) -> None:
    bad = problem(admin.get("/reports/service", params={"start": "March"}), 422, "invalid-period")
    assert bad["detail"].startswith("invalid 'start' date 'March': expected an ISO date")
    problem(admin.get("/reports/service", params={"end": "2025-02-30"}), 422, "invalid-period")
    backwards = problem(
        admin.get("/reports/service", params={"start": "2025-04-01", "end": "2025-03-01"}),
        422,
        "invalid-period",
    )
    assert "'start' 2025-04-01T00:00:00+00:00 is not before 'end'" in backwards["detail"]
    edge = admin.get("/reports/service", params={"end": "0001-01-01"})
    assert "give 'start' too" in problem(edge, 422, "invalid-period")["detail"]
    assert invalid(admin.get("/reports/service", params={"start": "2" * 65}), "start", "at most 64")


def test_only_staff_get_reports(api: Api) -> None:
    problem(api.as_new("eve").get("/reports/service"), 403, "forbidden")
    agent = api.client(api.token(api.user("host1", role="admin"), kind=TokenKind.AGENT))
    problem(agent.get("/reports/service"), 403, "forbidden")
    problem(api.client().get("/reports/service"), 401, "unauthenticated")
