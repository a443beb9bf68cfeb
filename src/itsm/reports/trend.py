"""The dashboard's per-day trend: opened, resolved and average rating of each local day.

Two GROUP BY queries for all the days, whatever their number: each ticket falls in
the day whose ``[start, end)`` UTC bounds hold its timestamp. Days begin at local
midnight, so they last 23 to 25 hours around a change of clocks; the bounds are
computed here in Python and bound as parameters, and a portable ``CASE`` picks the
day. What counts as opened, resolved and rated is the service report's own
definition (:mod:`itsm.reports.statements`), so a day here equals
:func:`itsm.reports.service.service_report` of that day.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, bindparam, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from itsm.db.base import UTCDateTime
from itsm.db.dialects import AnySelect, custom_plans
from itsm.reports.schemas import DayFigures
from itsm.reports.service import average_rating
from itsm.reports.statements import created_in, rating_sums, resolved_in
from itsm.tickets.models import Ticket


def day_figures(session: Session, *, starts: Sequence[datetime]) -> list[DayFigures]:
    """Figures of the days beginning at ``starts`` (local midnights, ascending); the
    last element only ends the day before it. One entry per day, oldest first."""
    if len(starts) < 2:
        return []
    opened_stmt, resolved_stmt = _statements(len(starts) - 1)
    bounds = {f"b{i}": moment for i, moment in enumerate(starts)}
    with custom_plans(session):
        opened = {row.day: row.opened for row in session.execute(opened_stmt, bounds)}
        resolved = {row.day: row for row in session.execute(resolved_stmt, bounds)}
    days: list[DayFigures] = []
    for i, start in enumerate(starts[:-1]):
        row = resolved.get(i)
        days.append(
            DayFigures(
                day=start.date(),
                opened=int(opened.get(i, 0)),
                resolved=int(row.resolved) if row else 0,
                average_rating=(
                    average_rating(int(row.rating_total or 0), int(row.rated)) if row else None
                ),
            )
        )
    return days


@cache
def _statements(count: int) -> tuple[AnySelect, AnySelect]:
    """The opened and the resolved statement for ``count`` days (bounds ``b0``..``bN``)."""
    bounds = [bindparam(f"b{i}", type_=UTCDateTime()) for i in range(count + 1)]
    first, last = bounds[0], bounds[-1]

    def day_of(
        column: ColumnElement[datetime | None] | InstrumentedAttribute[Any],
    ) -> ColumnElement[int]:
        # the first day whose end is past the timestamp (the WHERE keeps it in range)
        whens = [(column < bounds[i + 1], i) for i in range(count - 1)]
        return case(*whens, else_=count - 1).label("day")

    opened = (
        select(day_of(Ticket.created_at), func.count().label("opened"))
        .where(created_in(first, last))
        .group_by("day")
    )
    resolved = (
        select(day_of(Ticket.resolved_at), func.count().label("resolved"), *rating_sums())
        .where(resolved_in(first, last))
        .group_by("day")
    )
    return opened, resolved
