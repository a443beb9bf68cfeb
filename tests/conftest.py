"""Shared fixtures: every integration test runs on SQLite and on the real PostgreSQL.

Each backend gets one migrated database per test session; each test runs inside
a transaction that is rolled back at its end. Tests that need committed data in
several processes (CLI end-to-end, concurrency) get a fresh database cloned from
a migrated template instead (``fresh_db_url``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from itsm.config import Settings
from itsm.db import migrate
from itsm.db.engine import build_engine
from tests import browser_driver, pg

BACKENDS = ["sqlite", "postgresql"]


def pytest_configure(config: pytest.Config) -> None:
    # Tests never touch the developer's own itsm data or config.
    os.environ.pop("ITSM_DATABASE_URL", None)
    os.environ.pop("ITSM_USER", None)
    os.environ.pop("ITSM_PROFILE", None)
    home = Path(tempfile.mkdtemp(prefix="itsm-test-home-"))
    (home / "config.toml").write_text("", encoding="utf-8")
    os.environ["ITSM_CONFIG"] = str(home / "config.toml")
    os.environ["XDG_DATA_HOME"] = str(home / "data")
    os.environ["XDG_CONFIG_HOME"] = str(home / "config")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = build_engine(Settings(database_url=f"sqlite:///{path}"))
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    pg.require_postgres()
    name = pg.create_database("itsm_tpl")
    engine = build_engine(Settings(database_url=pg.url_for(name)))
    migrate.upgrade(engine)
    engine.dispose()
    yield name
    pg.drop_database(name)


@pytest.fixture(scope="session")
def pg_dropper() -> Iterator[pg.Dropper]:
    """Drops the tests' own databases in the background; all are gone when the run ends."""
    dropper = pg.Dropper()
    yield dropper
    dropper.close()


@pytest.fixture(scope="session")
def pg_shared(pg_template: str) -> Iterator[str]:
    """The database of the rolled-back ``session`` tests: a copy, so the template
    itself never has a connection and ``CREATE DATABASE ... TEMPLATE`` can use it."""
    name = pg.create_database("itsm_shared", template=pg_template)
    yield name
    pg.drop_database(name)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fresh_db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database of its own for this test, committed to freely."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "itsm.db"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    tpl: str = request.getfixturevalue("pg_template")
    dropper: pg.Dropper = request.getfixturevalue("pg_dropper")
    name = pg.create_database("itsm_t", template=tpl)
    yield pg.url_for(name)
    dropper.drop(name)


@pytest.fixture
def settings(fresh_db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=fresh_db_url, data_dir=tmp_path / "data")


@pytest.fixture(scope="session")
def _engines(request: pytest.FixtureRequest) -> Iterator[dict[str, Engine]]:
    engines: dict[str, Engine] = {}
    yield engines
    for engine in engines.values():
        engine.dispose()


@pytest.fixture
def engine(backend: str, request: pytest.FixtureRequest, _engines: dict[str, Engine]) -> Engine:
    if backend not in _engines:
        if backend == "sqlite":
            path: Path = request.getfixturevalue("sqlite_template")
            url = f"sqlite:///{path.with_name('shared.db')}"
            shutil.copyfile(path, path.with_name("shared.db"))
        else:
            url = pg.url_for(request.getfixturevalue("pg_shared"))
        _engines[backend] = build_engine(Settings(database_url=url))
    return _engines[backend]


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose every change is rolled back when the test ends."""
    connection = engine.connect()
    outer = connection.begin()
    db = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield db
    finally:
        db.close()
        outer.rollback()
        connection.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[Any]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("backend") == "postgresql":
            item.add_marker(pytest.mark.postgres)


# In CI the PostgreSQL tests are part of the job: a skipped one fails the run, so a
# server that did not start (or a skip added by mistake) cannot pass as green.
_skipped_postgres: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "postgres" in report.keywords:
        _skipped_postgres.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if pg.in_ci() and _skipped_postgres and not hasattr(session.config, "workerinput"):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if pg.in_ci() and _skipped_postgres:
        terminalreporter.section("PostgreSQL tests skipped in CI", red=True)
        for nodeid in sorted(set(_skipped_postgres)):
            terminalreporter.line(f"SKIPPED {nodeid}")
        terminalreporter.line("CI needs every PostgreSQL test to run: the run fails.")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium through the process's one Playwright driver."""
    yield from browser_driver.launch()
