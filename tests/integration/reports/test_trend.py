"""The dashboard's per-day trend: one GROUP BY per measure equals a report per day."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from itsm.accounts.principal import Principal
from itsm.reports.dashboard import TREND_DAYS, dashboard, past_days
from itsm.reports.schemas import DayFigures
from itsm.reports.service import service_report
from itsm.reports.trend import day_figures
from tests.factories import make_user
from tests.integration.reports.builders import add_ticket, build_random

MADRID = ZoneInfo("Europe/Madrid")


def _midnights(first: date, days: int, zone: ZoneInfo) -> list[datetime]:
    return [
        datetime.combine(first + timedelta(days=n), datetime.min.time(), tzinfo=zone)
        for n in range(days + 1)
    ]


def _per_day_reports(
    session: Session, starts: list[datetime]
) -> list[tuple[date, int, int, float | None]]:
    out: list[tuple[date, int, int, float | None]] = []
    for start, end in itertools.pairwise(starts):
        report = service_report(session, start=start, end=end)
        out.append(
            (start.date(), report.opened, report.resolved, report.satisfaction.average_rating)
        )
    return out


def _figures(days: Sequence[DayFigures]) -> list[tuple[date, int, int, float | None]]:
    return [(d.day, d.opened, d.resolved, d.average_rating) for d in days]


@pytest.mark.parametrize(
    ("first", "change"),
    [(date(2025, 10, 10), date(2025, 10, 26)), (date(2025, 3, 15), date(2025, 3, 30))],
    ids=["october-25h", "march-23h"],
)
def test_each_day_equals_its_service_report_across_a_change_of_clocks(
    session: Session, first: date, change: date
) -> None:
    requester = make_user(session).id
    starts = _midnights(first, TREND_DAYS - 1, MADRID)
    day_of_change = starts[(change - first).days]
    after_change = starts[(change - first).days + 1]
    # the test spans the change (aware datetimes of one zone subtract wall clocks)
    assert after_change.astimezone(UTC) - day_of_change.astimezone(UTC) != timedelta(hours=24)
    tiny = timedelta(microseconds=1)
    # Midnight edges: a ticket at each local midnight (the new day), one just before it
    # (the old day), and the hour that exists twice or never on the day of the change.
    for moment in (*starts[1:-1], day_of_change + timedelta(hours=2, minutes=30)):
        add_ticket(
            session,
            requester_id=requester,
            created=moment,
            status="resolved",
            resolved=moment,
            rating=5,
        )
        add_ticket(
            session,
            requester_id=requester,
            created=moment - tiny,
            status="resolved",
            resolved=moment - tiny,
            rating=2,
        )
    add_ticket(session, requester_id=requester, created=starts[0] - tiny)  # before the trend
    add_ticket(session, requester_id=requester, created=starts[-1])  # after it
    end = starts[-1].astimezone(UTC)
    build_random(session, seed=14, count=300, now=end)
    session.flush()

    got = _figures(day_figures(session, starts=starts))

    assert got == _per_day_reports(session, starts)
    assert len(got) == TREND_DAYS - 1
    assert got[(change - first).days][0] == change
    assert all(opened for _, opened, _, _ in got[1:])  # the midnight tickets are counted


def test_no_days_no_queries(session: Session) -> None:
    assert day_figures(session, starts=[datetime(2025, 1, 1, tzinfo=UTC)]) == []


def test_the_dashboard_reads_the_past_days_in_two_queries(session: Session) -> None:
    staff = Principal(user=make_user(session, role="technician"))
    now = datetime(2025, 10, 28, 9, 30, tzinfo=UTC)
    build_random(session, seed=15, count=200, now=now)
    session.flush()
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        days = past_days(session, now=now, zone=MADRID)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    trend_queries = [s for s in statements if "tickets" in s]
    assert len(trend_queries) == 2
    starts = _midnights(date(2025, 9, 29), TREND_DAYS - 1, MADRID)
    assert _figures(days) == _per_day_reports(session, starts)

    figures = dashboard(session, who=staff, now=now, zone=MADRID)
    assert _figures(figures.days[:-1]) == _figures(days)
    today = service_report(session, start=starts[-1], end=now)
    assert (figures.days[-1].day, figures.days[-1].opened) == (date(2025, 10, 28), today.opened)
