"""Diagnostics use cases: store a report, record the host, turn findings into tickets.

``process_report`` (one report) and ``process_reports`` (a batch, in order)
are what a local ``itsm diag run``/``watch`` and the server's report endpoint
call, so a report is handled the same wherever it came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pydantic_core import PydanticSerializationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from itsm.db.base import utcnow
from itsm.diagnostics import autoticket, oneoff, storage
from itsm.diagnostics.errors import InvalidReport, ReportNotFound
from itsm.diagnostics.findings import Finding
from itsm.diagnostics.hostfacts import host_facts
from itsm.diagnostics.models import DiagnosticReport, EncodedJSON
from itsm.diagnostics.policy import check_read, check_send, sees_stored
from itsm.diagnostics.report import Report
from itsm.diagnostics.severity import Severity
from itsm.events.domain import HOST_REPORTED, DomainEvent, emit
from itsm.inventory import service as inventory
from itsm.inventory.schemas import HostFacts

if TYPE_CHECKING:  # the storing agent does not load the accounts domain
    from itsm.accounts.principal import Principal


@dataclass
class Processed:
    """What became of one report: its stored row, its host's inventory id, its tickets."""

    id: int | None  # None: a duplicate of another host's report
    report_id: str
    asset_id: int | None
    tickets: autoticket.Outcome
    duplicate: bool = False
    row: DiagnosticReport | None = field(default=None, repr=False, compare=False)
    new: tuple[Session, storage.NewRow] | None = field(default=None, repr=False, compare=False)

    @property
    def stored(self) -> DiagnosticReport:
        """The stored row (a new one is made as an object only when asked for)."""
        if self.row is None:
            assert self.new is not None
            assert self.id is not None  # not another host's copy
            self.row = storage.as_row(self.new[0], self.id, self.new[1])
        return self.row


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
    sender: Principal | None = None,
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
        sender=sender,
    )
    return processed


def process_reports(
    session: Session,
    *,
    submissions: Sequence[Submission],
    zone: ZoneInfo,
    policy: autoticket.Policy,
    tickets_enabled: bool = True,
    sender: Principal | None = None,
) -> list[Processed]:
    """:func:`process_report` for many reports in order, in the caller's transaction.

    ``sender`` is who sent them (``None``: this host's own agent); unless
    :func:`itsm.diagnostics.policy.check_send` lets them send every report (a
    host-bound agent token: only its own host's), the whole batch is refused before
    anything is read or written.

    The result is what processing them one by one would give, with the work
    batched: one query finds the report ids already stored (those, and a
    second copy within the batch, are duplicates and change nothing); the
    inventory is upserted once per machine with its reports' facts applied in
    order; the new reports are inserted by one statement (:mod:`.storage`); one
    query loads the active tickets of the batch's findings, so that the ticket
    logic runs only for reports with a problem or with a recovery to settle, and
    mostly without a query of its own.
    """
    check_send(sender, [s.report for s in submissions])
    if not submissions:
        return []
    keys = [str(s.report.report_id) for s in submissions]
    known = storage.stored(session, set(keys))
    fresh: dict[str, int] = {}  # report_id -> position of its first copy
    for position, key in enumerate(keys):
        if key not in known and key not in fresh:
            fresh[key] = position
    encoded = {key: _encoded(submissions[p].report) for key, p in fresh.items()}  # may refuse
    facts = {p: host_facts(submissions[p].report) for p in fresh.values()}
    assets = _upsert_hosts(session, [(facts[p], submissions[p].report) for p in fresh.values()])
    now = utcnow()
    rows = {
        key: _new_row(submissions[p].report, assets[facts[p].identity], encoded[key], now)
        for key, p in fresh.items()
    }
    ids, raced = storage.insert_new(session, list(rows.values()))
    known.update(raced)  # a concurrent request stored these first: duplicates now
    for key in raced:
        del fresh[key]
    for key in fresh:
        stored = rows[key]
        emit(
            session,
            DomainEvent(kind=HOST_REPORTED, asset_id=stored.asset_id, severity=stored.severity),
        )

    outcomes: dict[str, autoticket.Outcome] = {}
    if tickets_enabled and fresh:
        outcomes = _apply_tickets(session, submissions, fresh, facts, assets, zone, policy)

    results = []
    firsts: dict[str, Processed] = {}
    for key in keys:
        if key in firsts:  # a second copy of a report new in this batch
            first = firsts[key]
            results.append(replace(first, tickets=autoticket.Outcome(), duplicate=True))
        elif key in ids:
            new = rows[key]
            tickets = outcomes.get(key, autoticket.Outcome())
            firsts[key] = Processed(ids[key], key, new.asset_id, tickets, new=(session, new))
            results.append(firsts[key])
        elif sees_stored(sender, known[key].report.get("host", {})):
            row = known[key]
            results.append(
                Processed(row.id, key, row.asset_id, autoticket.Outcome(), duplicate=True, row=row)
            )
        else:  # another host's report id: a duplicate, but not a way to learn its ids
            results.append(Processed(None, key, None, autoticket.Outcome(), duplicate=True))
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


def _new_row(
    report: Report, asset_id: int | None, encoded: EncodedJSON, now: datetime
) -> storage.NewRow:
    return storage.NewRow(
        report_id=str(report.report_id),
        host=report.host.hostname,
        asset_id=asset_id,
        collected_at=report.collected_at,
        severity=report.severity,
        report=encoded,
        created_at=now,
    )


def _apply_tickets(
    session: Session,
    submissions: Sequence[Submission],
    fresh: dict[str, int],
    facts: dict[int, HostFacts],
    assets: dict[str, int],
    zone: ZoneInfo,
    policy: autoticket.Policy,
) -> dict[str, autoticket.Outcome]:
    """Open/update/resolve tickets report by report, in order, skipping the no-ops.

    The state the ticket logic reads (the active tickets of the batch's findings and
    the agent's last comment on each) is loaded once for the batch; an entry the
    batch writes is read again from the database by the next report that needs it.
    """
    plans = []
    for key, position in fresh.items():
        submission = submissions[position]
        problems, recoveries = submission.problems, submission.recoveries
        if problems is None or recoveries is None:
            problems, recoveries = oneoff.problems_and_recoveries(submission.report.checks)
        identity = facts[position].identity
        problems = [f for f in problems if f.severity.is_problem]
        troubles = {autoticket.fingerprint(identity, f) for f in problems}
        settles = {autoticket.fingerprint(identity, f) for f in recoveries}
        plans.append((key, position, problems, list(recoveries), troubles, settles))
    # The agent's account, looked up once for the batch (created if a problem needs it).
    agent = None
    if any(p[2] for p in plans):
        agent = autoticket.agent_user(session, policy.agent_username)
    known = autoticket.load_known(session, set().union(*(p[4] | p[5] for p in plans)), agent=agent)
    # Fingerprints that may have an active ticket: those that had one when the batch
    # began, plus every problem of the batch so far (a superset is safe: apply() checks).
    active = set(known.tickets)
    outcomes = {}
    for key, position, problems, recoveries, troubles, settles in plans:
        if not problems and active.isdisjoint(settles):
            continue
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
            known=known,
        )
        active |= troubles
    return outcomes


def get_report(session: Session, *, who: Principal | None, ref: str) -> DiagnosticReport:
    """A stored report by id or report UUID, if ``who`` may read reports."""
    check_read(who)
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
    who: Principal | None,
    host: str | None = None,
    severity: Severity | None = None,
    since: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Sequence[DiagnosticReport]:
    """Newest reports first, filtered by host, overall severity and time, if ``who`` may
    read reports; ``offset`` skips the newest ones (a page further back)."""
    check_read(who)
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
    return session.scalars(stmt.limit(max(1, min(limit, 1000))).offset(max(0, offset))).all()


@dataclass(frozen=True)
class HostStatus:
    """A host's latest report: its overall severity, and when it was collected."""

    host: str
    asset_id: int | None
    severity: str
    collected_at: datetime


def latest_by_host(
    session: Session, *, who: Principal | None, since: datetime | None = None
) -> list[HostStatus]:
    """Each host's latest report (collected since ``since``), by host name, if ``who``
    may read reports."""
    check_read(who)
    newest = select(
        DiagnosticReport.host, func.max(DiagnosticReport.collected_at).label("at")
    ).group_by(DiagnosticReport.host)
    if since is not None:
        newest = newest.where(DiagnosticReport.collected_at >= since)
    latest = newest.subquery()
    rows = session.execute(
        select(
            DiagnosticReport.host,
            DiagnosticReport.asset_id,
            DiagnosticReport.severity,
            DiagnosticReport.collected_at,
        )
        .join(
            latest,
            (DiagnosticReport.host == latest.c.host)
            & (DiagnosticReport.collected_at == latest.c.at),
        )
        .order_by(DiagnosticReport.host, DiagnosticReport.id.desc())
    )
    seen: dict[str, HostStatus] = {}
    for host, asset_id, severity, at in rows:  # two reports at one instant: the later stored
        seen.setdefault(host, HostStatus(host, asset_id, severity, at))
    return list(seen.values())


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
