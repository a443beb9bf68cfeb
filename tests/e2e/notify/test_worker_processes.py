"""Workers as processes: killed mid-batch (SIGKILL), two at once, one inside ``itsm serve``.

The in-app channel writes its notification in the transaction that marks the
message sent, so here "at most one duplicate per message in flight" is zero
duplicates: every message is delivered exactly once, whatever is killed.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sqlalchemy import func, select

from itsm.config import Settings
from itsm.db.runtime import Database, open_database
from itsm.notify import fanout
from itsm.notify.models import Channel, Notification, OutboxMessage, OutboxState
from tests.e2e.api.test_events_processes import serving
from tests.e2e.cli import ITSM, make_env, run
from tests.factories import make_ticket, make_user
from tests.waiting import wait_until

MESSAGES = 1000


@contextmanager
def _database(url: str) -> Iterator[Database]:
    db = open_database(Settings(database_url=url))
    try:
        yield db
    finally:
        db.dispose()


def _seed(db: Database, count: int) -> None:
    """``count`` pending in-app messages for a few people, as the outbox writes them."""
    with db.session() as session:
        people = [make_user(session, role="technician") for _ in range(3)]
        ticket = make_ticket(session, requester=people[0], actor=people[0])
    fanout.expand(db)  # the ticket's own messages, as a worker's first step writes them
    with db.session() as session:
        session.add_all(
            OutboxMessage(
                token=f"00000000-0000-4000-8000-{n:012d}",
                recipient_id=people[n % 3].id,
                channel=Channel.IN_APP,
                kind="comment",
                ticket_id=ticket.id,
                payload={"event": "commented"},
            )
            for n in range(count)
        )


def _counts(db: Database) -> tuple[int, int, int]:
    """(messages, of them sent, notifications written)."""
    with db.session(write=False) as session:
        total = session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
        sent = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.state == OutboxState.SENT)
        )
        written = session.scalar(select(func.count()).select_from(Notification))
    return total, sent or 0, written or 0


@contextmanager
def _worker(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [str(ITSM), "worker"], env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


def test_a_worker_killed_mid_batch_loses_and_repeats_nothing(
    fresh_db_url: str, tmp_path: Path
) -> None:
    env = make_env(fresh_db_url, ITSM_NOTIFY__LEASE_SECONDS="10", ITSM_NOTIFY__BATCH_SIZE="200")
    with _database(fresh_db_url) as db:
        _seed(db, MESSAGES)
        total = _counts(db)[0]
        with _worker(env, tmp_path / "first.log") as first:
            wait_until("the first worker delivered some", lambda: _counts(db)[2] >= 100, timeout=90)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        _, sent_at_kill, _ = _counts(db)
        assert sent_at_kill < total, "the worker finished before it was killed: seed more"
        with _worker(env, tmp_path / "second.log") as second:
            wait_until("every message was sent", lambda: _counts(db)[1] == total, timeout=180)
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=30) == 0
        assert _counts(db) == (total, total, total)
        with db.session(write=False) as session:
            tries = session.scalars(select(OutboxMessage.attempts)).all()
        # Only the batch the first worker held when killed was claimed twice.
        assert max(tries) <= 2
        assert sum(1 for t in tries if t == 2) <= 200


def test_two_workers_share_the_outbox_and_never_take_one_message_twice(
    fresh_db_url: str, tmp_path: Path
) -> None:
    env = make_env(fresh_db_url, ITSM_NOTIFY__BATCH_SIZE="50")
    with _database(fresh_db_url) as db:
        _seed(db, MESSAGES)
        total = _counts(db)[0]
        with ExitStack() as stack:
            workers = [
                stack.enter_context(_worker(env, tmp_path / f"worker-{n}.log")) for n in (1, 2)
            ]
            wait_until("every message was sent", lambda: _counts(db)[1] == total, timeout=180)
            for proc in workers:
                proc.send_signal(signal.SIGTERM)
            assert [proc.wait(timeout=30) for proc in workers] == [0, 0]
        assert _counts(db) == (total, total, total)
        with db.session(write=False) as session:
            assert set(session.scalars(select(OutboxMessage.attempts))) == {1}
        logs = [(tmp_path / f"worker-{n}.log").read_text() for n in (1, 2)]
        assert all("Traceback" not in text for text in logs), logs


def test_serve_with_worker_delivers_what_the_cli_commits(fresh_db_url: str, tmp_path: Path) -> None:
    env = make_env(fresh_db_url)
    run("user", "add", "tina", "Tina Tech", "--role", "technician", env=env)
    run("user", "add", "ana", "Ana", env=env)
    with _database(fresh_db_url) as db, serving(env, tmp_path / "serve.log", "--with-worker"):
        created = run(
            "--as", "ana", "ticket", "create", "Printer jam", "Paper stuck", "hardware", env=env
        )
        assert created.returncode == 0, created.stderr
        wait_until("the server's worker delivered", lambda: _counts(db)[2] == 2, timeout=60)
        with db.session(write=False) as session:
            texts = session.scalars(select(Notification.text)).all()
        assert all("Printer jam" in text for text in texts)
