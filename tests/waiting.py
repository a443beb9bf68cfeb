"""Race tests synchronise on what they observe, never on a sleep.

PostgreSQL shows a transaction waiting for another's lock in ``pg_locks``.
SQLite has no such view; there a writer waits while another holds the write lock,
in its ``BEGIN IMMEDIATE`` or, on a new connection, already in the engine's set-up
``PRAGMA``s. Seeing the second writer reach either (the engine's ``connect`` and
``begin`` events, before the statements) is seeing it queue behind the first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event

from tests import pg

DEADLINE_S = 30.0


def wait_until(what: str, done: Callable[[], bool], *, timeout: float = DEADLINE_S) -> None:
    """Poll ``done`` until it holds; fail after ``timeout`` seconds, naming ``what``."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.01)  # the polling interval of an observed condition


def begins_in(engine: Engine, thread_name: str) -> threading.Event:
    """An event set when the thread named ``thread_name`` opens a connection or starts
    a transaction on ``engine``: registered first, so before the engine's own statements."""
    began = threading.Event()

    def seen(*_args: Any) -> None:
        if threading.current_thread().name == thread_name:
            began.set()

    event.listen(engine, "connect", seen, insert=True)
    event.listen(engine, "begin", seen, insert=True)
    return began


def waiting_on_locks(database_url: str) -> int:
    """How many sessions of the database at ``database_url`` wait for a lock (PostgreSQL)."""
    name = database_url.rsplit("/", 1)[1].split("?", 1)[0]
    with pg.admin() as conn:
        row = conn.execute(
            "SELECT count(DISTINCT l.pid) FROM pg_locks l"
            " JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE NOT l.granted AND a.datname = %s",
            (name,),
        ).fetchone()
    return int(row[0]) if row else 0
