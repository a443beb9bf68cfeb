"""Counts in words: the noun agrees with its number."""

from __future__ import annotations

import pytest

from itsm.wording import count


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0 tickets"),
        (1, "1 ticket"),
        (2, "2 tickets"),
        (1_234_567, "1234567 tickets"),
        (1.0, "1 ticket"),
        (0.5, "0.5 tickets"),
    ],
)
def test_the_noun_agrees_with_the_number(n: float, expected: str) -> None:
    assert count(n, "ticket") == expected


def test_an_irregular_plural_is_given() -> None:
    assert (count(1, "entry", "entries"), count(3, "entry", "entries")) == (
        "1 entry",
        "3 entries",
    )
