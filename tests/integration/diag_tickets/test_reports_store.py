"""Stored reports and the host's inventory row, on SQLite and PostgreSQL (``session``)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itsm.db.base import utcnow
from itsm.diagnostics import service
from itsm.diagnostics.errors import ReportNotFound
from itsm.diagnostics.models import DiagnosticReport
from itsm.diagnostics.severity import Severity
from itsm.inventory.models import Asset
from tests.integration.diag_tickets.support import (
    DEFAULT_POLICY,
    UTC,
    disk,
    fingerprint_of,
    host,
    memory,
    process,
    report,
    tickets_with,
)

CRITICAL = disk(Severity.CRITICAL, 97.0)
HEALTHY = disk(Severity.HEALTHY, 40.0)


def _rows(session: Session, model: type[Asset] | type[DiagnosticReport]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_inventory_keeps_one_row_per_machine_and_updates_last_seen(session: Session) -> None:
    machine = host("lab-07")
    before = _rows(session, Asset)
    t0 = utcnow().replace(microsecond=0) - timedelta(minutes=10)
    first = process(session, machine, HEALTHY, at=t0)
    asset = session.get(Asset, first.asset_id)
    assert asset is not None
    assert asset.last_seen_at == t0
    assert asset.asset_tag == "HOST-lab-07"

    renamed = machine.model_copy(update={"hostname": "lab-07-renamed"})
    second = process(session, renamed, HEALTHY, at=t0 + timedelta(minutes=5))

    assert second.asset_id == first.asset_id
    assert _rows(session, Asset) == before + 1
    session.refresh(asset)
    assert asset.last_seen_at == t0 + timedelta(minutes=5)
    assert asset.hostname == "lab-07-renamed"  # the identity is the machine-id, not the name
    assert asset.machine_id == f"machine-id:{machine.machine_id}"


def test_each_report_is_stored_with_its_asset(session: Session) -> None:
    machine = host("store-me")
    processed = process(session, machine, CRITICAL, memory(Severity.HEALTHY, 12.0))
    row = processed.stored
    assert row.asset_id == processed.asset_id
    assert row.host == "store-me"
    assert row.severity == Severity.CRITICAL
    assert uuid.UUID(row.report_id)
    assert [c["check"] for c in row.report["checks"]] == ["disk.usage", "memory.available"]
    assert row.report["schema_version"] == 1


def test_a_report_sent_twice_is_stored_once_and_opens_one_ticket(session: Session) -> None:
    machine = host()
    once = report(machine, [CRITICAL])
    first = service.process_report(session, report=once, zone=UTC, policy=DEFAULT_POLICY)
    again = service.process_report(session, report=once, zone=UTC, policy=DEFAULT_POLICY)

    assert not first.duplicate
    assert again.duplicate
    assert again.stored.id == first.stored.id
    assert again.tickets.opened == again.tickets.commented == []
    stored = session.scalar(
        select(func.count())
        .select_from(DiagnosticReport)
        .where(DiagnosticReport.report_id == str(once.report_id))
    )
    assert stored == 1
    assert len(tickets_with(session, fingerprint_of(machine, CRITICAL))) == 1


def test_tickets_can_be_turned_off(session: Session) -> None:
    machine = host()
    processed = service.process_report(
        session,
        report=report(machine, [CRITICAL]),
        zone=UTC,
        policy=DEFAULT_POLICY,
        tickets_enabled=False,
    )
    assert processed.tickets.opened == []
    assert tickets_with(session, fingerprint_of(machine, CRITICAL)) == []
    assert processed.stored.id is not None


def test_history_filters_by_host_and_severity_newest_first(session: Session) -> None:
    now = utcnow().replace(microsecond=0)
    alpha, beta = host("hist-alpha"), host("hist-beta")
    a_old = process(session, alpha, HEALTHY, at=now - timedelta(hours=3)).stored
    a_bad = process(session, alpha, CRITICAL, at=now - timedelta(hours=2)).stored
    a_new = process(session, alpha, HEALTHY, at=now - timedelta(hours=1)).stored
    b_bad = process(session, beta, CRITICAL, at=now - timedelta(minutes=30)).stored

    by_alpha = service.history(session, who=None, host="hist-alpha")
    assert [r.id for r in by_alpha] == [a_new.id, a_bad.id, a_old.id]
    critical = [
        r.id
        for r in service.history(session, who=None, severity=Severity.CRITICAL)
        if r.host.startswith("hist-")
    ]
    assert critical == [b_bad.id, a_bad.id]
    assert [r.id for r in service.history(session, who=None, host="hist-beta")] == [b_bad.id]
    healthy_alpha = service.history(session, who=None, host="hist-alpha", severity=Severity.HEALTHY)
    assert [r.id for r in healthy_alpha] == [a_new.id, a_old.id]
    recent = service.history(
        session, who=None, host="hist-alpha", since=now - timedelta(minutes=90)
    )
    assert [r.id for r in recent] == [a_new.id]
    assert [r.id for r in service.history(session, who=None, host="hist-alpha", limit=1)] == [
        a_new.id
    ]
    assert service.history(session, who=None, host="nobody-here") == []

    line = service.summary(a_bad, check="disk.usage")
    assert line["host"] == "hist-alpha"
    assert line["severity"] == "critical"
    assert line["problems"] == 1
    assert line["check"] == {"/": {"severity": "critical", "value": 97.0}}


def test_get_report_by_id_and_uuid(session: Session) -> None:
    stored = process(session, host(), CRITICAL).stored
    assert service.get_report(session, who=None, ref=str(stored.id)).id == stored.id
    assert service.get_report(session, who=None, ref=stored.report_id).id == stored.id
    assert service.get_report(session, who=None, ref=f"  {stored.report_id} ").id == stored.id


@pytest.mark.parametrize("ref", ["987654321", "00000000-0000-4000-8000-000000000000", "nope"])
def test_unknown_report_is_not_found(session: Session, ref: str) -> None:
    with pytest.raises(ReportNotFound, match="does not exist"):
        service.get_report(session, who=None, ref=ref)


def test_prune_deletes_only_old_reports(session: Session) -> None:
    now = utcnow()
    machine = host("prune-me")
    old = process(session, machine, HEALTHY, at=now - timedelta(days=40)).stored
    older = process(session, machine, HEALTHY, at=now - timedelta(days=31)).stored
    kept = process(session, machine, HEALTHY, at=now - timedelta(days=29)).stored
    fresh = process(session, machine, CRITICAL, at=now).stored
    old_ids = {old.id, older.id}
    session.expunge_all()  # the deleted rows must not linger in the identity map

    deleted = service.prune(session, older_than=now - timedelta(days=30))

    assert deleted == 2
    left = {r.id for r in service.history(session, who=None, host="prune-me")}
    assert left == {kept.id, fresh.id}
    assert not old_ids & left
    # The asset and the ticket opened by a pruned host's later report are untouched.
    assert len(tickets_with(session, fingerprint_of(machine, CRITICAL))) == 1
    assert session.get(Asset, fresh.asset_id) is not None
    assert service.prune(session, older_than=now - timedelta(days=30)) == 0


def test_machines_sharing_a_host_name_get_their_own_rows(session: Session) -> None:
    one, two = host("clone-vm"), host("clone-vm")
    first = process(session, one, HEALTHY)
    second = process(session, two, HEALTHY)
    assert first.asset_id != second.asset_id
    tags = session.scalars(
        select(Asset.asset_tag).where(Asset.id.in_([first.asset_id, second.asset_id]))
    ).all()
    assert sorted(tags) == ["HOST-clone-vm", "HOST-clone-vm-2"]
