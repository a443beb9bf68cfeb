"""Whole seconds between two timestamps, as a SQL expression of either database.

PostgreSQL subtracts ``timestamptz`` values exactly; SQLite stores UTC text and
its date functions read milliseconds, so it subtracts Julian days. Both round
to whole seconds (half away from zero), which makes the two databases give
identical integers for identical data and lets the percentiles and means built
on them agree exactly.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    SQLColumnExpression,
    cast,
    extract,
    func,
    literal_column,
)

SECONDS_PER_DAY = 86400


def seconds_between(
    dialect: str, later: SQLColumnExpression[Any], earlier: SQLColumnExpression[Any]
) -> ColumnElement[int]:
    """``round(later - earlier)`` in seconds; NULL when either side is NULL."""
    if dialect == "postgresql":
        return cast(func.round(extract("epoch", later - earlier)), BigInteger)
    days = func.julianday(later) - func.julianday(earlier)
    return cast(func.round(days * literal_column(str(SECONDS_PER_DAY), Integer)), Integer)
