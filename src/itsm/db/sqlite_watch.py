"""Notice what other processes commit to a SQLite file (the CLI, a local agent).

SQLite has no ``NOTIFY``: another process's change carries no event here. A
read-only connection of our own asks ``PRAGMA data_version`` (it changes once any
other connection has committed) at a short interval, and only then reads the
caller's mark (a statement of a few indexed lookups) to see whether it moved.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from anyio import TASK_STATUS_IGNORED
from anyio.abc import TaskStatus
from sqlalchemy import Engine, Select

log = logging.getLogger(__name__)

INTERVAL_S = 0.25


def watchable(engine: Engine) -> bool:
    """A SQLite file (an in-memory database has no other process)."""
    url = engine.url
    return url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")


def read_only_uri(engine: Engine) -> str:
    """A read-only ``file:`` URI of ``engine``'s file: the path percent-encoded, so that
    a ``?``, ``#`` or ``%`` in it is part of the name, not of the URI."""
    return Path(str(engine.url.database)).resolve().as_uri() + "?mode=ro"


async def watch(
    engine: Engine,
    mark: Select[Any],
    on_change: Callable[[], None],
    *,
    task_status: TaskStatus[None] = TASK_STATUS_IGNORED,
) -> None:
    """Call ``on_change`` after each interval in which ``mark``'s row changed; until
    cancelled. The server's own commits move it too: the caller tells them apart.
    Started (``TaskGroup.start``) once the first mark is read."""
    sql = str(mark.compile(dialect=engine.dialect))
    conn = sqlite3.connect(read_only_uri(engine), uri=True, check_same_thread=False, timeout=5)
    conn.isolation_level = None  # autocommit: each read sees the latest commit
    limiter = anyio.CapacityLimiter(1)
    state: dict[str, Any] = {"version": None, "mark": None}

    def moved() -> bool:
        try:
            return _moved()
        except sqlite3.Error as exc:  # busy past the timeout, not migrated yet: next time
            log.warning("could not read the database's changes: %s", exc)
            return False

    def _moved() -> bool:
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if version == state["version"]:
            return False
        state["version"] = version
        row = tuple(conn.execute(sql).fetchone())
        changed = state["mark"] is not None and row != state["mark"]
        state["mark"] = row
        return changed

    try:
        await anyio.to_thread.run_sync(moved, limiter=limiter)
        task_status.started()
        while True:
            await anyio.sleep(INTERVAL_S)
            if await anyio.to_thread.run_sync(moved, limiter=limiter):
                on_change()
    finally:
        conn.close()
