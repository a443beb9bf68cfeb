"""Dashboards read at once after a change cost one computation (single flight), on
both databases: the readers that arrive while it runs wait for it and share it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from itsm.accounts.principal import Principal
from itsm.config import Settings
from itsm.db.runtime import Database, open_database
from itsm.reports import dashboard_cache
from itsm.reports.dashboard_cache import DashboardCache
from itsm.reports.schemas import Dashboard
from tests.factories import UTC, make_ticket, make_user
from tests.waiting import wait_until

READERS = 4


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = open_database(settings)
    yield database
    database.dispose()


def _statements(db: Database) -> list[str]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    return seen


def test_readers_at_once_share_one_computation(db: Database) -> None:
    with db.session() as session:
        tech = make_user(session, role="technician")
        make_ticket(session)
        staff = Principal(user=tech)
    seen = _statements(db)
    with db.session(write=False) as session:
        DashboardCache().figures(session, who=staff, generation=1, zone=UTC)
    one_computation = len(seen)
    assert one_computation > 0
    seen.clear()

    shared = DashboardCache()
    start = threading.Barrier(READERS)
    got: list[Dashboard] = []

    def reader() -> None:
        with db.session(write=False) as session:
            start.wait()
            got.append(shared.figures(session, who=staff, generation=7, zone=UTC))

    threads = [threading.Thread(target=reader) for _ in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == READERS
    assert all(figures is got[0] for figures in got)
    assert len(seen) == one_computation


def test_readers_share_a_computation_however_long_it_takes(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Figures stale the moment they are computed (no freshness at all) are still the
    answer of every reader that waited for them: one computation, not one per reader."""
    monkeypatch.setattr(dashboard_cache, "FRESH_S", 0.0)
    with db.session() as session:
        staff = Principal(user=make_user(session, role="technician"))
        make_ticket(session)
    shared = DashboardCache()
    seen = _statements(db)
    first = threading.Event()

    def hold(*_args: Any) -> None:
        # the first reader's computation waits until every other reader waits for it
        if threading.current_thread().name == "reader-0" and not first.is_set():
            first.set()
            wait_until("the other readers wait", lambda: shared.waiting == READERS - 1)

    event.listen(db.engine, "before_cursor_execute", hold)
    got: list[Dashboard] = []

    def reader() -> None:
        with db.session(write=False) as session:
            got.append(shared.figures(session, who=staff, generation=3, zone=UTC))

    threads = [threading.Thread(target=reader, name=f"reader-{n}") for n in range(READERS)]
    threads[0].start()
    wait_until("the first computation runs", first.is_set)
    for thread in threads[1:]:
        thread.start()
    for thread in threads:
        thread.join()
    event.remove(db.engine, "before_cursor_execute", hold)
    assert len(got) == READERS
    assert all(figures is got[0] for figures in got)
    computations = [s for s in seen if "tickets" in s]
    seen.clear()
    with db.session(write=False) as session:
        DashboardCache().figures(session, who=staff, generation=3, zone=UTC)
    assert len(computations) == len([s for s in seen if "tickets" in s])
