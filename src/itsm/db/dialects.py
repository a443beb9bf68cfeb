"""SQL the two databases spell differently, as constructs that compile for each.

Domain code builds one statement for both databases; the PostgreSQL and the
SQLite spelling of each construct live here (``sqlalchemy.ext.compiler``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    BigInteger,
    Float,
    Integer,
    Select,
    case,
    cast,
    extract,
    func,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, Executable, FunctionElement

AnySelect = Select[*tuple[Any, ...]]
SECONDS_PER_DAY = 86400


class seconds_between(FunctionElement[int]):  # noqa: N801 - a SQL function, named as one
    """``round(later - earlier)`` in whole seconds (half away from zero); NULL when
    either side is NULL.

    PostgreSQL subtracts ``timestamptz`` values exactly; SQLite stores UTC text and
    its date functions read milliseconds, so it subtracts Julian days. Both round
    the same way, so identical data gives identical integers on both databases.
    """

    type = BigInteger()
    inherit_cache = True
    name = "seconds_between"

    def __init__(self, later: Any, earlier: Any) -> None:
        super().__init__(later, earlier)


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = element.clauses
    return compiler.process(cast(func.round(extract("epoch", later - earlier)), BigInteger), **kw)


@compiles(seconds_between)
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = element.clauses
    days = func.julianday(later) - func.julianday(earlier)
    seconds = days * literal_column(str(SECONDS_PER_DAY), Integer)
    return compiler.process(cast(func.round(seconds), Integer), **kw)


class distribution(Executable, ClauseElement):  # noqa: N801 - a statement, like select()
    """One row: count, sum and maximum of ``values`` (a ``SELECT`` of one integer column
    labelled ``x``, never NULL), then its percentiles at ``fractions``, in order.

    Percentiles interpolate linearly between the closest ranks, as PostgreSQL's
    ``percentile_cont``: for ``n`` ordered values ``x[0..n-1]``, ``pos = f * (n - 1)``
    and ``lo = floor(pos)``, ``p(f) = x[lo] + (pos - lo) * (x[lo + 1] - x[lo])``.
    SQLite has no percentile function: window functions rank the values, one
    aggregate picks ``x[lo]`` and ``x[lo + 1]`` and an outer query interpolates with
    the same double-precision arithmetic, so integer values give identical results.
    """

    # A standalone statement holding a SELECT: not cached, as the compiler
    # extension's own INSERT ... SELECT example.
    inherit_cache = False

    def __init__(self, values: AnySelect, fractions: Sequence[float]) -> None:
        self.values = values
        self.fractions = tuple(fractions)


@compiles(distribution, "postgresql")
def _distribution_postgresql(element: distribution, compiler: SQLCompiler, **kw: Any) -> str:
    v = element.values.subquery("v")
    stmt = select(
        func.count(),  # not count(x): each mention of x computes it again, per row
        func.sum(v.c.x),
        func.max(v.c.x),
        *(func.percentile_cont(f).within_group(v.c.x) for f in element.fractions),
    )
    return compiler.process(stmt, **kw)


@compiles(distribution)
def _distribution_sqlite(element: distribution, compiler: SQLCompiler, **kw: Any) -> str:
    v = element.values.subquery("v")
    ranked = select(
        v.c.x,
        func.row_number().over(order_by=v.c.x).label("rn"),
        func.count().over().label("n"),
    ).subquery("r")
    picks: list[Any] = []
    for i, f in enumerate(element.fractions):
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
    for i, f in enumerate(element.fractions):
        pos = literal(f, Float) * (agg.c.n - 1)
        low, high = agg.c[f"lo{i}"], agg.c[f"hi{i}"]
        interpolated.append(low + (pos - cast(pos, Integer)) * (func.coalesce(high, low) - low))
    return compiler.process(select(agg.c.n, agg.c.total, agg.c.maximum, *interpolated), **kw)


@contextmanager
def custom_plans(session: Session) -> Iterator[None]:
    """On PostgreSQL, plan each statement for its own parameters until the block ends.

    psycopg prepares a statement run five times on a connection; PostgreSQL may
    then keep one generic plan for any parameters, which can be far from the best
    plan for the values at hand (a range scan planned for a short period, run on
    a year). The setting is the transaction's only, and the caller's comes back
    afterwards. SQLite plans every statement afresh anyway.
    """
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    previous = session.execute(
        text(
            "SELECT current_setting('plan_cache_mode'), "
            "set_config('plan_cache_mode', 'force_custom_plan', true)"
        )
    ).scalar_one()
    try:
        yield
    finally:
        session.execute(
            text("SELECT set_config('plan_cache_mode', :previous, true)"), {"previous": previous}
        )
