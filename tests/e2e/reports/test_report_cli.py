"""``itsm report service`` end to end: the real command on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from itsm.config import Settings
from itsm.db.engine import build_engine
from itsm.reports.flat import HEADER, rows
from itsm.reports.schemas import ServiceReport
from tests.e2e.cli import Cli
from tests.integration.reports.builders import build_scenario, expected

MARCH = ("--from", "2025-03-01", "--to", "2025-04-01")


@pytest.fixture
def march(cli: Cli, fresh_db_url: str) -> ServiceReport:
    """The hand-built scenario committed to the command's database; its expected report."""
    engine = build_engine(Settings(database_url=fresh_db_url))
    try:
        with Session(engine) as session:
            scenario = build_scenario(session)
            session.commit()
    finally:
        engine.dispose()
    return expected(scenario)


def test_json_is_the_whole_report(cli: Cli, march: ServiceReport) -> None:
    assert cli.json("report", "service", *MARCH) == march.model_dump(mode="json")


def test_csv_rows(cli: Cli, march: ServiceReport) -> None:
    out = cli.ok("report", "service", *MARCH, "--csv")
    got = list(csv.reader(io.StringIO(out)))
    assert tuple(got[0]) == HEADER
    want = [[s, k, m, "" if v is None else str(v)] for s, k, m, v in rows(march)]
    assert got[1:] == want
    assert ["summary", "", "opened", "8"] in got
    assert ["technician", "bob", "sla_percent_met", "50.0"] in got


def test_tables(cli: Cli, march: ServiceReport) -> None:
    out = cli.ok("report", "service", *MARCH)
    assert "Service report, 2025-03-01 00:00 to 2025-04-01 00:00 UTC" in out
    for text in ("Backlog at end", "Time to resolve", "First response", "alice", "(unassigned)"):
        assert text in out
    assert "3.25 / 5 from 4 of 5 resolved (80.0% answered)" in out


def test_offsets_and_times_are_accepted(cli: Cli, march: ServiceReport) -> None:
    data = cli.json(
        "report", "service", "--from", "2025-03-01T01:00+01:00", "--to", "2025-04-01T00:00:00Z"
    )
    assert data["start"] == "2025-03-01T00:00:00Z"
    assert data["opened"] == march.opened


def test_default_period_is_the_last_30_days(cli: Cli) -> None:
    before = datetime.now(UTC)
    data = cli.json("report", "service")
    end = datetime.fromisoformat(data["end"])
    assert before <= end <= datetime.now(UTC)
    assert end - datetime.fromisoformat(data["start"]) == timedelta(days=30)
    assert data["opened"] == 0
    assert data["time_to_resolve"]["median_hours"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "yesterday"), "error: invalid 'from' date 'yesterday': expected an ISO date"),
        (("--to", "2025-02-30"), "error: invalid 'to' date '2025-02-30'"),
        (("--from", "2025-04-01", "--to", "2025-03-01"), "error: empty report period"),
        (("--from", "2025-03-01", "--to", "2025-03-01"), "error: empty report period"),
        (("--json", "--csv"), "error: choose one output: --json or --csv, not both"),
    ],
)
def test_bad_input_exits_3(cli: Cli, args: tuple[str, ...], message: str) -> None:
    line = cli.fail(3, "report", "service", *args)
    assert line.startswith(message)


def test_listed_in_help(cli: Cli) -> None:
    assert "report" in cli.ok("--help")
    assert "service" in cli.ok("report", "--help")
