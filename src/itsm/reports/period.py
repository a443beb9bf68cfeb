"""The period of a report: ``[start, end)`` in UTC, read from ISO dates or date-times.

A date means midnight UTC of that day; a date-time without an offset is taken
as UTC; one with an offset is converted to UTC. Without bounds the period is
the last :data:`DEFAULT_DAYS` days up to now: a missing end is now, a missing
start is :data:`DEFAULT_DAYS` days before the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsm.errors import N_
from itsm.reports.errors import InvalidPeriod

DEFAULT_DAYS = 30
_EXPECTED = (
    "expected an ISO date (2025-03-01) or date-time (2025-03-01T08:30, 2025-03-01T08:30+01:00)"
)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime


def parse_moment(text: str, *, bound: str) -> datetime:
    """``2025-03-01`` -> midnight UTC; a date-time is read as UTC unless it has an offset."""
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidPeriod(
            N_("invalid '%(bound)s' date %(text)r: %(expected)s"),
            bound=bound,
            text=text,
            expected=_EXPECTED,
        ) from None


def check_period(
    start: datetime, end: datetime, *, names: tuple[str, str] = ("from", "to")
) -> Period:
    """Both bounds time-zone aware, and ``start`` strictly before ``end``.

    ``names`` are what the caller's door calls the bounds, for the error message.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidPeriod(N_("report period bounds must carry a time zone"))
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if start >= end:
        first, last = names
        raise InvalidPeriod(
            N_("empty report period: '%(first)s' %(start)s is not before '%(last)s' %(end)s"),
            first=first,
            start=start.isoformat(),
            last=last,
            end=end.isoformat(),
        )
    return Period(start, end)


def resolve_period(
    start: str | None,
    end: str | None,
    *,
    now: datetime,
    names: tuple[str, str] = ("from", "to"),
) -> Period:
    """The period a person asked for, defaults filled in (see the module docstring).

    ``names`` are what the caller's door calls the bounds (``--from``/``--to`` in the
    CLI, ``start``/``end`` in the API), for error messages.
    """
    first, last = names
    end_at = parse_moment(end, bound=last) if end is not None else None
    start_at = parse_moment(start, bound=first) if start is not None else None
    if end_at is None:
        end_at = now
    if start_at is None:
        try:
            start_at = end_at - timedelta(days=DEFAULT_DAYS)
        except OverflowError:
            raise InvalidPeriod(
                N_(
                    "'%(last)s' %(end)s leaves no room for the default %(default_days)s "
                    "days before it: give '%(first)s' too"
                ),
                last=last,
                end=end_at.date().isoformat(),
                default_days=DEFAULT_DAYS,
                first=first,
            ) from None
    return check_period(start_at, end_at, names=names)
