"""Diagnostics use cases: store a report, record the host, turn findings into tickets.

``process_report`` (one report) and ``process_reports`` (a batch, in order)
are what a local ``itsm diag run``/``watch`` and the server's report endpoint
call, so a report is handled the same wherever it came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic_core import PydanticSerializationError
from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from itsm.db.base import utcnow
from itsm.diagnostics import autoticket
from itsm.diagnostics.errors import InvalidReport, ReportNotFound
from itsm.diagnostics.findings import Finding
from itsm.diagnostics.hostfacts import host_facts
from itsm.diagnostics.models import DiagnosticReport, EncodedJSON
from itsm.diagnostics.report import Report
from itsm.diagnostics.severity import Severity
from itsm.inventory import service as inventory
from itsm.inventory.schemas import HostFacts


@dataclass
class Processed:
    stored: DiagnosticReport
    asset_id: int | None
    tickets: autoticket.Outcome
    duplicate: bool = False


@dataclass(frozen=True)
class Submission:
    """One report to process, with the watch loop's debounced decisions if it has them."""

    report: Report
    problems: Sequence[Finding] | None = None
    recoveries: Sequence[Finding] | None = None


def store_report(
    session: Session, *, report: Report, asset_id: int | None
) -> tuple[DiagnosticReport, bool]:
    """Store once per ``report_id``; returns the row and whether it was already there."""
    key = str(report.report_id)
    existing = session.scalar(select(DiagnosticReport).where(DiagnosticReport.report_id == key))
    if existing is not None:
        return existing, True
    row = _row(report, asset_id)
    session.add(row)
    session.flush()
    session.expire(row, ["report"])
    return row, False


def process_report(
    session: Session,
    *,
    report: Report,
    zone: ZoneInfo,
    policy: autoticket.Policy,
    tickets_enabled: bool = True,
    problems: Sequence[Finding] | None = None,
    recoveries: Sequence[Finding] | None = None,
) -> Processed:
    """Upsert the host in the inventory, store the report, open/update/resolve tickets.

    ``problems``/``recoveries`` default to the report's own warning+critical and
    healthy findings; the watch loop passes its debounced lists instead. A
    report whose ``report_id`` is already stored changes nothing (``duplicate``).
    """
    (processed,) = process_reports(
        session,
        submissions=[Submission(report, problems, recoveries)],
        zone=zone,
        policy=policy,
        tickets_enabled=tickets_enabled,
    )
    return processed


def process_reports(
    session: Session,
    *,
    submissions: Sequence[Submission],
    zone: ZoneInfo,
    policy: autoticket.Policy,
    tickets_enabled: bool = True,
) -> list[Processed]:
    """:func:`process_report` for many reports in order, in the caller's transaction.

    The result is what processing them one by one would give, with the work
    batched: one query finds the report ids already stored (those, and a
    second copy within the batch, are duplicates and change nothing); the
    inventory is upserted once per machine with its reports' facts applied in
    order; the new reports are inserted in one multi-row statement; one query
    finds which fingerprints have an active ticket, so that the ticket logic
    runs only for reports with a problem or with a recovery to settle.
    """
    if not submissions:
        return []
    keys = [str(s.report.report_id) for s in submissions]
    stored = {
        row.report_id: row
        for row in session.scalars(
            select(DiagnosticReport).where(DiagnosticReport.report_id.in_(set(keys)))
        )
    }
    fresh: dict[str, int] = {}  # report_id -> position of its first copy
    for position, key in enumerate(keys):
        if key not in stored and key not in fresh:
            fresh[key] = position
    encoded = {key: _encoded(submissions[p].report) for key, p in fresh.items()}  # may refuse
    facts = {p: host_facts(submissions[p].report) for p in fresh.values()}
    assets = _upsert_hosts(session, [(facts[p], submissions[p].report) for p in fresh.values()])
    rows = {
        key: _row(submissions[p].report, assets[facts[p].identity], encoded[key])
        for key, p in fresh.items()
    }
    for key, raced in _insert_new(session, rows).items():  # a concurrent request was first
        stored[key] = raced
        del fresh[key]

    outcomes: dict[str, autoticket.Outcome] = {}
    if tickets_enabled and fresh:
        outcomes = _apply_tickets(session, submissions, fresh, facts, assets, zone, policy)

    results = []
    for key in keys:
        new_row = rows.pop(key, None)  # only the first copy of a new report is "stored"
        if new_row is not None:
            stored[key] = new_row
            results.append(
                Processed(new_row, new_row.asset_id, outcomes.get(key, autoticket.Outcome()))
            )
        else:
            old_row = stored[key]
            results.append(
                Processed(old_row, old_row.asset_id, autoticket.Outcome(), duplicate=True)
            )
    return results


def _encoded(report: Report) -> EncodedJSON:
    """The report as JSON text; :class:`InvalidReport` if it cannot be (lone surrogates)."""
    try:
        return EncodedJSON(report.model_dump_json())
    except PydanticSerializationError as exc:
        reason = str(exc).removeprefix("Error serializing to JSON: ")
        raise InvalidReport(f"report {report.report_id}", reason) from None


def _row(
    report: Report, asset_id: int | None, encoded: EncodedJSON | None = None
) -> DiagnosticReport:
    return DiagnosticReport(
        report_id=str(report.report_id),
        host=report.host.hostname,
        asset_id=asset_id,
        collected_at=report.collected_at,
        severity=report.severity,
        report=encoded if encoded is not None else _encoded(report),
        created_at=utcnow(),
    )


def _upsert_hosts(session: Session, reports: Sequence[tuple[HostFacts, Report]]) -> dict[str, int]:
    """Inventory id per machine identity: each machine's facts merged in order, one flush."""
    by_identity: dict[str, list[tuple[HostFacts, Report]]] = {}
    for item in reports:
        by_identity.setdefault(item[0].identity, []).append(item)
    hosts = [
        (inventory.merge_facts([f for f, _ in items]), items[-1][1].collected_at)
        for items in by_identity.values()
    ]
    return inventory.upsert_hosts(session, hosts=hosts)


def _insert_new(session: Session, rows: dict[str, DiagnosticReport]) -> dict[str, DiagnosticReport]:
    """Insert ``rows`` with one statement; returns (and removes) those stored meanwhile by others.

    The rows are written by a Core ``INSERT`` executed for all of them (cheaper
    than the ORM's unit of work for rows nothing else in the transaction
    touches), then attached to the session as the persistent objects they now
    are. The unique index on ``report_id`` settles a race between two requests
    carrying the same report (an agent retrying after a timeout while its first
    attempt still runs): the loser's insert fails inside a savepoint, and its
    reports already stored are reported as duplicates.
    """
    raced: dict[str, DiagnosticReport] = {}
    table = DiagnosticReport.__table__
    assert isinstance(table, Table)
    while rows:
        _number(session, list(rows.values()))
        params = [_columns(row) for row in rows.values()]
        try:
            with session.begin_nested():
                if all(row.id is not None for row in rows.values()):
                    session.execute(insert(table), params)
                else:  # SQLite: the ids come back from the insert itself
                    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
                    ids = session.execute(stmt, params).scalars().all()
                    for row, new_id in zip(rows.values(), ids, strict=True):
                        row.id = new_id
        except IntegrityError:
            taken = {
                row.report_id: row
                for row in session.scalars(
                    select(DiagnosticReport).where(DiagnosticReport.report_id.in_(list(rows)))
                )
            }
            if not taken:
                raise  # not a report stored twice: a real error
            raced.update(taken)
            left = {k: v for k, v in rows.items() if k not in taken}
            for row in left.values():
                row.id = None  # type: ignore[assignment]  # numbered again for the next try
            rows.clear()
            rows.update(left)
            continue
        for row in rows.values():
            make_transient_to_detached(row)
            session.add(row)
            session.expire(row, ["report"])  # read back as objects, not the text stored
        break
    return raced


def _number(session: Session, rows: list[DiagnosticReport]) -> None:
    """On PostgreSQL, give ``rows`` their ids from the sequence, in one query.

    With every primary key known the insert needs no ``RETURNING``, so it is sent
    as one short statement executed for all rows (psycopg pipelines it) instead of
    one multi-row statement with a placeholder per value, which costs the driver
    more to parse than the database to run. SQLite's driver has no such cost.
    """
    if session.get_bind().dialect.name != "postgresql" or len(rows) < 2:
        return  # one row: INSERT ... RETURNING is a single round trip anyway
    sequence = func.pg_get_serial_sequence(DiagnosticReport.__tablename__, "id")
    ids = session.scalars(
        select(func.nextval(sequence)).select_from(func.generate_series(1, len(rows)))
    ).all()
    for row, new_id in zip(rows, ids, strict=True):
        row.id = int(new_id)


def _columns(row: DiagnosticReport) -> dict[str, Any]:
    names = ("report_id", "host", "asset_id", "collected_at", "severity", "report", "created_at")
    values = {name: getattr(row, name) for name in names}
    if row.id is not None:
        values["id"] = row.id
    return values


def _apply_tickets(
    session: Session,
    submissions: Sequence[Submission],
    fresh: dict[str, int],
    facts: dict[int, HostFacts],
    assets: dict[str, int],
    zone: ZoneInfo,
    policy: autoticket.Policy,
) -> dict[str, autoticket.Outcome]:
    """Open/update/resolve tickets report by report, in order, skipping the no-ops."""
    plans = []
    for key, position in fresh.items():
        submission = submissions[position]
        problems, recoveries = submission.problems, submission.recoveries
        if problems is None or recoveries is None:
            problems, recoveries = autoticket.problems_and_recoveries(submission.report.checks)
        identity = facts[position].identity
        settles = {autoticket.fingerprint(identity, f) for f in recoveries}
        plans.append((key, position, list(problems), list(recoveries), settles))
    # Fingerprints that may have an active ticket: those that had one when the batch
    # began, plus every problem of the batch so far (a superset is safe: apply() checks).
    active = autoticket.active_fingerprints(session, set().union(*(p[4] for p in plans)))
    outcomes = {}
    agent = None  # the agent's account, looked up once for the batch
    for key, position, problems, recoveries, settles in plans:
        has_problem = any(f.severity.is_problem for f in problems)
        if not has_problem and active.isdisjoint(settles):
            continue
        if has_problem and agent is None:
            agent = autoticket.agent_user(session, policy.agent_username)
        identity = facts[position].identity
        report = submissions[position].report
        outcomes[key] = autoticket.apply(
            session,
            host=report.host.hostname,
            host_identity=identity,
            asset_id=assets[identity],
            problems=problems,
            recoveries=recoveries,
            policy=policy,
            zone=zone,
            agent=agent,
        )
        active.update(autoticket.fingerprint(identity, f) for f in problems)
    return outcomes


def get_report(session: Session, *, ref: str) -> DiagnosticReport:
    text = ref.strip()
    if "\x00" in text or len(text) > 64:  # no report has such a name (nor may PostgreSQL see it)
        raise ReportNotFound(text[:64].replace("\x00", ""))
    row = None
    if text.isascii() and text.isdigit() and int(text) <= _MAX_ID:
        row = session.get(DiagnosticReport, int(text))
    if row is None:
        row = session.scalar(select(DiagnosticReport).where(DiagnosticReport.report_id == text))
    if row is None:
        raise ReportNotFound(text)
    return row


_MAX_ID = 2**31 - 1  # the id column's range


def history(
    session: Session,
    *,
    host: str | None = None,
    severity: Severity | None = None,
    since: datetime | None = None,
    limit: int = 50,
) -> Sequence[DiagnosticReport]:
    """Newest reports first, filtered by host, overall severity and time."""
    stmt = select(DiagnosticReport).order_by(
        DiagnosticReport.collected_at.desc(), DiagnosticReport.id.desc()
    )
    if host:
        if "\x00" in host:
            return []  # no host has such a name
        stmt = stmt.where(DiagnosticReport.host == host)
    if severity:
        stmt = stmt.where(DiagnosticReport.severity == severity)
    if since:
        stmt = stmt.where(DiagnosticReport.collected_at >= since)
    return session.scalars(stmt.limit(max(1, min(limit, 1000)))).all()


def prune(session: Session, *, older_than: datetime) -> int:
    """Delete stored reports collected before ``older_than``; returns how many."""
    result = session.execute(
        delete(DiagnosticReport).where(DiagnosticReport.collected_at < older_than)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def summary(row: DiagnosticReport, *, check: str | None = None) -> dict[str, object]:
    """A history line: when, host, overall severity, problem count; a check's values if asked."""
    checks = row.report.get("checks", [])
    line: dict[str, object] = {
        "id": row.id,
        "report_id": row.report_id,
        "host": row.host,
        "collected_at": row.collected_at.isoformat(),
        "severity": row.severity,
        "problems": sum(1 for c in checks if c.get("severity") in ("warning", "critical")),
    }
    if check is not None:
        line["check"] = {
            str(c.get("subject")): {"severity": c.get("severity"), "value": c.get("value")}
            for c in checks
            if c.get("check") == check
        }
    return line
