"""Every revision's data survives the upgrade to head, on both databases.

For each revision: a database at that revision, rows written with plain SQL that
is valid at that revision, then the upgrade to head; the rows must be there, read
through the models, and the columns added since must hold their documented values.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.orm import Session

from itsm.accounts.models import ApiToken
from itsm.config import Settings
from itsm.db import migrate
from itsm.db.engine import build_engine
from itsm.diagnostics.models import DiagnosticReport
from itsm.tickets import queries
from itsm.tickets.models import Ticket, TicketComment, TicketEvent
from itsm.users.models import User

#: Oldest first: 0001, 0002, ...
REVISIONS = [
    script.revision
    for script in reversed(list(ScriptDirectory(str(migrate.MIGRATIONS_DIR)).walk_revisions()))
]

CREATED = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # a Monday, in working hours
RESOLVED = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)


def at_least(revision: str, since: str) -> bool:
    return REVISIONS.index(revision) >= REVISIONS.index(since)


@pytest.fixture
def engine_at_empty(empty_db_url: str) -> Iterator[Engine]:
    engine = build_engine(Settings(database_url=empty_db_url))
    yield engine
    engine.dispose()


def stamp(conn: Connection, moment: datetime) -> str:
    """A timestamp literal as each database stores it (SQLite: naive UTC text)."""
    if conn.dialect.name == "sqlite":
        return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return moment.isoformat()


def seed(conn: Connection, revision: str) -> None:
    """Representative rows, in the SQL of ``revision``'s schema."""
    t0, t1 = stamp(conn, CREATED), stamp(conn, RESOLVED)
    conn.execute(
        text(
            "INSERT INTO users (id, username, full_name, email, role, is_active, created_at,"
            " updated_at) VALUES (1, 'ana', 'Ana Admin', 'ana@example.org', 'admin', true, :t, :t),"
            " (2, 'rui', 'Rui Requester', NULL, 'user', true, :t, :t)"
        ),
        {"t": t0},
    )
    conn.execute(
        text(
            "INSERT INTO tickets (id, number, title, description, category, priority, status,"
            " source, requester_id, assignee_id, created_at, updated_at, resolved_at)"
            " VALUES (1, 'TKT-20261102-0001', 'Impresora atascada', 'No imprime', 'hardware',"
            " 'high', 'open', 'cli', 2, 1, :t0, :t0, NULL),"
            " (2, 'TKT-20261102-0002', 'VPN caída', 'Sin conexión', 'network',"
            " 'low', 'resolved', 'cli', 2, 1, :t0, :t1, :t1)"
        ),
        {"t0": t0, "t1": t1},
    )
    conn.execute(text("INSERT INTO ticket_counters (day, last_value) VALUES ('20261102', 2)"))
    conn.execute(
        text(
            "INSERT INTO ticket_comments (id, ticket_id, author_id, body, is_internal,"
            " time_spent_minutes, created_at)"
            " VALUES (1, 1, 1, 'Revisando el rodillo', false, 15, :t)"
        ),
        {"t": t1},
    )
    # A comment a merge copied from ticket 2: before 0008 its origin led the body.
    copied = (
        ("copied_from, body", "'TKT-20261102-0002', 'Reiniciado'")
        if at_least(revision, "0008")
        else ("body", "'[from TKT-20261102-0002] Reiniciado'")
    )
    conn.execute(
        text(
            f"INSERT INTO ticket_comments (id, ticket_id, author_id, {copied[0]}, is_internal,"
            f" time_spent_minutes, created_at) VALUES (2, 1, 2, {copied[1]}, false, 0, :t)"
        ),
        {"t": t1},
    )
    conn.execute(
        text(
            "INSERT INTO ticket_events (id, ticket_id, actor_id, kind, field, old_value, new_value,"
            " created_at) VALUES (1, 1, 2, 'created', NULL, NULL, NULL, :t),"
            " (2, 2, 1, 'status_changed', 'status', 'open', 'resolved', :t1)"
        ),
        {"t": t0, "t1": t1},
    )
    if at_least(revision, "0002"):
        conn.execute(
            text(
                "INSERT INTO diagnostic_reports (id, report_id, host, collected_at, severity,"
                " report, created_at)"
                " VALUES (1, '00000000-0000-4000-8000-000000000001', 'pc-01', :t,"
                " 'warning', :report, :t)"
            ),
            {"t": t0, "report": '{"host": "pc-01", "findings": []}'},
        )
    if at_least(revision, "0004"):
        conn.execute(
            text(
                "INSERT INTO api_tokens (id, user_id, name, kind, token_hash, prefix, created_at)"
                " VALUES (1, 1, 'laptop', 'personal', :hash, 'itsm_Ab', :t),"
                " (2, 1, 'alertmanager', 'agent', :hash2, 'itsm_Cd', :t)"
            ),
            {"hash": "a" * 64, "hash2": "b" * 64, "t": t0},
        )
    if at_least(revision, "0007"):
        conn.execute(
            text(
                "INSERT INTO api_tokens (id, user_id, name, kind, token_hash, prefix, created_at,"
                " host_identity) VALUES (3, 1, 'web-01', 'agent', :hash, 'itsm_Ef', :t,"
                " 'hostname:web-01')"
            ),
            {"hash": "c" * 64, "t": t0},
        )
    if at_least(revision, "0015"):  # the scopes today's itsm gives them
        conn.execute(text("UPDATE api_tokens SET scopes = 'alerts reports' WHERE id = 2"))
        conn.execute(text("UPDATE api_tokens SET scopes = 'reports' WHERE id = 3"))
    if conn.dialect.name == "postgresql":
        # Rows inserted with explicit ids: move the sequences past them, as a real
        # database's would be, so the checks below can add rows.
        for table in ("users", "tickets", "ticket_comments", "ticket_events"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 100)"))


@pytest.mark.parametrize("revision", REVISIONS)
def test_rows_of_each_revision_survive_the_upgrade_to_head(
    engine_at_empty: Engine, revision: str
) -> None:
    engine = engine_at_empty
    migrate.upgrade(engine, revision)
    assert migrate.current_revision(engine) == revision
    with engine.begin() as conn:
        seed(conn, revision)

    migrate.upgrade(engine)

    migrate.require_current(engine)
    with Session(engine) as session:
        users = session.scalars(select(User).order_by(User.id)).all()
        # 0010: nobody has chosen a language yet (their browser's, else the setting's).
        assert [(u.username, u.role, u.is_active, u.language) for u in users] == [
            ("ana", "admin", True, None),
            ("rui", "user", True, None),
        ]
        open_ticket, resolved = session.scalars(select(Ticket).order_by(Ticket.id)).all()
        assert (open_ticket.number, open_ticket.title, open_ticket.priority) == (
            "TKT-20261102-0001",
            "Impresora atascada",
            "high",
        )
        assert open_ticket.created_at == CREATED
        assert resolved.resolved_at == RESOLVED
        assert resolved.status == "resolved"
        # 0003's SLA columns: a ticket from before SLA clocks has none (docs/sla.md).
        for ticket in (open_ticket, resolved):
            assert ticket.first_response_due_at is None
            assert ticket.first_response_warn_at is None
            assert ticket.resolution_due_at is None
            assert ticket.resolution_warn_at is None
            assert ticket.sla_paused_at is None
            assert not ticket.first_response_warned
            assert not ticket.first_response_breached
            assert not ticket.resolution_warned
            assert not ticket.resolution_breached
        assert resolved.resolution_note is None
        comments = session.scalars(select(TicketComment).order_by(TicketComment.id)).all()
        assert [(c.copied_from, c.body, c.time_spent_minutes, c.is_internal) for c in comments] == [
            (None, "Revisando el rodillo", 15, False),
            # 0008: a merge copy's origin moved out of the body into its own column.
            ("TKT-20261102-0002", "Reiniciado", 0, False),
        ]
        # 0013: tickets from before imported ids have none.
        assert [t.external_id for t in (open_ticket, resolved)] == [None, None]
        events = session.scalars(select(TicketEvent).order_by(TicketEvent.id)).all()
        assert [(e.ticket_id, e.kind, e.new_value) for e in events] == [
            (1, "created", None),
            (2, "status_changed", "resolved"),
        ]
        # The search index covers the old rows: title (accents ignored) and comment.
        for words in ("impresora", "rodillo", "reiniciado", "vpn caida"):
            found, _total = queries.search(session, query=words)
            assert [t.number for t, _score in found][:1] == [
                "TKT-20261102-0002" if words == "vpn caida" else "TKT-20261102-0001"
            ], words
        if not at_least(revision, "0011"):  # 0011 gave the old rows their search terms
            for words in ("TKT-20261102-0002", "20261102-0002"):
                found, _total = queries.search(session, query=words)
                assert [t.number for t, _score in found] == ["TKT-20261102-0002"], words
        reports = session.scalars(select(DiagnosticReport)).all()
        if at_least(revision, "0002"):
            assert [(r.host, r.severity, r.report) for r in reports] == [
                ("pc-01", "warning", {"host": "pc-01", "findings": []})
            ]
        tokens = session.scalars(select(ApiToken)).all()
        if at_least(revision, "0004"):
            # 0007: an existing token is bound to no host. 0015: an agent token keeps
            # what it could send, a host-bound one its reports; a personal one has none.
            bound = [("web-01", "agent", "hostname:web-01", "reports")]
            assert [(t.name, t.kind, t.host_identity, t.scopes) for t in tokens] == [
                ("laptop", "personal", None, None),
                ("alertmanager", "agent", None, "alerts reports"),
                *(bound if at_least(revision, "0007") else []),
            ]
    # The ticket counter goes on from the stored day's last number.
    with engine.begin() as conn:
        assert conn.execute(text("SELECT last_value FROM ticket_counters")).scalar() == 2
