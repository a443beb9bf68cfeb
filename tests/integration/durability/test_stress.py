"""Eight processes writing at once for a fixed time: nothing acknowledged is lost or doubled.

Each worker (:mod:`tests.integration.durability.worker`) is its own OS process with
its own engine, creating tickets, commenting on them and moving their status and
assignee, always on the newest tickets of the whole database so that they fight
over the same rows (and, for creations, the same day counter). It logs a write
only after its commit returned. Afterwards the database must hold exactly the
logged writes: the tickets with their numbers (unique and gap-free per day), the
comments, and one audit event per logged change with the worker as its actor,
chained per ticket so that no change was lost in a race. No worker may have
failed, on SQLite in particular not with "database is locked".
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from itsm.config import Settings
from itsm.db.engine import build_engine
from tests.integration.durability.support import (
    Entry,
    add_staff,
    check_consistent,
    check_searchable,
    db_tickets,
    read_log,
    spawn_worker,
    stderr_of,
)

WORKERS = 8
SECONDS = 5.0
STARTUP_DEADLINE = 90.0


@pytest.mark.slow
def test_eight_writers_lose_and_duplicate_nothing(fresh_db_url: str, tmp_path: Path) -> None:
    requester, staff = add_staff(fresh_db_url, WORKERS)
    gate = tmp_path / "gate"
    gate.mkdir()
    logs = [tmp_path / f"worker{n}.log" for n in range(WORKERS)]
    procs = [
        spawn_worker(
            "stress",
            fresh_db_url,
            log,
            seed=n + 1,
            actor=staff[n],
            requester=requester,
            extra=(
                "--staff",
                ",".join(map(str, staff)),
                "--gate",
                str(gate),
                "--seconds",
                str(SECONDS),
            ),
        )
        for n, log in enumerate(logs)
    ]
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE
        while len(list(gate.glob("ready-*"))) < WORKERS:
            died = [
                stderr_of(log) for p, log in zip(procs, logs, strict=True) if p.poll() is not None
            ]
            assert not died, f"a worker died before starting: {died[0][-2000:]}"
            assert time.monotonic() < deadline, "the workers did not get ready"
            time.sleep(0.02)
        (gate / "go").touch()
        for proc in procs:
            proc.wait(timeout=SECONDS + 60)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    entries: list[Entry] = []
    for n, (proc, log) in enumerate(zip(procs, logs, strict=True)):
        worker = read_log(log)
        errors = [e["error"] for e in worker if e["op"] == "error"]
        assert not errors, f"worker {n}: {errors}"
        stderr = stderr_of(log)
        assert "database is locked" not in stderr
        assert proc.returncode == 0, stderr[-2000:]
        assert stderr == ""
        assert worker, f"worker {n} logged nothing"
        assert worker[-1]["op"] == "done", f"worker {n} did not finish"
        writes = worker[:-1]
        # Every worker had its turns (a round at least: a creation, two comments and two
        # status changes, and two assignments unless they changed nothing).
        assert len(writes) >= 5, f"worker {n} acknowledged only {writes}"
        entries.extend(writes)

    engine = build_engine(Settings(database_url=fresh_db_url))
    try:
        _check(engine, entries)
    finally:
        engine.dispose()


def _check(engine: Engine, entries: list[Entry]) -> None:
    by_op: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_op[entry["op"]].append(entry)
    assert set(by_op) <= {"create", "comment", "status", "assign"}
    creates = by_op["create"]
    assert len(creates) >= WORKERS
    assert by_op["comment"]
    assert by_op["status"]
    assert by_op["assign"]

    # The tickets: exactly the acknowledged ones, with the numbers their creators were given.
    assert db_tickets(engine) == {e["ticket"]: (e["number"], e["title"]) for e in creates}
    state = check_consistent(engine)  # created events, unique gap-free numbers, FTS
    assert state["tickets"] == len(creates)

    with engine.connect() as conn:
        events = conn.execute(
            text(
                "SELECT id, ticket_id, actor_id, kind, field, old_value, new_value "
                "FROM ticket_events ORDER BY id"
            )
        ).all()
        comments = {
            int(i): (int(t), int(a))
            for i, t, a in conn.execute(
                text("SELECT id, ticket_id, author_id FROM ticket_comments")
            )
        }
        finals = {
            int(i): (str(s), u)
            for i, s, u in conn.execute(
                text(
                    "SELECT t.id, t.status, u.username FROM tickets t "
                    "LEFT JOIN users u ON u.id = t.assignee_id"
                )
            )
        }
        conn.rollback()

    kinds: dict[str, Counter[tuple[Any, ...]]] = defaultdict(Counter)
    for _, ticket_id, actor_id, kind, field, old, new in events:
        kinds[kind][(ticket_id, actor_id, field, old, new)] += 1
    assert set(kinds) <= {"created", "assigned", "status_changed", "field_changed", "commented"}

    _same(
        kinds["created"],
        "created",
        Counter((e["ticket"], e["actor"], None, None, e["number"]) for e in creates),
    )
    _same(
        kinds["assigned"],
        "assigned",
        Counter(
            [
                (e["ticket"], e["actor"], "assignee", None, e["assignee"])
                for e in creates
                if e["assignee"]
            ]
            + [(e["ticket"], e["actor"], "assignee", e["old"], e["new"]) for e in by_op["assign"]]
        ),
    )
    _same(
        kinds["status_changed"],
        "status_changed",
        Counter((e["ticket"], e["actor"], "status", e["old"], e["new"]) for e in by_op["status"]),
    )
    assert {f for _, _, f, _, _ in kinds["field_changed"]} <= {"resolution_note"}
    changes = list(kinds["field_changed"].elements())
    # A note is recorded when it is given, and moved to the trail (new value NULL) when
    # the ticket is reopened: only by a reopening, by its actor.
    notes = Counter((ticket, actor) for ticket, actor, _, _, new in changes if new is not None)
    assert notes == Counter((e["ticket"], e["actor"]) for e in by_op["status"] if e["note"])
    cleared = Counter((ticket, actor) for ticket, actor, _, _, new in changes if new is None)
    reopened = Counter(
        (e["ticket"], e["actor"])
        for e in by_op["status"]
        if e["old"] in ("resolved", "closed") and e["new"] not in ("resolved", "closed")
    )
    assert cleared <= reopened, cleared - reopened
    _same(
        kinds["commented"],
        "commented",
        Counter(
            (
                e["ticket"],
                e["actor"],
                "internal" if e["internal"] else "public",
                None,
                str(e["comment"]),
            )
            for e in by_op["comment"]
        ),
    )
    assert comments == {e["comment"]: (e["ticket"], e["actor"]) for e in by_op["comment"]}

    # No lost update: per ticket, each status (assignee) change starts where the one
    # before it ended, and the last one is what the ticket holds now.
    status_chain: dict[int, list[tuple[str, str]]] = defaultdict(list)
    assignee_chain: dict[int, list[tuple[str | None, str | None]]] = defaultdict(list)
    for _, ticket_id, _, kind, _, old, new in events:
        if kind == "status_changed":
            status_chain[ticket_id].append((old, new))
        elif kind == "assigned":
            assignee_chain[ticket_id].append((old, new))
    for ticket_id, (status, assignee) in finals.items():
        current: str | None = "open"
        for old, new in status_chain[ticket_id]:
            assert old == current, (ticket_id, status_chain[ticket_id])
            current = new
        assert current == status, ticket_id
        holder: str | None = None
        for old_user, new_user in assignee_chain[ticket_id]:
            assert old_user == holder, (ticket_id, assignee_chain[ticket_id])
            holder = new_user
        assert holder == assignee, ticket_id

    # The search index knows every ticket (a sample by its own word, all by the shared one).
    check_searchable(
        engine, {e["ticket"]: e["title"] for e in creates[:: max(1, len(creates) // 40)]}
    )


def _same(actual: Counter[tuple[Any, ...]], what: str, expected: Counter[tuple[Any, ...]]) -> None:
    """The audit events of one kind are exactly the acknowledged changes, shown if not."""
    extra, missing = actual - expected, expected - actual
    assert (extra, missing) == (Counter(), Counter()), (
        f"{what} events: in the database but not acknowledged {sorted(extra.elements())[:8]}; "
        f"acknowledged but not in the database {sorted(missing.elements())[:8]}"
    )
