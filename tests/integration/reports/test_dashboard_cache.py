"""The dashboard's figures on both databases: one computation (single flight) serves
every reader; the first readers wait for it and share it; after a change the last
figures are served at once while one computation runs in the background, and its
end is announced; figures too old are never served."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from functools import partial
from typing import Any

import pytest
from sqlalchemy import event

from itsm.accounts.principal import Principal
from itsm.config import Settings
from itsm.db.runtime import Database, open_database
from itsm.errors import DatabaseUnavailable
from itsm.reports import dashboard_cache
from itsm.reports.dashboard_cache import DashboardCache
from itsm.reports.schemas import Dashboard
from tests.factories import UTC, make_ticket, make_user
from tests.waiting import wait_until

READERS = 4
BACKGROUND = "dashboard-figures"  # the background computation's thread


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


def _cache(db: Database, on_fresh: threading.Event | None = None) -> DashboardCache:
    told = on_fresh or threading.Event()
    return DashboardCache(sessions=partial(db.session, write=False), zone=UTC, on_fresh=told.set)


class _Hold:
    """Holds the background computation at its first statement until released."""

    def __init__(self, db: Database) -> None:
        self.engine = db.engine
        self.started = threading.Event()
        self.release = threading.Event()
        event.listen(self.engine, "before_cursor_execute", self._hold)

    def _hold(self, *_args: Any) -> None:
        if threading.current_thread().name == BACKGROUND and not self.started.is_set():
            self.started.set()
            assert self.release.wait(30), "never released"

    def remove(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._hold)


def _staff_and_figures(db: Database, cache: DashboardCache) -> tuple[Principal, Dashboard]:
    with db.session() as session:
        staff = Principal(user=make_user(session, role="technician"))
        make_ticket(session)
    with db.session(write=False) as session:
        return staff, cache.figures(session, who=staff, generation=1)


def _new_ticket(db: Database) -> None:
    with db.session() as session:
        make_ticket(session)


def test_readers_at_once_share_one_computation(db: Database) -> None:
    with db.session() as session:
        tech = make_user(session, role="technician")
        make_ticket(session)
        staff = Principal(user=tech)
    seen = _statements(db)
    with db.session(write=False) as session:
        _cache(db).figures(session, who=staff, generation=1)
    one_computation = len(seen)
    assert one_computation > 0
    seen.clear()

    shared = _cache(db)
    start = threading.Barrier(READERS)
    got: list[Dashboard] = []

    def reader() -> None:
        with db.session(write=False) as session:
            start.wait()
            got.append(shared.figures(session, who=staff, generation=7))

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
    shared = _cache(db)
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
            got.append(shared.figures(session, who=staff, generation=3))

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
        _cache(db).figures(session, who=staff, generation=3)
    assert len(computations) == len([s for s in seen if "tickets" in s])


def test_after_a_change_the_last_figures_are_served_while_one_computation_runs(
    db: Database,
) -> None:
    fresh = threading.Event()
    cache = _cache(db, fresh)
    staff, before = _staff_and_figures(db, cache)
    fresh.clear()  # told of the first figures too
    _new_ticket(db)
    seen = _statements(db)  # listeners added before, not while, a thread runs them
    hold = _Hold(db)
    try:
        cache.changed(2)  # the hub's new generation
        assert hold.started.wait(30)
        seen.clear()
        with db.session(write=False) as session:
            readers = [cache.figures(session, who=staff, generation=2) for _ in range(READERS)]
        assert all(figures is before for figures in readers)  # at once, the last ones
        assert seen == []
        assert cache.waiting == 0
        assert not fresh.is_set()
        hold.release.set()
        assert fresh.wait(30)  # announced once in place
    finally:
        hold.release.set()
        hold.remove()
    seen.clear()
    with db.session(write=False) as session:
        after = cache.figures(session, who=staff, generation=2)
    assert seen == []  # the background's figures, not another computation
    assert after.unassigned == before.unassigned + 1
    assert cache.computed == 2


def test_changes_during_a_computation_make_one_more(db: Database) -> None:
    fresh = threading.Event()
    cache = _cache(db, fresh)
    staff, before = _staff_and_figures(db, cache)
    fresh.clear()  # told of the first figures too
    hold = _Hold(db)
    try:
        cache.changed(2)
        assert hold.started.wait(30)
        _new_ticket(db)
        cache.changed(3)
        cache.changed(4)  # told while the first runs: both in one more computation
        hold.release.set()
        wait_until("two computations after the first", lambda: cache.computed == 3)
        assert fresh.wait(30)
    finally:
        hold.release.set()
        hold.remove()
    cache.close()
    assert cache.computed == 3
    seen = _statements(db)
    with db.session(write=False) as session:
        after = cache.figures(session, who=staff, generation=4)
    assert seen == []
    assert after.unassigned == before.unassigned + 1


def test_figures_too_old_are_not_served(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = _cache(db)
    staff, before = _staff_and_figures(db, cache)
    _new_ticket(db)
    monkeypatch.setattr(dashboard_cache, "STALE_MAX_S", 0.0)
    with db.session(write=False) as session:
        after = cache.figures(session, who=staff, generation=2)  # computed here, waited for
    assert after.unassigned == before.unassigned + 1
    cache.close()
    cache.changed(3)  # closed: no background computation, it would outlive the server
    assert cache.computed == 2


def test_a_failed_computation_keeps_the_last_figures(db: Database) -> None:
    fresh = threading.Event()
    cache = _cache(db, fresh)
    staff, before = _staff_and_figures(db, cache)
    fresh.clear()  # told of the first figures too

    def unreachable() -> AbstractContextManager[Any]:
        raise DatabaseUnavailable("the database is away")

    working = cache.sessions
    cache.sessions = unreachable
    cache.changed(2)
    wait_until("the computation ends", lambda: cache.computed == 2)
    assert not fresh.is_set()
    with db.session(write=False) as session:
        assert cache.figures(session, who=staff, generation=2) is before  # and retries
    wait_until("the retry ends", lambda: cache.computed == 3)
    cache.sessions = working
    _new_ticket(db)
    cache.changed(3)
    assert fresh.wait(30)
    with db.session(write=False) as session:
        after = cache.figures(session, who=staff, generation=3)
    assert after.unassigned == before.unassigned + 1
