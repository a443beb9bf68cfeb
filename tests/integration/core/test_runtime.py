"""Opening the configured database: auto-migrated default, refused servers, clear failures."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from itsm.config import Settings
from itsm.db import migrate
from itsm.db.engine import build_engine
from itsm.db.runtime import Database, open_database
from itsm.errors import ConfigError, DatabaseNotMigrated, DatabaseUnavailable, ErrorKind
from itsm.users import service as users
from itsm.users.errors import UserNotFound
from itsm.users.models import User
from tests import pg
from tests.factories import make_user


@pytest.fixture
def empty_pg_url() -> Iterator[str]:
    pg.require_postgres()
    name = pg.create_database("itsm_bare")
    try:
        yield pg.url_for(name)
    finally:
        pg.drop_database(name)


def test_default_sqlite_is_created_and_migrated_on_first_use(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "nested" / "data")
    assert settings.is_default_database
    db = open_database(settings)
    try:
        assert (tmp_path / "nested" / "data" / "itsm.db").is_file()
        assert migrate.current_revision(db.engine) == migrate.head_revision()
        with db.session() as session:
            make_user(session, username="first")
    finally:
        db.dispose()
    again = open_database(settings)  # already current: opens without migrating
    try:
        with again.session(write=False) as session:
            assert users.get_user(session, ref="first").username == "first"
    finally:
        again.dispose()


def test_any_sqlite_file_is_created_private_and_migrated_on_first_use(tmp_path: Path) -> None:
    path = tmp_path / "new" / "other.db"
    settings = Settings(database_url=f"sqlite:///{path}", data_dir=tmp_path)
    db = open_database(settings)
    try:
        assert migrate.current_revision(db.engine) == migrate.head_revision()
        with db.session() as session:
            make_user(session, username="first")
    finally:
        db.dispose()
    # It holds password and token hashes: its owner's only, and so are its WAL files.
    assert path.parent.stat().st_mode & 0o777 == 0o700
    for file in path.parent.iterdir():
        assert file.stat().st_mode & 0o777 == 0o600, file
    # An existing file keeps the mode its administrator gave it.
    path.chmod(0o640)
    open_database(settings).dispose()
    assert path.stat().st_mode & 0o777 == 0o640


def test_unmigrated_postgres_is_refused(empty_pg_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=empty_pg_url, data_dir=tmp_path)
    with pytest.raises(DatabaseNotMigrated) as info:
        open_database(settings)
    assert "has no itsm schema" in info.value.message
    assert info.value.kind is ErrorKind.NOT_MIGRATED
    # ...and it was left untouched.
    db = open_database(settings, check_schema=False)
    try:
        assert migrate.current_revision(db.engine) is None
    finally:
        db.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://itsm:S3cret-Pa55@127.0.0.1:1/itsm",
        "postgresql+psycopg://itsm:S3cret-Pa55@127.0.0.1:1/itsm?sslmode=disable",
    ],
)
def test_unreachable_postgres_is_unavailable_without_the_password(url: str, tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnavailable) as info:
        open_database(Settings(database_url=url, data_dir=tmp_path))
    message = info.value.message
    assert "S3cret-Pa55" not in message
    assert "itsm:***@127.0.0.1:1/itsm" in message
    assert "is not reachable" in message
    assert "\n" not in message
    assert info.value.kind is ErrorKind.UNAVAILABLE


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://u:topsecret@h/db", "unsupported database 'mysql' in 'mysql://u:***@h/db'"),
        ("not a url at all", "invalid database URL"),
    ],
)
def test_unsupported_database_urls_are_config_errors(
    url: str, expected: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError) as info:
        open_database(Settings(database_url=url, data_dir=tmp_path))
    assert expected in info.value.message
    assert "topsecret" not in info.value.message


def _user_count(db: Database) -> int:
    with db.session(write=False) as session:
        return session.scalar(select(func.count()).select_from(User)) or 0


def _add_user_then_fail(db: Database) -> None:
    with db.session() as session:
        make_user(session, username="lost")
        session.flush()
        raise RuntimeError("boom")


def test_session_commits_on_success_and_rolls_back_on_error(db: Database) -> None:
    with db.session() as session:
        make_user(session, username="kept")
    with pytest.raises(RuntimeError, match="boom"):
        _add_user_then_fail(db)
    with db.session(write=False) as session:
        assert [u.username for u in users.list_users(session, who=None)] == ["kept"]
    assert _user_count(db) == 1


def test_domain_errors_pass_through_the_session_unchanged(db: Database) -> None:
    with pytest.raises(UserNotFound), db.session() as session:
        users.get_user(session, ref="nobody")
    assert _user_count(db) == 0


@pytest.fixture
def pg_settings(pg_template: str, tmp_path: Path) -> Iterator[Settings]:
    name = pg.create_database("itsm_ping", template=pg_template)
    try:
        yield Settings(database_url=pg.url_for(name), data_dir=tmp_path)
    finally:
        pg.drop_database(name)


def _backend_pid(db: Database) -> int:
    with db.session(write=False) as session:
        return int(session.scalar(text("SELECT pg_backend_pid()")) or 0)


def _kill_backend(pid: int) -> None:
    with psycopg.connect(pg.ADMIN_DSN, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_postgres_connection_lost_while_idle_is_replaced_unnoticed(
    pg_settings: Settings,
) -> None:
    db = open_database(pg_settings)
    try:
        first = _backend_pid(db)
        _kill_backend(first)
        with db.session() as session:
            make_user(session, username="after_restart")
        assert _backend_pid(db) != first
        assert _user_count(db) == 1
    finally:
        db.dispose()


def test_a_server_refusing_connections_mid_run_is_unavailable(tmp_path: Path) -> None:
    """Refused while connecting (no SQLSTATE: the client's side), not at start-up."""
    settings = Settings(database_url="postgresql://itsm:S3cret@127.0.0.1:1/itsm", data_dir=tmp_path)
    db = Database(settings, build_engine(settings))
    try:
        with pytest.raises(DatabaseUnavailable) as info, db.session(write=False) as session:
            session.execute(text("SELECT 1"))
        assert "is not reachable" in info.value.message
        assert "S3cret" not in info.value.message
    finally:
        db.dispose()


def test_a_sqlite_file_gone_with_its_folder_is_unavailable(tmp_path: Path) -> None:
    """SQLite's "unable to open" (SQLITE_CANTOPEN) is the database being out of reach."""
    folder = tmp_path / "gone"
    settings = Settings(database_url=f"sqlite:///{folder / 'itsm.db'}", data_dir=tmp_path)
    migrate.upgrade(build_engine(settings))
    db = open_database(settings)
    try:
        db.engine.dispose()  # the next unit of work opens the file anew
        shutil.rmtree(folder)
        with pytest.raises(DatabaseUnavailable) as info, db.session(write=False) as session:
            session.execute(text("SELECT 1"))
        assert "is not reachable: unable to open database file" in info.value.message
    finally:
        db.dispose()


def test_a_capped_sqlite_page_cache_holds_on_every_connection(db: Database) -> None:
    """The storing agent's memory cap (issue 3); PostgreSQL's cache is the server's."""
    with db.session() as session:
        default = session.execute(text("PRAGMA cache_size")).scalar() if _sqlite(db) else None
        make_user(session, username="before-cap")
    db.cap_sqlite_page_cache(512)
    for write in (True, False):
        with db.session(write=write) as session:
            assert users.get_user(session, ref="before-cap").username == "before-cap"
            if _sqlite(db):
                assert session.execute(text("PRAGMA cache_size")).scalar() == -512
    if _sqlite(db):
        assert default == -2000  # SQLite's own default, 2000 KiB: what the cap replaces


def _sqlite(db: Database) -> bool:
    return db.engine.dialect.name == "sqlite"


def test_a_sqlite_writer_blocked_past_the_busy_timeout_fails_as_sqlalchemys_error(
    tmp_path: Path,
) -> None:
    """A write transaction's ``BEGIN IMMEDIATE`` that waited out the busy timeout is
    SQLAlchemy's ``OperationalError`` (locked is not unreachable), nothing is written,
    and the pooled connection works once the lock is gone."""
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    settings = Settings(database_url=url, data_dir=tmp_path, sqlite_busy_timeout_ms=100)
    migrate.upgrade(build_engine(settings))
    db = open_database(settings)
    holder = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(OperationalError, match="database is locked"), db.session() as session:
            make_user(session, username="blocked")
        holder.execute("ROLLBACK")
        with db.session() as session:
            make_user(session, username="after")
        with db.session(write=False) as session:
            names = set(session.scalars(select(User.username)))
        assert "after" in names
        assert "blocked" not in names
    finally:
        holder.close()
        db.dispose()
