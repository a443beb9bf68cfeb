"""Partial indexes declared once for both databases, without loading PostgreSQL's dialect on SQLite.

A ``postgresql_where=`` argument makes SQLAlchemy load its whole PostgreSQL dialect
when the models are imported, even in a process that only opens a SQLite file (the
agent, every cold CLI command). So the models declare the predicate once with
:func:`partial_index`; PostgreSQL gets it from :func:`enable_postgresql`, which the
engine factory calls before it builds a PostgreSQL engine.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Index, text

_pending: list[tuple[Index, str]] = []
_lock = threading.Lock()
_postgresql_enabled = False


def partial_index(name: str, *columns: Any, where: str, unique: bool = False) -> Index:
    """An index over ``columns`` restricted to the rows matching the SQL ``where``."""
    index = Index(name, *columns, unique=unique, sqlite_where=text(where))
    with _lock:
        if _postgresql_enabled:
            _set_postgresql_where(index, where)
        else:
            _pending.append((index, where))
    return index


def enable_postgresql() -> None:
    """Give every partial index its PostgreSQL predicate (idempotent)."""
    global _postgresql_enabled
    with _lock:
        _postgresql_enabled = True
        while _pending:
            _set_postgresql_where(*_pending.pop())


def _set_postgresql_where(index: Index, where: str) -> None:
    index.dialect_kwargs["postgresql_where"] = text(where)
