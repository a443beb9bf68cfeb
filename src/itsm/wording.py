"""Counts in words: the noun agreeing with its number, for every text a person reads."""

from __future__ import annotations


def count(n: float, one: str, many: str | None = None) -> str:
    """``1 ticket``, ``2 tickets``, ``0.5 days``: the noun agreeing with the number.

    ``many`` is the plural where adding ``s`` is wrong (``entry``/``entries``).
    """
    shown = f"{n:g}" if isinstance(n, float) else str(n)
    return f"{shown} {one if n == 1 else (many or one + 's')}"
