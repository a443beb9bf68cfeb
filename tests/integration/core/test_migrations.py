"""Migrations from an empty database: up, down, up again, and data kept across upgrades."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, func, inspect, select, text, union, update
from sqlalchemy.exc import IntegrityError

from itsm.accounts.models import ApiToken
from itsm.accounts.principal import acting
from itsm.accounts.sessions import Lifetime
from itsm.config import Settings
from itsm.db import fulltext, migrate
from itsm.db.engine import build_engine, make_session_factory, session_scope
from itsm.db.models import Base
from itsm.errors import DatabaseNotMigrated, ErrorKind
from itsm.kb import service as kb
from itsm.tickets import queries
from itsm.tickets.models import Ticket
from itsm.tickets.schemas import TicketFilters
from itsm.users.models import User
from tests import pg
from tests.factories import make_ticket, make_user

LIFETIME = Lifetime(idle=timedelta(hours=1), absolute=timedelta(hours=8))

CORE_TABLES = {
    "users",
    "tickets",
    "ticket_comments",
    "ticket_events",
    "ticket_counters",
    "hardware_inventory",
    "knowledge_base",
}


@pytest.fixture
def empty_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it, not even the itsm schema."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    pg.require_postgres()
    name = pg.create_database("itsm_empty")
    try:
        yield pg.url_for(name)
    finally:
        pg.drop_database(name)


@pytest.fixture
def empty_engine(empty_url: str) -> Iterator[Engine]:
    engine = build_engine(Settings(database_url=empty_url))
    yield engine
    engine.dispose()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _search_objects(engine: Engine) -> set[str]:
    """The hand-made search and trigger objects of the initial migration."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') "
                    "AND (name LIKE '%\\_fts%' ESCAPE '\\' OR name LIKE '%updated_at')"
                )
            )
        else:
            rows = conn.execute(
                text(
                    "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                    "UNION ALL SELECT proname FROM pg_proc WHERE proname = 'itsm_set_updated_at' "
                    "UNION ALL SELECT cfgname FROM pg_ts_config WHERE cfgname = 'itsm_search'"
                )
            )
        return {str(r[0]) for r in rows}


def test_empty_database_is_not_current(empty_engine: Engine) -> None:
    assert migrate.current_revision(empty_engine) is None
    with pytest.raises(DatabaseNotMigrated) as info:
        migrate.require_current(empty_engine)
    assert info.value.message == (
        f"the database has no itsm schema, this itsm needs {migrate.head_revision()}; "
        "run 'itsm db upgrade'"
    )
    assert info.value.kind is ErrorKind.NOT_MIGRATED


def test_upgrade_downgrade_and_upgrade_again(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    assert migrate.current_revision(empty_engine) == migrate.head_revision()
    migrate.require_current(empty_engine)
    assert _tables(empty_engine) >= CORE_TABLES
    assert _search_objects(empty_engine)

    migrate.downgrade(empty_engine, "base")
    assert migrate.current_revision(empty_engine) is None
    assert _tables(empty_engine) <= {"alembic_version"}
    assert _search_objects(empty_engine) == set()
    with pytest.raises(DatabaseNotMigrated):
        migrate.require_current(empty_engine)

    migrate.upgrade(empty_engine)
    assert migrate.current_revision(empty_engine) == migrate.head_revision()
    assert _tables(empty_engine) >= CORE_TABLES
    # The re-created schema works end to end, search and triggers included.
    factory = make_session_factory(empty_engine)
    with session_scope(factory) as session:
        make_ticket(session, title="Impresora atascada otra vez")
    with session_scope(factory) as session:
        found, total = queries.search(session, query="impresora")
        assert total == 1
        assert found[0][0].title == "Impresora atascada otra vez"


def test_downgrade_to_an_older_revision_reports_it(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0001")
    if migrate.head_revision() == "0001":
        migrate.require_current(empty_engine)
        return
    with pytest.raises(DatabaseNotMigrated, match="is at revision 0001"):
        migrate.require_current(empty_engine)
    migrate.upgrade(empty_engine)
    migrate.require_current(empty_engine)


QUEUE_INDEXES = {  # 0006: the unassigned queue and a technician's queue by priority
    "ix_tickets_active_unassigned",
    "ix_tickets_active_assignee_priority",
}


def _ticket_indexes(engine: Engine) -> set[str]:
    return {str(ix["name"]) for ix in inspect(engine).get_indexes("tickets")}


def test_queue_indexes_come_and_go_with_0006(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0005")
    factory = make_session_factory(empty_engine)
    with empty_engine.begin() as conn:  # the 0005 schema, in its own SQL
        requester = _old_user(conn, "rui")
        conn.execute(
            text(
                "INSERT INTO tickets (number, title, description, category, priority, status,"
                " source, requester_id, created_at, updated_at) VALUES ('TKT-20261102-0001',"
                " 'Made before 0006', 'Old', 'hardware', 'high', 'open', 'cli', :who, :t, :t)"
            ),
            {"who": requester, "t": _stamp(conn)},
        )
    assert _ticket_indexes(empty_engine).isdisjoint(QUEUE_INDEXES)
    sqlite = empty_engine.dialect.name == "sqlite"
    if sqlite:  # analysed before: 0006 analyses tickets again, new indexes included
        with empty_engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    migrate.upgrade(empty_engine, "0006")
    assert _ticket_indexes(empty_engine) >= QUEUE_INDEXES
    if sqlite:
        with empty_engine.connect() as conn:
            analysed = {str(r[0]) for r in conn.exec_driver_sql("SELECT idx FROM sqlite_stat1")}
        assert analysed >= QUEUE_INDEXES
    migrate.downgrade(empty_engine, "0005")
    indexes = _ticket_indexes(empty_engine)
    assert indexes.isdisjoint(QUEUE_INDEXES)
    assert "ix_tickets_active_assignee" in indexes  # 0005's are kept
    migrate.upgrade(empty_engine)
    assert _ticket_indexes(empty_engine) >= QUEUE_INDEXES
    with session_scope(factory, write=False) as session:
        filters = TicketFilters(status=["open"], unassigned=True)
        rows, _ = queries.list_page(session, filters=filters, sort=queries.Sort.PRIORITY)
        assert [t.title for t in rows] == ["Made before 0006"]


def test_data_survives_running_upgrade_again(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    factory = make_session_factory(empty_engine)
    with session_scope(factory) as session:
        ticket = make_ticket(
            session, requester=make_user(session, username="keeper"), title="Keep me"
        )
        number = ticket.number
    migrate.upgrade(empty_engine)  # nothing to do
    migrate.upgrade(empty_engine, "head")
    assert migrate.current_revision(empty_engine) == migrate.head_revision()
    with session_scope(factory, write=False) as session:
        assert session.scalars(select(Ticket.number)).all() == [number]
        assert session.scalars(select(User.username)).all() == ["keeper"]
        found, total = queries.search(session, query="keep")
        assert total == 1
        assert found[0][0].number == number


def test_migrated_schema_matches_the_models(fresh_db_url: str) -> None:
    """Models and migrations describe one schema: autogenerate finds nothing to do."""
    engine = build_engine(Settings(database_url=fresh_db_url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_object": include_object, "compare_type": True}
            )
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """As in ``migrations/env.py``: search columns and FTS tables are managed by hand."""
    if name is None:
        return True
    return not (name == "search_vector" or name.endswith("_search") or "_fts" in name)


def _stamp(conn: Connection) -> str:
    """Now, as each database stores a timestamp (SQLite: naive UTC text)."""
    moment = datetime.now(UTC)
    if conn.dialect.name == "sqlite":
        return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return moment.isoformat()


def _old_user(conn: Connection, username: str) -> int:
    """A user row as every revision's schema takes it; its id."""
    conn.execute(
        text(
            "INSERT INTO users (username, full_name, role, is_active, created_at, updated_at)"
            " VALUES (:name, :name, 'user', true, :t, :t)"
        ),
        {"name": username, "t": _stamp(conn)},
    )
    found = conn.execute(text("SELECT id FROM users WHERE username = :name"), {"name": username})
    return int(found.scalar_one())


def _token_columns(engine: Engine) -> set[str]:
    return {str(c["name"]) for c in inspect(engine).get_columns("api_tokens")}


def test_the_token_host_binding_comes_and_goes_with_0007(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0006")
    factory = make_session_factory(empty_engine)
    with empty_engine.begin() as conn:  # the 0006 tables, without the models' new columns
        owner = _old_user(conn, "agent-owner")
        conn.execute(
            text(
                "INSERT INTO api_tokens (user_id, name, kind, token_hash, prefix, created_at) "
                "VALUES (:user, 'web-01', 'agent', :hash, 'itsm_abcdef', :at)"
            ),
            {"user": owner, "hash": "a" * 64, "at": _stamp(conn)},
        )
    assert "host_identity" not in _token_columns(empty_engine)
    migrate.upgrade(empty_engine, "0007")
    assert "host_identity" in _token_columns(empty_engine)
    with session_scope(factory) as session:  # an existing token stays unbound: any host
        assert session.scalars(select(ApiToken.host_identity)).all() == [None]
        session.execute(update(ApiToken).values(host_identity="machine-id:abc"))
    migrate.downgrade(empty_engine, "0006")
    assert "host_identity" not in _token_columns(empty_engine)
    with empty_engine.connect() as conn:  # the token is kept, its binding dropped
        assert conn.execute(text("SELECT name, kind FROM api_tokens")).all() == [
            ("web-01", "agent")
        ]
    migrate.upgrade(empty_engine)
    with session_scope(factory, write=False) as session:
        assert session.scalars(select(ApiToken.host_identity)).all() == [None]


def test_a_merge_copy_s_origin_moves_out_of_its_body_with_0008(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0007")
    with empty_engine.begin() as conn:  # the 0007 tables, in their own SQL
        conn.execute(
            text(
                "INSERT INTO users (id, username, full_name, role, is_active, created_at,"
                " updated_at) VALUES (1, 'ana', 'Ana', 'user', true, :t, :t)"
            ),
            {"t": "2026-12-01 10:00:00.000000"},
        )
        conn.execute(
            text(
                "INSERT INTO tickets (id, number, title, description, category, priority, status,"
                " source, requester_id, created_at, updated_at) VALUES (1, 'TKT-20261201-0001',"
                " 'Wifi', '', 'network', 'low', 'open', 'cli', 1, :t, :t)"
            ),
            {"t": "2026-12-01 10:00:00.000000"},
        )
        bodies = [
            "[from TKT-20261130-0005] Since 9 am\nand still",
            "[from the help desk] written so by hand",
            "Written here, quoting [from TKT-2026] inside",
        ]
        for body in bodies:
            conn.execute(
                text(
                    "INSERT INTO ticket_comments (ticket_id, author_id, body, is_internal,"
                    " time_spent_minutes, created_at) VALUES (1, 1, :b, false, 0, :t)"
                ),
                {"b": body, "t": "2026-12-01 10:00:00.000000"},
            )
    migrate.upgrade(empty_engine, "0008")
    query = "SELECT copied_from, body FROM ticket_comments ORDER BY id"
    with empty_engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(text(query))] == [
            ("TKT-20261130-0005", "Since 9 am\nand still"),
            (None, bodies[1]),
            (None, bodies[2]),
        ]
    migrate.upgrade(empty_engine)  # the models read today's schema
    factory = make_session_factory(empty_engine)
    with session_scope(factory, write=False) as session:  # no longer found by its number
        assert queries.search(session, query="0005")[1] == 0
        assert queries.search(session, query="still")[1] == 1
    migrate.downgrade(empty_engine, "0007")
    with empty_engine.connect() as conn:
        assert [
            r[0] for r in conn.execute(text("SELECT body FROM ticket_comments ORDER BY id"))
        ] == bodies
    migrate.upgrade(empty_engine)


def test_kb_votes_come_and_go_with_0009(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0008")
    with empty_engine.begin() as conn:  # the 0008 table, as it was
        conn.execute(
            text(
                "INSERT INTO knowledge_base (title, body, category, tags, views, helpful_yes,"
                " helpful_no) VALUES ('VPN', 'Install it.', 'network', '[]', 3, 0, 0)"
            )
        )
    assert "kb_votes" not in inspect(empty_engine).get_table_names()
    migrate.upgrade(empty_engine, "0009")
    assert "kb_votes" in inspect(empty_engine).get_table_names()
    migrate.upgrade(empty_engine)  # the models read today's schema
    factory = make_session_factory(empty_engine)
    with session_scope(factory) as session:
        voter = acting(make_user(session, username="voter"))
        article = kb.vote_article(session, who=voter, ref=1, helpful=True)
        assert (article.title, article.views, article.helpful_yes, article.helpful_no) == (
            "VPN",
            3,
            1,
            0,
        )
    migrate.downgrade(empty_engine, "0008")
    assert "kb_votes" not in inspect(empty_engine).get_table_names()
    with empty_engine.connect() as conn:  # the article and the counts the votes left stay
        assert conn.execute(text("SELECT title, helpful_yes FROM knowledge_base")).all() == [
            ("VPN", 1)
        ]
    migrate.upgrade(empty_engine)
    assert "kb_votes" in inspect(empty_engine).get_table_names()


def test_web_sessions_and_the_users_language_come_and_go_with_0010(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0009")
    with empty_engine.begin() as conn:
        _old_user(conn, "ana")
    assert "web_sessions" not in _tables(empty_engine)
    migrate.upgrade(empty_engine, "0010")
    assert "web_sessions" in _tables(empty_engine)
    # At 0010, in SQL of its own: today's models have columns later revisions add.
    with empty_engine.begin() as conn:  # an existing user has chosen no language
        assert conn.execute(text("SELECT language FROM users")).scalars().all() == [None]
        conn.execute(text("UPDATE users SET language = 'en'"))
        at = _stamp(conn)
        conn.execute(
            text(
                "INSERT INTO web_sessions (user_id, secret_hash, csrf_token, address,"
                " created_at, last_seen_at, expires_at)"
                " SELECT id, :secret, 'csrf', '127.0.0.1', :t, :t, :t FROM users"
            ),
            {"secret": "0" * 64, "t": at},
        )
    migrate.downgrade(empty_engine, "0009")
    assert "web_sessions" not in _tables(empty_engine)
    columns = {str(c["name"]) for c in inspect(empty_engine).get_columns("users")}
    assert "language" not in columns
    with empty_engine.connect() as conn:  # the user is kept
        assert conn.execute(text("SELECT username FROM users")).scalars().all() == ["ana"]
    migrate.upgrade(empty_engine)
    factory = make_session_factory(empty_engine)
    with session_scope(factory, write=False) as session:
        assert session.scalars(select(User.language)).all() == [None]


def test_search_terms_come_and_go_with_0011(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0010")
    at = "2026-12-01 10:00:00.000000"
    with empty_engine.begin() as conn:  # the 0010 tables, in their own SQL
        conn.execute(
            text(
                "INSERT INTO users (id, username, full_name, role, is_active, created_at,"
                " updated_at) VALUES (1, 'ana', 'Ana', 'user', true, :t, :t)"
            ),
            {"t": at},
        )
        conn.execute(
            text(
                "INSERT INTO tickets (id, number, title, description, category, priority, status,"
                " source, requester_id, created_at, updated_at, resolution_note) VALUES"
                " (1, 'TKT-20261201-0007', 'Wi-Fi down', '', 'network', 'low', 'resolved',"
                " 'cli', 1, :t, :t, 'Rebooted the access point')"
            ),
            {"t": at},
        )
        conn.execute(
            text(
                "INSERT INTO ticket_comments (ticket_id, author_id, body, is_internal,"
                " time_spent_minutes, created_at) VALUES (1, 1, 'The e-mail works', false, 0, :t)"
            ),
            {"t": at},
        )
    factory = make_session_factory(empty_engine)

    def found(query: str) -> int:
        """Tickets whose text or comments match, without reading tickets through today's
        model: the revisions here lack columns of later ones."""
        with session_scope(factory, write=False) as session:
            ids = union(
                fulltext.matching(session, "tickets", query),
                fulltext.matching(session, "ticket_comments", query, key="ticket_id"),
            ).subquery()
            return int(session.scalar(select(func.count()).select_from(ids)) or 0)

    assert [found(q) for q in ("wifi", "rebooted", "email", "20261201-0007")] == [0, 0, 0, 0]
    migrate.upgrade(empty_engine, "0011")
    assert [found(q) for q in ("wifi", "rebooted", "email", "20261201-0007")] == [1, 1, 1, 1]
    with empty_engine.connect() as conn:  # filling the terms in is not an edit
        assert str(conn.scalar(text("SELECT updated_at FROM tickets"))).startswith(
            "2026-12-01 10:00:00"
        )
    migrate.upgrade(empty_engine)  # the model writes the ticket as today's schema has it
    with session_scope(factory) as session:  # the new index follows later changes
        ticket = session.get_one(Ticket, 1)
        ticket.title = "Printer jammed"
    assert [found(q) for q in ("wifi", "printer")] == [0, 1]
    migrate.downgrade(empty_engine, "0010")
    assert [found(q) for q in ("printer", "rebooted", "email")] == [1, 0, 0]
    migrate.upgrade(empty_engine)


_NOTIFY_TABLES = {"notify_outbox", "notify_prefs", "notifications"}


def test_the_notification_tables_come_and_go_with_0012(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0011")
    with empty_engine.begin() as conn:
        _old_user(conn, "ana")
    assert not _NOTIFY_TABLES & _tables(empty_engine)
    migrate.upgrade(empty_engine, "0012")
    assert _tables(empty_engine) >= _NOTIFY_TABLES
    with empty_engine.begin() as conn:  # an existing user gets the defaults: no rows
        assert conn.execute(text("SELECT count(*) FROM notify_prefs")).scalar_one() == 0
    migrate.downgrade(empty_engine, "0011")
    assert not _NOTIFY_TABLES & _tables(empty_engine)
    with empty_engine.connect() as conn:  # the user is kept
        assert conn.execute(text("SELECT username FROM users")).scalars().all() == ["ana"]
    migrate.upgrade(empty_engine)
    assert _tables(empty_engine) >= _NOTIFY_TABLES


def test_external_ids_come_and_go_with_0013(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0012")
    with empty_engine.begin() as conn:  # the 0012 schema, in its own SQL
        conn.execute(
            text(
                "INSERT INTO users (id, username, full_name, role, is_active, created_at,"
                " updated_at) VALUES (1, 'rui', 'Rui', 'user', true, :at, :at)"
            ),
            {"at": "2026-11-02 10:00:00"},
        )
        conn.execute(
            text(
                "INSERT INTO tickets (id, number, title, description, category, priority,"
                " status, source, requester_id, created_at, updated_at) VALUES (1,"
                " 'TKT-20261102-0001', 'Antes', '', 'other', 'low', 'open', 'cli', 1, :at, :at)"
            ),
            {"at": "2026-11-02 10:00:00"},
        )
    migrate.upgrade(empty_engine, "0013")
    factory = make_session_factory(empty_engine)
    with session_scope(factory) as session:
        assert session.scalars(select(Ticket.external_id)).all() == [None]
        session.execute(update(Ticket).values(external_id="OT-1"))
    with pytest.raises(IntegrityError), empty_engine.begin() as conn:  # unique when present
        conn.execute(
            text(
                "INSERT INTO tickets (number, title, description, category, priority, status,"
                " source, requester_id, created_at, updated_at, external_id) VALUES"
                " ('TKT-20261102-0002', 'Copia', '', 'other', 'low', 'open', 'cli', 1, :at, :at,"
                " 'OT-1')"
            ),
            {"at": "2026-11-02 10:00:00"},
        )
    migrate.downgrade(empty_engine, "0012")
    assert "external_id" not in {c["name"] for c in inspect(empty_engine).get_columns("tickets")}
    with empty_engine.connect() as conn:  # the ticket is kept, its id dropped
        assert conn.execute(text("SELECT title FROM tickets")).scalars().all() == ["Antes"]
    migrate.upgrade(empty_engine)


def test_due_times_are_backfilled_by_0014(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0013")
    fr, res, responded = "2026-11-02 11:00:00", "2026-11-02 18:00:00", "2026-11-02 10:30:00"
    rows = [  # title, status, first_response_at, paused: the due time 0014 gives
        ("nadie respondió", "open", None, None),
        ("respondido", "in_progress", responded, None),
        ("en pausa", "pending", None, "2026-11-02 10:15:00"),
        ("cerrado", "closed", responded, None),
    ]
    with empty_engine.begin() as conn:  # the 0013 schema, in its own SQL
        conn.execute(
            text(
                "INSERT INTO users (id, username, full_name, role, is_active, created_at,"
                " updated_at) VALUES (1, 'rui', 'Rui', 'user', true, :at, :at)"
            ),
            {"at": "2026-11-02 10:00:00"},
        )
        for n, (title, status, first_response, paused) in enumerate(rows, start=1):
            conn.execute(
                text(
                    "INSERT INTO tickets (number, title, description, category, priority,"
                    " status, source, requester_id, created_at, updated_at,"
                    " first_response_due_at, resolution_due_at, first_response_at,"
                    " sla_paused_at) VALUES (:number, :title, '', 'other', 'high', :status,"
                    " 'cli', 1, :at, :at, :fr, :res, :responded, :paused)"
                ),
                {
                    "number": f"TKT-20261102-000{n}",
                    "title": title,
                    "status": status,
                    "at": "2026-11-02 10:00:00",
                    "fr": fr,
                    "res": res,
                    "responded": first_response,
                    "paused": paused,
                },
            )
        conn.execute(  # a ticket from before SLA clocks: no due times at all
            text(
                "INSERT INTO tickets (number, title, description, category, priority, status,"
                " source, requester_id, created_at, updated_at) VALUES ('TKT-20261102-0005',"
                " 'sin SLA', '', 'other', 'low', 'open', 'cli', 1, :at, :at)"
            ),
            {"at": "2026-11-02 10:00:00"},
        )
    migrate.upgrade(empty_engine, "0014")
    with empty_engine.connect() as conn:  # filling due times in is not an edit
        stamps = {str(t)[:19] for t in conn.scalars(text("SELECT updated_at FROM tickets"))}
    assert stamps == {"2026-11-02 10:00:00"}
    factory = make_session_factory(empty_engine)
    with session_scope(factory, write=False) as session:
        due = {t: d for t, d in session.execute(select(Ticket.title, Ticket.due_at))}
    at = datetime(2026, 11, 2, tzinfo=UTC)
    assert due == {
        "nadie respondió": at.replace(hour=11),
        "respondido": at.replace(hour=18),
        "en pausa": None,
        "cerrado": None,
        "sin SLA": None,
    }
    assert "ix_tickets_due" in _ticket_indexes(empty_engine)
    migrate.downgrade(empty_engine, "0013")
    assert "due_at" not in {c["name"] for c in inspect(empty_engine).get_columns("tickets")}
    assert "ix_tickets_due" not in _ticket_indexes(empty_engine)


def test_agent_tokens_keep_what_they_could_send_with_0015(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0014")
    with empty_engine.begin() as conn:  # the 0014 tables, in their own SQL
        conn.execute(
            text(
                "INSERT INTO users (id, username, full_name, role, is_active, created_at,"
                " updated_at) VALUES (1, 'root', 'Root', 'admin', true, :t, :t)"
            ),
            {"t": "2026-12-01 10:00:00.000000"},
        )
        for n, (kind, host) in enumerate(
            [("personal", None), ("agent", None), ("agent", "hostname:web-01")], 1
        ):
            conn.execute(
                text(
                    "INSERT INTO api_tokens (user_id, name, kind, token_hash, prefix, created_at,"
                    " host_identity) VALUES (1, :name, :kind, :hash, 'itsm_abcdef', :t, :host)"
                ),
                {
                    "name": f"t{n}",
                    "kind": kind,
                    "hash": str(n) * 64,
                    "t": "2026-12-01 10:00:00.000000",
                    "host": host,
                },
            )
    assert "scopes" not in _token_columns(empty_engine)
    migrate.upgrade(empty_engine, "0015")
    with empty_engine.connect() as conn:
        rows = conn.execute(text("SELECT name, scopes FROM api_tokens ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [("t1", None), ("t2", "alerts reports"), ("t3", "reports")]
    migrate.downgrade(empty_engine, "0014")
    assert "scopes" not in _token_columns(empty_engine)
    with empty_engine.connect() as conn:  # the tokens are kept
        assert conn.execute(text("SELECT count(*) FROM api_tokens")).scalar() == 3
    migrate.upgrade(empty_engine)
