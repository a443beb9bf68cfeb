"""Racing runs on one finding end with one ticket, on SQLite and PostgreSQL.

The workers are separate OS processes going through ``process_report`` exactly
as ``itsm diag run`` does (``open_database`` + one ``session()``), started
together behind a file gate. The first to process its report keeps its
transaction open until the test has seen all the others waiting on it, so that
all of them are in flight at once. The partial unique index
on the fingerprint of active tickets is what settles the race; a second test
drives the losing side of that index deterministically with two sessions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from itsm.config import Settings
from itsm.db.runtime import Database, open_database
from itsm.diagnostics import autoticket
from itsm.diagnostics.severity import Severity
from itsm.inventory.models import Asset
from itsm.tickets.models import Ticket
from itsm.users.models import User
from tests.integration.diag_tickets.support import (
    DEFAULT_POLICY,
    UTC,
    active_count,
    disk,
    fingerprint_of,
    host,
)
from tests.waiting import begins_in, wait_until, waiting_on_locks

WORKERS = 4

WORKER = r"""
import json, sys, time
from pathlib import Path
from zoneinfo import ZoneInfo
from itsm.config import Settings
from itsm.db.base import utcnow
from itsm.db.runtime import open_database
from itsm.diagnostics import autoticket, service
from itsm.diagnostics.findings import Check, Finding
from itsm.diagnostics.report import HostIdentity, Report

url, machine_id, hostname, worker, gate = sys.argv[1:6]
finding = Finding(
    check=Check.DISK_USAGE, subject="/", severity="critical", value=97.0, threshold=95.0,
    unit="%", message="/ 97.0% used",
)
report = Report(
    host=HostIdentity(hostname=hostname, machine_id=machine_id),
    collected_at=utcnow(), duration_seconds=1.0, severity="critical",
    checks=[finding], probes={},
)
db = open_database(Settings(database_url=url))
Path(gate, f"ready-{worker}").touch()
while not Path(gate, "go").exists():  # start together, once every worker is ready
    time.sleep(0.002)
began = time.time()
Path(gate, f"began-{worker}").touch()
with db.session() as session:
    processed = service.process_report(
        session, report=report, zone=ZoneInfo("UTC"), policy=autoticket.Policy()
    )
    Path(gate, f"processed-{worker}").touch()
    # Commit only once the test has seen every other worker waiting on this one.
    while not Path(gate, "commit").exists():
        time.sleep(0.002)
db.dispose()
print(json.dumps({"outcome": processed.tickets.as_dict(), "began": began, "ended": time.time()}))
"""


def _all_in_flight(url: str, gate: Path, procs: list[subprocess.Popen[str]]) -> bool:
    """One worker has processed its report and holds its transaction open; every other
    one waits for it: on PostgreSQL for its locks, on SQLite for the write lock
    (each began; none but the holder can have processed)."""
    dead = [p.communicate()[1][-2000:] for p in procs if p.poll() is not None]
    assert not dead, f"a worker ended before the commit: {dead}"
    processed = len(list(gate.glob("processed-*")))
    if processed == 0:
        return False
    if url.startswith("sqlite"):
        return len(list(gate.glob("began-*"))) == len(procs)
    return processed + waiting_on_locks(url) == len(procs)


def _race(url: str, gate: Path, machines: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Run one worker per ``(machine_id, hostname)`` at once; return their outputs."""
    gate.mkdir()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, machine_id, hostname, str(n), str(gate)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        for n, (machine_id, hostname) in enumerate(machines)
    ]
    try:
        deadline = time.monotonic() + 60
        while len(list(gate.glob("ready-*"))) < len(procs):
            dead = [p.communicate()[1][-2000:] for p in procs if p.poll() is not None]
            assert not dead, f"a worker died before starting: {dead}"
            assert time.monotonic() < deadline, "workers did not get ready"
            time.sleep(0.01)
        (gate / "go").touch()
        wait_until("every worker is in flight at once", lambda: _all_in_flight(url, gate, procs))
        (gate / "commit").touch()
        outputs = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()
    results = []
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err[-3000:]
        assert "Traceback" not in err, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


@pytest.mark.slow
def test_racing_runs_on_one_finding_open_one_ticket(fresh_db_url: str, tmp_path: Path) -> None:
    machine = host("racer")
    assert machine.machine_id is not None
    results = _race(fresh_db_url, tmp_path / "gate", [(machine.machine_id, "racer")] * WORKERS)

    opened = [n for r in results for n in r["outcome"]["opened"]]
    assert len(opened) == 1, results
    # They really overlapped: every worker began before any finished.
    assert max(float(r["began"]) for r in results) < min(float(r["ended"]) for r in results)
    db = open_database(Settings(database_url=fresh_db_url))
    try:
        with db.session(write=False) as session:
            fp = fingerprint_of(machine, disk(Severity.CRITICAL, 97.0))
            assert active_count(session, fp) == 1
            rows = session.execute(select(Ticket.number, Ticket.asset_id)).all()
            assert [number for number, _ in rows] == opened
            assets = session.scalars(select(Asset)).all()
            assert len(assets) == 1
            assert rows[0][1] == assets[0].id
            agents = session.scalar(
                select(func.count()).select_from(User).where(User.username == "itsm-agent")
            )
            assert agents == 1
    finally:
        db.dispose()


@pytest.mark.slow
def test_first_runs_of_several_hosts_at_once_all_succeed(fresh_db_url: str, tmp_path: Path) -> None:
    """On an empty database every racer also creates the agent account and its asset.

    Two of the machines share a host name (cloned VMs do), so two racers also
    want the same asset tag ``HOST-clone``.
    """
    names = ["clone", "clone", *(f"fresh-{n}" for n in range(2, WORKERS))]
    machines = [(uuid.uuid4().hex, name) for name in names]
    results = _race(fresh_db_url, tmp_path / "gate", machines)

    opened = [n for r in results for n in r["outcome"]["opened"]]
    assert len(opened) == WORKERS, results
    db = open_database(Settings(database_url=fresh_db_url))
    try:
        with db.session(write=False) as session:
            assert session.scalar(select(func.count()).select_from(Ticket)) == WORKERS
            tags = sorted(session.scalars(select(Asset.asset_tag)))
            assert tags == sorted(["HOST-clone", "HOST-clone-2", *(f"HOST-{n}" for n in names[2:])])
            agents = session.scalar(
                select(func.count()).select_from(User).where(User.username == "itsm-agent")
            )
            assert agents == 1
    finally:
        db.dispose()


def test_loser_of_the_index_race_settles_on_the_winners_ticket(
    settings: Settings, backend: str
) -> None:
    """Two transactions both see no active ticket; the index lets only one insert."""
    machine = host("two-sessions")
    critical = disk(Severity.CRITICAL, 97.0)
    identity = f"machine-id:{machine.machine_id}"
    db: Database = open_database(settings)
    try:
        with db.session() as setup:
            autoticket.agent_user(setup, DEFAULT_POLICY.agent_username)

        def apply_in(session_outcomes: list[autoticket.Outcome]) -> None:
            with db.session() as session:
                session_outcomes.append(
                    autoticket.apply(
                        session,
                        host="two-sessions",
                        host_identity=identity,
                        asset_id=None,
                        problems=[critical],
                        recoveries=[],
                        policy=DEFAULT_POLICY,
                        zone=UTC,
                    )
                )

        winner = db.sessions()
        try:
            won = autoticket.apply(
                winner,
                host="two-sessions",
                host_identity=identity,
                asset_id=None,
                problems=[critical],
                recoveries=[],
                policy=DEFAULT_POLICY,
                zone=UTC,
            )
            assert len(won.opened) == 1
            lost: list[autoticket.Outcome] = []
            errors: list[BaseException] = []

            def loser() -> None:
                try:
                    apply_in(lost)
                except BaseException as exc:  # reported by the main thread
                    errors.append(exc)

            loser_begins = begins_in(db.engine, "loser")
            thread = threading.Thread(target=loser, name="loser")
            thread.start()
            if backend == "postgresql":
                # The loser saw no committed ticket and now waits on the winner's locks.
                wait_until(
                    "the loser waits on the winner's locks",
                    lambda: (
                        not thread.is_alive() or waiting_on_locks(str(settings.database_url)) >= 1
                    ),
                )
                assert thread.is_alive(), errors
            else:
                # SQLite: the loser queues for the write lock the winner holds.
                assert loser_begins.wait(30), errors
            winner.commit()
        finally:
            winner.close()
        thread.join(30)
        assert not thread.is_alive()
        assert errors == []
        assert lost[0].as_dict() == {"opened": [], "commented": [], "escalated": [], "resolved": []}
        with db.session(write=False) as session:
            assert active_count(session, fingerprint_of(machine, critical)) == 1
            numbers = session.scalars(select(Ticket.number)).all()
            assert list(numbers) == won.opened
    finally:
        db.dispose()
