"""The service report on both databases: exact figures on hand-built data, edge cases,
a bounded number of queries, and agreement with the ticket statistics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from itsm.errors import InvalidInput
from itsm.reports.flat import HEADER, rows
from itsm.reports.schemas import Breakdown, Durations, SlaCompliance
from itsm.reports.service import service_report
from itsm.tickets import queries
from tests.factories import make_user
from tests.integration.reports.builders import (
    END,
    START,
    add_comment,
    add_ticket,
    at,
    build_random,
    build_scenario,
    expected,
)

NOW = datetime.now(UTC)


def test_exact_figures_of_the_hand_built_scenario(session: Session) -> None:
    scenario = build_scenario(session)
    report = service_report(session, start=START, end=END)
    want = expected(scenario)
    # Section by section first, for a readable failure; then the whole document.
    for section in type(want).model_fields:
        assert getattr(report, section) == getattr(want, section), section
    assert report == want


def test_bounds_are_start_inclusive_end_exclusive(session: Session) -> None:
    req = make_user(session).id
    add_ticket(session, requester_id=req, created=START)  # in
    add_ticket(session, requester_id=req, created=END)  # out
    add_ticket(session, requester_id=req, created=END - timedelta(microseconds=1))  # in
    add_ticket(session, requester_id=req, created=START - timedelta(microseconds=1))  # out
    report = service_report(session, start=START, end=END)
    assert report.opened == 2
    # Active at END: created before it, so three (the one created at END is not).
    assert report.backlog.count == 3


def test_a_later_period_sees_other_tickets(session: Session) -> None:
    build_scenario(session)
    april = service_report(session, start=END, end=at(5, 1))
    assert april.opened == 1  # J
    assert april.resolved == 1  # I, resolved on 2 April
    assert april.closed == 1  # K, closed on 3 April
    assert april.time_to_resolve == Durations(
        count=1, mean_hours=432.0, median_hours=432.0, p90_hours=432.0
    )


def test_an_empty_database_gives_zeros_and_no_figures(session: Session) -> None:
    report = service_report(session, start=START, end=END)
    assert (report.opened, report.closed, report.resolved, report.backlog.count) == (0, 0, 0, 0)
    assert report.time_to_acknowledge == Durations(
        count=0, mean_hours=None, median_hours=None, p90_hours=None
    )
    assert report.backlog.median_age_hours is None
    assert report.first_response_sla == SlaCompliance(
        met=0, breached=0, pending=0, percent_met=None
    )
    assert report.satisfaction.average_rating is None
    assert report.satisfaction.response_rate_percent is None
    assert report.technicians == []
    assert report.categories[0] == Breakdown(
        key="hardware", opened=0, resolved=0, mean_time_to_resolve_hours=None
    )
    assert set(report.opened_by_status.values()) == {0}


@pytest.mark.parametrize(
    ("start", "end"),
    [(END, START), (START, START), (datetime(2025, 3, 1), END)],
)
def test_invalid_periods_are_refused(session: Session, start: datetime, end: datetime) -> None:
    with pytest.raises(InvalidInput):
        service_report(session, start=start, end=end)


def test_bounds_in_another_zone_are_the_same_instants(session: Session) -> None:
    build_scenario(session)
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    report = service_report(session, start=START.astimezone(paris), end=END.astimezone(paris))
    assert report.start == START
    assert report.opened == 8


def test_a_constant_number_of_queries_and_no_ticket_rows(session: Session) -> None:
    build_random(session, seed=3, count=300, now=NOW)
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(" ".join(statement.split()))

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", before)
    try:
        report = service_report(session, start=NOW - timedelta(days=60), end=NOW)
    finally:
        event.remove(connection, "before_cursor_execute", before)
    assert report.opened > 100
    lookups = [s for s in statements if " FROM users WHERE " in s]
    settings = [s for s in statements if "plan_cache_mode" in s]  # PostgreSQL only
    aggregates = [s for s in statements if s not in lookups + settings]
    assert len(settings) == (2 if session.get_bind().dialect.name == "postgresql" else 0)
    # Eight aggregate queries, then the usernames: one query per staff role.
    assert len(aggregates) == 8, aggregates
    assert len(lookups) == 2, lookups
    assert all("users.role = " in s for s in lookups)
    for sql in aggregates:
        assert sql.startswith("SELECT "), sql
        selected = sql.removeprefix("SELECT ").split(" FROM ")[0]
        # Every column of the outer SELECT is a grouping key or an aggregate result.
        assert "title" not in selected, sql
        assert "tickets.id" not in selected, sql
        assert "GROUP BY" in sql or "count(" in sql, sql


def test_agrees_with_ticket_statistics(session: Session) -> None:
    build_random(session, seed=11, count=250, now=NOW)
    build_scenario(session)
    stats = queries.stats(session)
    report = service_report(
        session, start=datetime(1970, 1, 1, tzinfo=UTC), end=NOW + timedelta(days=1)
    )

    def nonzero(counts: dict[str, int]) -> dict[str, int]:
        return {k: n for k, n in counts.items() if n}

    assert report.opened == stats.total
    assert nonzero(report.opened_by_status) == stats.by_status
    assert nonzero({r.key: r.opened for r in report.priorities}) == stats.by_priority
    assert nonzero({r.key: r.opened for r in report.categories}) == stats.by_category
    assert report.backlog.count == stats.active
    assert sum(t.active_load for t in report.technicians) == stats.active
    unassigned = [t for t in report.technicians if t.user_id is None]
    assert unassigned[0].active_load == stats.unassigned_active
    # And within the report: the splits add up to the totals.
    assert sum(r.resolved for r in report.categories) == report.resolved
    assert sum(r.resolved for r in report.priorities) == report.resolved
    assert sum(t.resolved for t in report.technicians) == report.resolved
    assert report.time_to_resolve.count == report.resolved
    assert stats.by_status.get("closed", 0) >= report.closed


def test_flat_rows_carry_every_figure(session: Session) -> None:
    build_scenario(session)
    report = service_report(session, start=START, end=END)
    flat = rows(report)
    assert HEADER == ("section", "key", "metric", "value")
    index = {(s, k, m): v for s, k, m, v in flat}
    assert len(index) == len(flat)  # no duplicate (section, key, metric)
    assert index["summary", "", "opened"] == 8
    assert index["opened_by_status", "closed", "opened"] == 2
    assert index["time_to_resolve", "", "p90_hours"] == 84.0
    assert index["sla", "first_response", "percent_met"] == 60.0
    assert index["technician", "alice", "time_spent_minutes"] == 45
    assert index["technician", "(unassigned)", "sla_percent_met"] is None
    assert index["priority", "medium", "mean_time_to_resolve_hours"] == 60.0
    assert index["period", "", "start"] == "2025-03-01T00:00:00Z"


def test_time_logged_by_a_non_staff_user_is_shown_under_their_name(session: Session) -> None:
    scenario = build_scenario(session)
    helper = make_user(session, username="helpful")
    ticket = add_ticket(session, requester_id=scenario.requester, created=at(3, 5))
    add_comment(session, ticket_id=ticket, author_id=helper.id, at=at(3, 6), minutes=25)
    report = service_report(session, start=START, end=END)
    rows_by_name = {t.username: t for t in report.technicians}
    assert rows_by_name["helpful"].time_spent_minutes == 25
    assert rows_by_name["helpful"].active_load == 0
    assert [t.username for t in report.technicians] == ["alice", "bob", "helpful", None]


def test_custom_plans_are_asked_for_and_the_callers_setting_is_restored(
    session: Session,
) -> None:
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:
        session.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().startswith("SELECT tickets.category"):
            return
        # SQLite has no plan cache setting: nothing is sent, nothing to see.
        seen.append(
            conn.exec_driver_sql("SHOW plan_cache_mode").scalar_one() if postgresql else "-"
        )

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", before)
    try:
        service_report(session, start=START, end=END)
    finally:
        event.remove(connection, "before_cursor_execute", before)
    if not postgresql:
        assert seen == ["-", "-"]
        return
    assert seen == ["force_custom_plan", "force_custom_plan"]
    assert session.execute(text("SHOW plan_cache_mode")).scalar_one() == "force_generic_plan"
