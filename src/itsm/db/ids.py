"""Reading a row id out of text a person or a client typed.

``str.isdigit`` accepts more than ``int`` can read ("²") and ``int`` reads numbers
that no ``INTEGER`` key holds (PostgreSQL then fails the whole statement), so
lookups by id go through :func:`parse_id`: anything that cannot be a key is simply
no id, and the caller reports "not found".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_ID = 2**31 - 1  # the largest INTEGER primary key on PostgreSQL (and what SQLite stores)
_ASCII_DIGITS = re.compile(r"[0-9]+")


def parse_id(ref: int | str) -> int | None:
    """The id ``ref`` names, or ``None`` if it is not one that can exist."""
    text = str(ref).strip()
    if not _ASCII_DIGITS.fullmatch(text) or len(text) > 10:
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def possible_ids(ids: Sequence[int]) -> list[int]:
    """The ``ids`` a row can have (others would fail a PostgreSQL statement): a list of
    ids to act on keeps the possible ones, the rest match nothing anyway."""
    return [i for i in ids if 1 <= i <= MAX_ID]
