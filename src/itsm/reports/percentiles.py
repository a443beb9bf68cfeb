"""Count, sum, maximum and percentiles of one column of values, computed in SQL.

Both databases use the same definition, PostgreSQL's ``percentile_cont`` (linear
interpolation between the closest ranks); the SQL of each database is
:class:`itsm.db.dialects.distribution`'s. On integer values (whole seconds) the
two give identical results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from itsm.db.dialects import AnySelect
from itsm.db.dialects import distribution as distribution_statement

__all__ = ["AnySelect", "Distribution", "distribution", "distribution_statement"]


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


def read_distribution(row: Sequence[Any]) -> Distribution:
    count, total, maximum, *quantiles = row
    return Distribution(
        count=int(count or 0),
        total=int(total or 0),
        maximum=None if maximum is None else int(maximum),
        quantiles=tuple(None if q is None else float(q) for q in quantiles),
    )


def distribution(session: Session, values: AnySelect, fractions: Sequence[float]) -> Distribution:
    """Aggregates of ``values``, a ``SELECT`` of one integer column labelled ``x``, never
    NULL (filter NULLs out in ``values``); the percentiles at ``fractions``, in order."""
    return read_distribution(session.execute(distribution_statement(values, fractions)).one())
