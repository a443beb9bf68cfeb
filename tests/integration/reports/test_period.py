"""Reading the report period: ISO dates and date-times, defaults, one-line errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from itsm.errors import InvalidInput
from itsm.reports.period import DEFAULT_DAYS, check_period, parse_moment, resolve_period

NOW = datetime(2025, 6, 15, 13, 45, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("2025-03-01", datetime(2025, 3, 1, tzinfo=UTC)),
        (" 2025-03-01 ", datetime(2025, 3, 1, tzinfo=UTC)),
        ("2025-03-01T08:30", datetime(2025, 3, 1, 8, 30, tzinfo=UTC)),
        ("2025-03-01 08:30:15", datetime(2025, 3, 1, 8, 30, 15, tzinfo=UTC)),
        ("2025-03-01T08:30+02:00", datetime(2025, 3, 1, 6, 30, tzinfo=UTC)),
        ("2025-03-01T08:30Z", datetime(2025, 3, 1, 8, 30, tzinfo=UTC)),
    ],
)
def test_dates_and_datetimes(text: str, want: datetime) -> None:
    got = parse_moment(text, bound="from")
    assert got == want
    assert got.utcoffset() == timedelta(0)


@pytest.mark.parametrize("text", ["", "yesterday", "2025-13-01", "2025-02-30", "01/03/2025"])
def test_invalid_dates_are_invalid_input(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_moment(text, bound="to")
    message = caught.value.message
    assert "\n" not in message
    assert message.startswith(f"invalid 'to' date {text!r}")
    assert "ISO date" in message


def test_defaults_are_the_last_30_days() -> None:
    period = resolve_period(None, None, now=NOW)
    assert (period.start, period.end) == (NOW - timedelta(days=DEFAULT_DAYS), NOW)


def test_only_from_ends_now_and_only_to_starts_30_days_before() -> None:
    assert resolve_period("2025-06-01", None, now=NOW).end == NOW
    period = resolve_period(None, "2025-05-31", now=NOW)
    assert period.start == datetime(2025, 5, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end"), [("2025-03-02", "2025-03-01"), ("2025-03-01", "2025-03-01")]
)
def test_from_not_before_to_is_invalid(start: str, end: str) -> None:
    with pytest.raises(InvalidInput, match="empty report period"):
        resolve_period(start, end, now=NOW)


def test_naive_bounds_are_refused() -> None:
    with pytest.raises(InvalidInput, match="time zone"):
        check_period(datetime(2025, 3, 1), datetime(2025, 4, 1))
