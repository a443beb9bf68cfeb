"""The PostgreSQL server going away mid-command: one clear line, and the next command works.

The shared server keeps running (other tests use it in parallel): "going away" is
every backend of this test's own database terminated from an admin connection
(``pg_terminate_backend``), which is what a restart or a failover looks like to a
client. Commands are caught in flight deterministically: the test holds a lock
the command needs, waits until ``pg_stat_activity`` shows the command waiting on
it, and only then cuts the connections. A URL naming a closed port must fail as
clearly, and at once.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select, text

from itsm.cli.exit import ExitStatus
from itsm.config import Settings
from itsm.db.runtime import Database, open_database
from itsm.errors import DatabaseUnavailable
from itsm.tickets import creation
from itsm.tickets.models import Ticket, TicketEvent
from itsm.tickets.schemas import TicketCreate
from itsm.users import service as users
from tests import pg
from tests.e2e.cli import ITSM, Cli, check_plain, describe, make_env
from tests.integration.durability.support import add_staff, add_ticket, check_consistent
from tests.integration.transfer.support import bulk_rows, write_jsonl

DEADLINE = 60.0

postgres_only = pytest.mark.parametrize("backend", ["postgresql"])


def _dbname(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def cut_connections(url: str) -> int:
    """Terminate every backend of this test's database, as a server restart would.

    ``itsm``'s own connections go first, then the others (the test's lock holder, so
    that a command waiting for that lock never sees it released), each batch waited
    for until it is gone: ``pg_terminate_backend`` only signals. Returns how many.
    """
    cut = 0
    with psycopg.connect(pg.ADMIN_DSN, autocommit=True) as admin:
        for itsm_first in (True, False):
            pids = [
                pid
                for (pid,) in admin.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s "
                    "AND pid <> pg_backend_pid() AND (application_name = 'itsm') = %s",
                    (_dbname(url), itsm_first),
                )
            ]
            for pid in pids:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            deadline = time.monotonic() + DEADLINE
            while admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,)
            ).fetchone() != (0,):
                assert time.monotonic() < deadline, "the backends outlived their termination"
                time.sleep(0.01)
            cut += len(pids)
    return cut


def _waiting_itsm(url: str) -> bool:
    """Whether an ``itsm`` backend of this database is blocked on a lock."""
    with psycopg.connect(pg.ADMIN_DSN, autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
            "AND application_name = 'itsm' AND wait_event_type = 'Lock'",
            (_dbname(url),),
        ).fetchone()
    return bool(row and row[0])


def _copying(url: str) -> bool:
    with psycopg.connect(pg.ADMIN_DSN, autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
            "AND application_name = 'itsm' AND query LIKE 'COPY %%'",
            (_dbname(url),),
        ).fetchone()
    return bool(row and row[0])


def _start(cli: Cli, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(ITSM), *args],
        env=cli.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def _finish(proc: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    out, err = proc.communicate(timeout=DEADLINE)
    result = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    check_plain(result)  # no escape codes, no traceback
    return result


def _unavailable(result: subprocess.CompletedProcess[str]) -> str:
    """The command failed as documented: exit 8, one ``error:`` line and nothing else."""
    assert result.returncode == ExitStatus.DATABASE_UNAVAILABLE, describe(result)
    assert result.stdout == "", describe(result)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, describe(result)
    assert lines[0].startswith("error: database "), describe(result)
    assert "is not reachable" in lines[0], describe(result)
    return lines[0]


@pytest.fixture
def staffed(fresh_db_url: str) -> Cli:
    """``itsm`` on this test's database, with users and ticket 1 (no comment, still open)."""
    requester, _ = add_staff(fresh_db_url, 1)
    assert add_ticket(fresh_db_url, title="Impresora", requester=requester) == 1
    return Cli(env=make_env(fresh_db_url, ITSM_USER="w0"))


def _event_kinds(url: str) -> list[str]:
    db = open_database(Settings(database_url=url))
    try:
        with db.session(write=False) as session:
            return list(session.scalars(select(TicketEvent.kind).order_by(TicketEvent.id)))
    finally:
        db.dispose()


# What each command waits for: a lock the test holds while it cuts the connections.
IN_FLIGHT = {
    "create": (
        ("ticket", "create", "Teclado", "Sin teclas", "hardware", "low", "requester"),
        "LOCK TABLE ticket_counters IN EXCLUSIVE MODE",
    ),
    "comment": (
        ("ticket", "comment", "1", "Probado de nuevo"),
        "SELECT id FROM tickets WHERE id = 1 FOR UPDATE",
    ),
    "list": (("ticket", "list", "--json"), "LOCK TABLE tickets IN ACCESS EXCLUSIVE MODE"),
}


@postgres_only
@pytest.mark.parametrize("command", list(IN_FLIGHT))
def test_command_cut_off_in_flight_fails_cleanly_and_the_next_one_works(
    command: str, staffed: Cli, fresh_db_url: str
) -> None:
    args, lock = IN_FLIGHT[command]
    holder = psycopg.connect(_conninfo(fresh_db_url))
    try:
        holder.execute(lock)
        proc = _start(staffed, *args)
        try:
            deadline = time.monotonic() + DEADLINE
            while not _waiting_itsm(fresh_db_url):
                assert proc.poll() is None, describe(
                    subprocess.CompletedProcess(proc.args, proc.returncode, *proc.communicate())
                )
                assert time.monotonic() < deadline, "the command never waited for the lock"
                time.sleep(0.02)
            assert cut_connections(fresh_db_url) >= 2  # the command's and the holder's
            message = _unavailable(_finish(proc))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    finally:
        holder.close()
    assert _dbname(fresh_db_url) in message
    assert "connection" in message

    # The very next command works, with no repair, and the cut-off one left nothing.
    staffed.ok(*args)
    kinds = _event_kinds(fresh_db_url)
    assert kinds.count("commented") == (command == "comment")
    # Two tickets after a create: TKT-...-0002, the cut-off one gave its number back.
    assert _consistent(fresh_db_url)["tickets"] == 1 + (command == "create")


def _consistent(url: str) -> dict[str, int]:
    db = open_database(Settings(database_url=url))
    try:
        return check_consistent(db.engine)
    finally:
        db.dispose()


@postgres_only
@pytest.mark.slow
def test_import_cut_off_mid_copy_fails_cleanly_and_leaves_nothing(
    staffed: Cli, fresh_db_url: str, tmp_path: Path
) -> None:
    rows = 4000
    for attempt in range(3):
        path = write_jsonl(
            tmp_path / f"cut{attempt}.jsonl",
            bulk_rows(rows, requester="requester", assignee="w0"),
        )
        before = _consistent(fresh_db_url)["tickets"]
        proc = _start(staffed, "ticket", "import", str(path))
        try:
            deadline = time.monotonic() + DEADLINE
            while proc.poll() is None and not _copying(fresh_db_url):
                assert time.monotonic() < deadline, "the import never started its COPY"
                time.sleep(0.005)
            if proc.poll() is None:
                cut_connections(fresh_db_url)
            result = _finish(proc)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        if result.returncode != 0:
            _unavailable(result)
            break
        # It committed before the cut: then all of it is there; try a longer one.
        assert _consistent(fresh_db_url)["tickets"] == before + rows
        rows *= 2
    else:
        pytest.fail("the import always finished before its connection could be cut")

    # Nothing of the cut-off import is left, and the next import (same days) works.
    assert _consistent(fresh_db_url)["tickets"] == before
    small = write_jsonl(tmp_path / "small.jsonl", bulk_rows(20, requester="requester"))
    assert staffed.json("ticket", "import", str(small))["imported"] == 20
    assert _consistent(fresh_db_url)["tickets"] == before + 20


@postgres_only
def test_service_calls_recover_from_cut_connections(staffed: Cli, fresh_db_url: str) -> None:
    """A long-lived process (an API worker, the diagnostics agent) keeps its engine."""
    db: Database = open_database(Settings(database_url=fresh_db_url))
    try:
        assert _count(db) == 1

        # A restart between units of work: the pooled connection died while idle and
        # the next unit of work replaces it (pinged on checkout) without failing.
        assert cut_connections(fresh_db_url) >= 1
        assert _count(db) == 1

        # In the middle of one: the ticket was flushed (its number taken) when the
        # connection went; the unit of work fails as "unavailable" and leaves nothing.
        with pytest.raises(DatabaseUnavailable) as info:
            _create_cut_off(db, fresh_db_url)
        message = info.value.message
        assert "\n" not in message
        assert "is not reachable" in message

        with db.session() as session:
            requester = users.get_user(session, ref="requester")
            data = TicketCreate(title="Monitor", category="hardware", requester_id=requester.id)
            ticket = creation.create_ticket(
                session, data=data, actor=requester, zone=db.settings.zone
            )
            assert ticket.number.endswith("-0002")  # the lost one gave its number back
        assert check_consistent(db.engine)["tickets"] == 2
    finally:
        db.dispose()


def _count(db: Database) -> int:
    with db.session(write=False) as session:
        return session.scalar(select(func.count()).select_from(Ticket)) or 0


def _create_cut_off(db: Database, url: str) -> None:
    with db.session() as session:
        requester = users.get_user(session, ref="requester")
        data = TicketCreate(title="Monitor", category="hardware", requester_id=requester.id)
        creation.create_ticket(session, data=data, actor=requester, zone=db.settings.zone)
        cut_connections(url)
        session.execute(text("SELECT 1"))


CLOSED_PORT = "postgresql://itsm:S3cret-Pa55@127.0.0.1:1/itsm"


def test_closed_port_fails_at_once_with_one_clear_line(tmp_path: Path) -> None:
    cli = Cli(env=make_env(CLOSED_PORT))
    line = cli.fail(ExitStatus.DATABASE_UNAVAILABLE, "ticket", "list")
    assert "127.0.0.1:1" in line
    assert "is not reachable" in line
    assert "S3cret" not in line
    # Refused at once, not waited out: under the 5 s connect timeout (in process,
    # where no interpreter start-up hides in the figure).
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable):
        open_database(Settings(database_url=CLOSED_PORT, data_dir=tmp_path))
    assert time.monotonic() - started < 4.0
