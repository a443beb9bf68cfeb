"""Several OS processes creating tickets at once: unique, gap-free numbers on both databases.

Each worker is a separate Python process that goes through the service layer exactly
as the CLI does (``open_database`` + one ``session()`` per ticket). On SQLite the
engine's ``BEGIN IMMEDIATE`` and busy timeout make writers queue instead of failing
with "database is locked"; on PostgreSQL the per-day counter row lock does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import func, select

from itsm.db.runtime import Database
from itsm.tickets.models import Ticket, TicketEvent
from tests.factories import make_user

WORKERS = 4
PER_WORKER = 25

WORKER = r"""
import sys, time
from pathlib import Path
from zoneinfo import ZoneInfo
from itsm.config import Settings
from itsm.db.runtime import open_database
from itsm.tickets import creation
from itsm.tickets.schemas import TicketCreate
from itsm.users import service as users

url, requester_id, worker, count, gate = sys.argv[1:6]
db = open_database(Settings(database_url=url))
Path(gate, f"ready-{worker}").touch()
while not Path(gate, "go").exists():  # start together, once every worker is ready
    time.sleep(0.002)
began = time.time()
for i in range(int(count)):
    with db.session() as session:
        requester = users.get_user(session, ref=int(requester_id))
        data = TicketCreate(
            title=f"worker {worker} ticket {i}", category="hardware", requester_id=requester.id
        )
        creation.create_ticket(session, data=data, actor=requester, zone=ZoneInfo("UTC"))
db.dispose()
print("done", worker, count, began, time.time())
"""


@pytest.mark.slow
def test_parallel_processes_get_unique_gap_free_numbers(
    db: Database, fresh_db_url: str, tmp_path: Path
) -> None:
    with db.session() as session:
        requester_id = make_user(session, username="busy").id
    gate = tmp_path / "gate"
    gate.mkdir()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WORKER,
                fresh_db_url,
                str(requester_id),
                str(n),
                str(PER_WORKER),
                str(gate),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        for n in range(WORKERS)
    ]
    deadline = time.monotonic() + 120
    while len(list(gate.glob("ready-*"))) < WORKERS:
        assert all(p.poll() is None for p in procs), "a worker died before starting"
        assert time.monotonic() < deadline, "workers did not get ready"
        time.sleep(0.01)
    (gate / "go").touch()
    outputs = [p.communicate(timeout=180) for p in procs]
    windows: list[tuple[float, float]] = []
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert "database is locked" not in err
        assert proc.returncode == 0, err[-2000:]
        done, _, _, began, ended = out.split()
        assert done == "done"
        windows.append((float(began), float(ended)))
    # The workers really ran at the same time: every one started before any finished.
    assert max(b for b, _ in windows) < min(e for _, e in windows)

    with db.session(write=False) as session:
        rows = session.execute(select(Ticket.id, Ticket.number)).all()
        assert len(rows) == WORKERS * PER_WORKER
        numbers = [number for _, number in rows]
        assert len(set(numbers)) == len(numbers)
        by_day: dict[str, list[int]] = defaultdict(list)
        for number in numbers:
            by_day[number[4:12]].append(int(number[13:]))
        # Normally one day; a run across midnight UTC splits into two gap-free days.
        for day, values in by_day.items():
            assert sorted(values) == list(range(1, len(values) + 1)), day
        created = session.execute(
            select(TicketEvent.ticket_id, func.count())
            .where(TicketEvent.kind == "created")
            .group_by(TicketEvent.ticket_id)
        ).all()
        assert len(created) == WORKERS * PER_WORKER
        assert {ticket_id for ticket_id, _ in created} == {ticket_id for ticket_id, _ in rows}
        assert all(n == 1 for _, n in created)
        per_worker: dict[str, int] = defaultdict(int)
        for title in session.scalars(select(Ticket.title)):
            per_worker[title.split()[1]] += 1
        assert dict(per_worker) == {str(n): PER_WORKER for n in range(WORKERS)}
