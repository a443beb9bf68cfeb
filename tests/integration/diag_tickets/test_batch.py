"""``process_reports``: a batch gives what processing its reports one by one gives.

The server's report endpoint hands every batch to ``process_reports``; these
tests hold it to the one-by-one semantics of ``process_report`` (order,
duplicates, inventory, tickets) on SQLite and PostgreSQL, and show the race of
two transactions storing the same report ending with one row.
"""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itsm.config import Settings
from itsm.db.base import utcnow
from itsm.db.runtime import open_database
from itsm.diagnostics import service
from itsm.diagnostics.models import DiagnosticReport
from itsm.diagnostics.severity import Severity
from itsm.inventory import service as inventory
from itsm.inventory.models import Asset
from itsm.inventory.schemas import HostFacts
from tests.integration.diag_tickets.support import (
    DEFAULT_POLICY,
    UTC,
    disk,
    fingerprint_of,
    host,
    memory,
    report,
    tickets_with,
)
from tests.waiting import begins_in, wait_until, waiting_on_locks

CRITICAL, WARNING, HEALTHY = (
    disk(Severity.CRITICAL, 97.0),
    disk(Severity.WARNING, 91.0),
    disk(Severity.HEALTHY, 40.0),
)


def _batch(session: Session, *submissions: service.Submission) -> list[service.Processed]:
    return service.process_reports(
        session, submissions=list(submissions), zone=UTC, policy=DEFAULT_POLICY
    )


def test_a_batch_ticks_through_a_hosts_history_in_order(session: Session) -> None:
    machine = host("batch-01")
    t0 = utcnow().replace(microsecond=0) - timedelta(hours=5)
    reports = [
        report(machine, [WARNING], at=t0),
        report(machine, [CRITICAL], at=t0 + timedelta(hours=1)),  # escalates
        report(machine, [CRITICAL], at=t0 + timedelta(hours=2)),  # "still" after the interval
        report(machine, [HEALTHY], at=t0 + timedelta(hours=3)),  # resolves
        report(machine, [HEALTHY], at=t0 + timedelta(hours=4)),  # nothing left to do
    ]
    done = _batch(session, *(service.Submission(r) for r in reports))

    outcomes = [p.tickets.as_dict() for p in done]
    (number,) = outcomes[0]["opened"]
    assert outcomes[1]["escalated"] == [number]
    assert outcomes[3]["resolved"] == [number]
    assert not any(outcomes[4].values())
    assert [p.duplicate for p in done] == [False] * 5
    assert [p.stored.report_id for p in done] == [str(r.report_id) for r in reports]
    assert [p.stored.id for p in done] == sorted(p.stored.id for p in done)
    (ticket,) = tickets_with(session, fingerprint_of(machine, CRITICAL))
    assert (ticket.status, ticket.priority) == ("resolved", "critical")
    assert done[0].stored.report["checks"][0]["severity"] == "warning"  # read back as objects


def test_duplicates_in_and_across_batches_change_nothing(session: Session) -> None:
    machine = host()
    first = report(machine, [CRITICAL])
    (stored,) = _batch(session, service.Submission(first))
    asset = session.get(Asset, stored.asset_id)
    assert asset is not None
    seen = asset.last_seen_at
    later = report(machine, [CRITICAL], at=utcnow() + timedelta(minutes=1))

    again = _batch(
        session,
        service.Submission(first),
        service.Submission(later),
        service.Submission(later),
    )

    assert [p.duplicate for p in again] == [True, False, True]
    assert again[0].stored.id == stored.stored.id
    assert again[2].stored.id == again[1].stored.id
    assert all(not any(p.tickets.as_dict().values()) for p in (again[0], again[2]))
    count = session.scalar(
        select(func.count())
        .select_from(DiagnosticReport)
        .where(DiagnosticReport.report_id.in_([str(first.report_id), str(later.report_id)]))
    )
    assert count == 2
    session.refresh(asset)
    assert asset.last_seen_at == later.collected_at != seen
    assert len(tickets_with(session, fingerprint_of(machine, CRITICAL))) == 1


def test_hosts_interleaved_in_one_batch_keep_apart(session: Session) -> None:
    alpha, beta = host("alpha"), host("beta")
    done = _batch(
        session,
        service.Submission(report(alpha, [CRITICAL])),
        service.Submission(report(beta, [HEALTHY])),
        service.Submission(report(beta, [CRITICAL, memory(Severity.WARNING, 88.0)])),
        service.Submission(report(alpha, [HEALTHY])),
    )
    assert done[0].asset_id == done[3].asset_id != done[1].asset_id == done[2].asset_id
    assert len(done[0].tickets.opened) == 1
    assert len(done[2].tickets.opened) == 2
    assert done[3].tickets.resolved == done[0].tickets.opened
    assert tickets_with(session, fingerprint_of(beta, CRITICAL))[0].status == "open"


def test_debounced_decisions_are_used_when_given(session: Session) -> None:
    machine = host()
    held = CRITICAL.model_copy(update={"severity": Severity.WARNING})
    done = _batch(
        session,
        service.Submission(report(machine, [CRITICAL]), problems=[], recoveries=[]),
        service.Submission(report(machine, [CRITICAL]), problems=[held], recoveries=[]),
    )
    assert not any(done[0].tickets.as_dict().values())
    (ticket,) = tickets_with(session, fingerprint_of(machine, CRITICAL))
    assert ticket.priority == "high"  # the active (debounced) severity, not the sample's


def test_merged_facts_are_what_upserting_in_turn_leaves(session: Session) -> None:
    one = HostFacts(
        identity="machine-id:merge",
        hostname="old-name",
        model="X1",
        serial_number="S-1",
        cpu_cores=4,
        disks=[{"mountpoint": "/"}],
        virtual=True,
    )
    two = HostFacts(identity="machine-id:merge", hostname="new-name", cpu_cores=8, model=None)
    merged = inventory.merge_facts([one, two])
    assert merged.hostname == "new-name"
    assert (merged.model, merged.serial_number, merged.cpu_cores) == ("X1", "S-1", 8)
    assert merged.disks == []  # the last sample's, as upsert_host sets them
    assert merged.virtual is True  # the first sample decides the new row's type

    at = utcnow()
    in_turn = [inventory.upsert_host(session, who=None, facts=f, seen_at=at) for f in (one, two)]
    asset = in_turn[-1]
    expected = (asset.hostname, asset.model, asset.serial_number, asset.cpu_cores, asset.disks)
    assert expected == ("new-name", "X1", "S-1", 8, [])
    # The batched path on the known row: a value the facts lack is kept, the rest set.
    again = merged.model_copy(update={"model": None, "hostname": "newest", "disks": [{"m": "/"}]})
    later = at + timedelta(minutes=1)
    ids = inventory.upsert_hosts(session, hosts=[(again, later)])
    assert ids == {"machine-id:merge": asset.id}
    session.refresh(asset)
    assert (asset.hostname, asset.model, asset.cpu_cores) == ("newest", "X1", 8)
    assert (asset.disks, asset.last_seen_at) == ([{"m": "/"}], later)
    fresh = HostFacts(identity="machine-id:brand-new", hostname="fresh", cpu_cores=2)
    created = inventory.upsert_hosts(session, hosts=[(fresh, later)])["machine-id:brand-new"]
    new_asset = session.get(Asset, created)
    assert new_asset is not None
    assert (new_asset.asset_tag, new_asset.cpu_cores) == ("HOST-fresh", 2)


def test_two_transactions_storing_one_report_end_with_one_row(settings: Settings) -> None:
    """The second waits on the first's uncommitted row, then reports a duplicate."""
    db = open_database(settings)
    machine = host("racer")
    shared = report(machine, [HEALTHY])
    own = report(machine, [HEALTHY], at=utcnow() + timedelta(seconds=1))
    inserted, second_waits = threading.Event(), threading.Event()
    second_begins = begins_in(db.engine, "second")
    results: dict[str, list[service.Processed]] = {}

    def first() -> None:
        with db.session() as session:
            results["first"] = _batch(session, service.Submission(shared))
            inserted.set()
            assert second_waits.wait(30)  # commit only once the second waits on this one

    def second() -> None:
        assert inserted.wait(30)
        with db.session() as session:
            results["second"] = _batch(session, service.Submission(shared), service.Submission(own))

    threads = [threading.Thread(target=first), threading.Thread(target=second, name="second")]
    try:
        for thread in threads:
            thread.start()
        if db.engine.dialect.name == "postgresql":
            wait_until(
                "the second waits on the first's uncommitted row",
                lambda: waiting_on_locks(str(settings.database_url)) >= 1,
            )
        else:
            assert second_begins.wait(30), "the second never started"
        second_waits.set()
        for thread in threads:
            thread.join(60)
        assert [p.duplicate for p in results["first"]] == [False]
        assert [p.duplicate for p in results["second"]] == [True, False]
        assert results["second"][0].stored.id == results["first"][0].stored.id
        with db.session(write=False) as session:
            ids = session.scalars(
                select(DiagnosticReport.report_id).where(
                    DiagnosticReport.report_id.in_([str(shared.report_id), str(own.report_id)])
                )
            ).all()
            assert sorted(ids) == sorted([str(shared.report_id), str(own.report_id)])
            assert session.scalar(select(func.count()).select_from(Asset)) == 1
    finally:
        db.dispose()
    assert uuid.UUID(str(shared.report_id))
