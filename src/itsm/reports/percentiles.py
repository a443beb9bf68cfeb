"""Count, sum, maximum and percentiles of one column of values, computed in SQL.

Both databases use the same definition, PostgreSQL's ``percentile_cont``
(linear interpolation between the closest ranks): for a fraction ``f`` of
``n`` ordered values ``x[0..n-1]``, with ``pos = f * (n - 1)``,
``lo = floor(pos)``::

    p(f) = x[lo] + (pos - lo) * (x[lo + 1] - x[lo])     (x[lo] alone when pos = lo)

PostgreSQL computes it with ``percentile_cont(f) WITHIN GROUP (ORDER BY x)``.
SQLite has no percentile function: ``row_number()`` and ``count(*)`` window
functions rank the values, one aggregate picks ``x[lo]`` and ``x[lo + 1]``, and
an outer query interpolates with the same double-precision arithmetic. On
integer values (whole seconds) the two give identical results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Integer, Select, case, cast, func, literal, select
from sqlalchemy.orm import Session

AnySelect = Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class Distribution:
    """Aggregates of a set of integer values; ``quantiles`` in the order asked for."""

    count: int
    total: int
    maximum: int | None
    quantiles: tuple[float | None, ...]

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None


def distribution_statement(
    dialect: str, values: AnySelect, fractions: Sequence[float]
) -> AnySelect:
    """One row: count, sum, max and the percentiles of ``values``, a ``SELECT`` of one
    integer column labelled ``x``, never NULL (filter NULLs out in ``values``)."""
    if dialect == "postgresql":
        return _postgresql(values, fractions)
    return _ranked(values, fractions)


def read_distribution(row: Sequence[Any]) -> Distribution:
    count, total, maximum, *quantiles = row
    return Distribution(
        count=int(count or 0),
        total=int(total or 0),
        maximum=None if maximum is None else int(maximum),
        quantiles=tuple(None if q is None else float(q) for q in quantiles),
    )


def distribution(session: Session, values: AnySelect, fractions: Sequence[float]) -> Distribution:
    """Aggregates of ``values`` (see :func:`distribution_statement`), run in ``session``."""
    dialect = session.get_bind().dialect.name
    return read_distribution(
        session.execute(distribution_statement(dialect, values, fractions)).one()
    )


def _postgresql(values: AnySelect, fractions: Sequence[float]) -> AnySelect:
    v = values.subquery("v")
    return select(
        func.count(),  # not count(x): each mention of x computes it again, per row
        func.sum(v.c.x),
        func.max(v.c.x),
        *(func.percentile_cont(f).within_group(v.c.x) for f in fractions),
    )


def _ranked(values: AnySelect, fractions: Sequence[float]) -> AnySelect:
    v = values.subquery("v")
    ranked = select(
        v.c.x,
        func.row_number().over(order_by=v.c.x).label("rn"),
        func.count().over().label("n"),
    ).subquery("r")
    picks: list[Any] = []
    for i, f in enumerate(fractions):
        lo = cast(literal(f, Float) * (ranked.c.n - 1), Integer)  # floor: pos >= 0
        picks.append(func.max(case((ranked.c.rn == lo + 1, ranked.c.x))).label(f"lo{i}"))
        picks.append(func.max(case((ranked.c.rn == lo + 2, ranked.c.x))).label(f"hi{i}"))
    agg = select(
        func.coalesce(func.max(ranked.c.n), 0).label("n"),
        func.sum(ranked.c.x).label("total"),
        func.max(ranked.c.x).label("maximum"),
        *picks,
    ).subquery("a")
    interpolated: list[Any] = []
    for i, f in enumerate(fractions):
        pos = literal(f, Float) * (agg.c.n - 1)
        low, high = agg.c[f"lo{i}"], agg.c[f"hi{i}"]
        interpolated.append(low + (pos - cast(pos, Integer)) * (func.coalesce(high, low) - low))
    return select(agg.c.n, agg.c.total, agg.c.maximum, *interpolated)
