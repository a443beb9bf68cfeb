"""Serialise transactions on named keys, the way each database can.

PostgreSQL takes a transaction-scoped advisory lock per key (released at commit or
rollback). SQLite needs nothing: a write transaction (``BEGIN IMMEDIATE``, see
:mod:`itsm.db.engine`) already excludes every other writer.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session


def serialize_on(session: Session, *keys: str) -> None:
    """Hold a lock on each of ``keys`` until ``session``'s transaction ends.

    Keys are taken in sorted order, so two transactions naming the same keys in any
    order cannot deadlock. On SQLite the session must be a writer.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))
