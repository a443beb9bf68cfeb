"""Percentiles in SQL: one definition (linear interpolation, ``percentile_cont``) on both
databases, checked against Python's ``statistics`` and against each other."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Integer, literal, select, union_all
from sqlalchemy.orm import Session

from itsm.reports.percentiles import distribution
from itsm.reports.service import service_report
from itsm.tickets.models import Ticket
from tests.integration.reports.builders import END, START, build_random, build_scenario

FRACTIONS = (0.5, 0.9, 0.25, 0.99, 0.0, 1.0)


def reference(values: list[int], f: float) -> float:
    """``percentile_cont``: linear interpolation between closest ranks."""
    ordered = sorted(values)
    pos = f * (len(ordered) - 1)
    lo = int(pos)
    hi = ordered[lo + 1] if lo + 1 < len(ordered) else ordered[lo]
    return ordered[lo] + (pos - lo) * (hi - ordered[lo])


def _values(values: list[int]) -> Any:
    parts = [select(literal(v, Integer).label("x")) for v in values]
    return parts[0] if len(parts) == 1 else union_all(*parts)


@pytest.mark.parametrize(
    "values",
    [
        [7],
        [3, 1],
        [5, 1, 4, 2, 3],
        [10, 10, 10, 20],
        [0, 0, 1, 1, 1, 2, 100, 100_000, 3_600, 86_400, 86_400],
        random.Random(5).choices(range(0, 10_000), k=101),
        random.Random(6).choices(range(0, 500), k=450),
    ],
    ids=["one", "two", "five", "ties", "skewed", "random101", "random450"],
)
def test_distribution_matches_the_definition(session: Session, values: list[int]) -> None:
    rows = _values(values)
    subquery = rows.subquery("vals")
    got = distribution(session, select(subquery.c.x), FRACTIONS)
    assert got.count == len(values)
    assert got.total == sum(values)
    assert got.maximum == max(values)
    assert got.quantiles == tuple(reference(values, f) for f in FRACTIONS)
    assert got.quantiles[0] == statistics.median(values)
    if len(values) > 1:
        deciles = statistics.quantiles(values, n=10, method="inclusive")
        assert got.quantiles[1] == pytest.approx(deciles[8], abs=1e-9)


def test_distribution_of_nothing(session: Session) -> None:
    got = distribution(session, select(Ticket.id.label("x")).where(Ticket.id < 0), (0.5, 0.9))
    assert (got.count, got.total, got.maximum, got.quantiles, got.mean) == (
        0,
        0,
        None,
        (None, None),
        None,
    )


def test_both_databases_give_the_same_report(both_sessions: dict[str, Session]) -> None:
    now = datetime(2025, 6, 1, 12, tzinfo=UTC)
    reports = {}
    for name, session in both_sessions.items():
        build_random(session, seed=42, count=600, now=now)
        build_scenario(session)
        reports[name] = [
            service_report(session, start=now - timedelta(days=d), end=now) for d in (7, 30, 90)
        ] + [service_report(session, start=START, end=END)]
    sqlite, postgresql = reports["sqlite"], reports["postgresql"]
    assert sqlite[1].time_to_resolve.count > 50
    for a, b in zip(sqlite, postgresql, strict=True):
        assert a.time_to_acknowledge == b.time_to_acknowledge
        assert a.time_to_resolve == b.time_to_resolve
        assert a.backlog == b.backlog
        for section in type(a).model_fields:
            assert getattr(a, section) == getattr(b, section), section


def test_percentiles_of_ticket_durations_match_python(both_sessions: dict[str, Session]) -> None:
    """The report's median and p90 of real ticket durations, recomputed from the rows."""
    now = datetime(2025, 6, 1, 12, tzinfo=UTC)
    start = now - timedelta(days=45)
    for session in both_sessions.values():
        build_random(session, seed=7, count=400, now=now)
        rows = session.execute(
            select(Ticket.created_at, Ticket.resolved_at).where(
                Ticket.resolved_at >= start, Ticket.resolved_at < now
            )
        ).all()
        hours = [(r - c).total_seconds() / 3600 for c, r in rows if r is not None]
        report = service_report(session, start=start, end=now)
        ttr = report.time_to_resolve
        assert ttr.count == len(hours) > 20
        assert ttr.median_hours == round(statistics.median(hours), 4)
        p90 = statistics.quantiles(hours, n=10, method="inclusive")[8]
        assert ttr.p90_hours == pytest.approx(round(p90, 4), abs=1e-4)
        assert ttr.mean_hours == round(statistics.fmean(hours), 4)
