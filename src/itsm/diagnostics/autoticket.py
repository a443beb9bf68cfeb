"""Findings become tickets: open once, remind rarely, escalate, resolve on recovery.

One ticket per (host, check, subject) is kept active at a time. The database
enforces it (a partial unique index on ``tickets.fingerprint`` over active
tickets), so two runs racing on the same finding still end with one ticket:
the loser's insert fails and it comments on the winner's ticket instead.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload

from itsm.db.base import utcnow
from itsm.diagnostics.config import DiagnosticsSettings
from itsm.diagnostics.findings import Finding
from itsm.diagnostics.rules import ticket_fields_for
from itsm.sla.config import SlaSettings
from itsm.tickets import creation
from itsm.tickets import service as tickets
from itsm.tickets.errors import DuplicateFingerprint
from itsm.tickets.models import ACTIVE_STATUSES, Priority, Source, Status, Ticket, TicketComment
from itsm.tickets.schemas import CommentCreate, TicketCreate, TicketUpdate
from itsm.users import service as users
from itsm.users.errors import UsernameTaken, UserNotFound
from itsm.users.models import Role, User
from itsm.users.schemas import UserCreate

_SEVERITY_PREFIX = re.compile(r"^\[(?:WARNING|CRITICAL|UNKNOWN)\] ")


class RecoveryAction(StrEnum):
    RESOLVE = "resolve"
    COMMENT = "comment"


@dataclass(frozen=True)
class Policy:
    comment_interval: timedelta = timedelta(hours=1)
    on_recovery: RecoveryAction = RecoveryAction.RESOLVE
    agent_username: str = "itsm-agent"
    sla: SlaSettings | None = None


def policy_from(settings: DiagnosticsSettings, sla: SlaSettings | None = None) -> Policy:
    cfg = settings.tickets
    return Policy(
        sla=sla,
        comment_interval=timedelta(seconds=cfg.comment_interval_seconds),
        on_recovery=RecoveryAction(cfg.on_recovery),
        agent_username=cfg.agent_username,
    )


@dataclass
class Outcome:
    opened: list[str] = field(default_factory=list)
    commented: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)

    def count(self) -> int:
        return len(self.opened) + len(self.commented) + len(self.escalated) + len(self.resolved)

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "opened": self.opened,
            "commented": self.commented,
            "escalated": self.escalated,
            "resolved": self.resolved,
        }


def fingerprint(host_identity: str, finding: Finding) -> str:
    """Stable id of a condition on a host: ``diag:`` + SHA-1 of host, check and subject."""
    raw = f"{host_identity}\x1f{finding.check.value}\x1f{finding.subject}"
    return "diag:" + hashlib.sha1(raw.encode("utf-8"), usedforsecurity=False).hexdigest()


def agent_user(session: Session, username: str) -> User:
    """The account diagnostics tickets are requested by; created on first use, as a
    system account (:attr:`User.system`: no one's to list, assign or notify)."""
    try:
        return users.get_user(session, ref=username)
    except UserNotFound:
        data = UserCreate(username=username, full_name="Diagnostics agent", role=Role.USER)
    try:
        with session.begin_nested():
            return users.create_user(session, data=data, system=True)
    except (IntegrityError, UsernameTaken):  # a racing run created it first: use theirs
        return users.get_user(session, ref=username)


@dataclass
class Known:
    """Ticket state a batch of reports loaded up front, so each report need not query it.

    ``covered`` fingerprints have their state here: their active ticket in
    ``tickets``, or none if absent. ``notices`` holds the agent's last comment
    time per ticket. An entry is forgotten as soon as the batch writes to it, so
    that the next report reads it from the database, as it would on its own.
    """

    tickets: dict[str, Ticket] = field(default_factory=dict)
    covered: set[str] = field(default_factory=set)
    notices: dict[int, datetime | None] = field(default_factory=dict)

    def forget(self, fp: str, ticket: Ticket | None) -> None:
        self.covered.discard(fp)
        self.tickets.pop(fp, None)
        if ticket is not None:
            self.notices.pop(ticket.id, None)


def load_known(session: Session, fingerprints: Iterable[str], *, agent: User | None) -> Known:
    """The active tickets of ``fingerprints`` and, given the agent, its last comment on
    each of them: a query each."""
    known = Known(covered=set(fingerprints))
    if not known.covered:
        return known
    wanted = sorted(known.covered)
    # The values are written into the SQL (literal_execute), not bound: a batch has about
    # a thousand, and a parameter each cost the driver more than the query itself.
    chunks = [
        Ticket.fingerprint.in_(
            bindparam("fps", wanted[start : start + 1000], expanding=True, literal_execute=True)
        )
        & Ticket.status.in_(ACTIVE_STATUSES)
        for start in range(0, len(wanted), 1000)
    ]
    for where in chunks:
        found = session.scalars(select(Ticket).where(where).options(lazyload("*")))
        known.tickets.update((t.fingerprint, t) for t in found if t.fingerprint)
    if agent is not None and known.tickets:
        ids = [t.id for t in known.tickets.values()]
        known.notices = dict.fromkeys(ids, None)
        last = session.execute(
            select(TicketComment.ticket_id, func.max(TicketComment.created_at))
            .where(TicketComment.ticket_id.in_(ids), TicketComment.author_id == agent.id)
            .group_by(TicketComment.ticket_id)
        )
        known.notices.update((ticket_id, at) for ticket_id, at in last)
    return known


def active_ticket(session: Session, fp: str) -> Ticket | None:
    return session.scalar(
        select(Ticket).where(Ticket.fingerprint == fp, Ticket.status.in_(ACTIVE_STATUSES))
    )


def apply(
    session: Session,
    *,
    host: str,
    host_identity: str,
    asset_id: int | None,
    problems: Iterable[Finding],
    recoveries: Iterable[Finding],
    policy: Policy,
    zone: ZoneInfo,
    now: datetime | None = None,
    agent: User | None = None,
    known: Known | None = None,
) -> Outcome:
    """Open or update a ticket per problem, and settle the tickets of recoveries.

    ``agent`` is the account of :func:`agent_user`, when the caller has it already;
    ``known`` the state a batch loaded with :func:`load_known` (kept up to date here).
    """
    now = now or utcnow()
    problems = [f for f in problems if f.severity.is_problem]
    recoveries = list(recoveries)
    outcome = Outcome()
    wanted = {fingerprint(host_identity, f) for f in [*problems, *recoveries]}
    if not wanted:
        return outcome
    if known is not None and wanted <= known.covered:
        open_tickets = {fp: known.tickets[fp] for fp in wanted if fp in known.tickets}
    else:
        # One indexed query finds every active ticket this run may touch; the people on
        # them are loaded only if a change needs them (mostly there is nothing to do).
        open_tickets = {
            t.fingerprint: t
            for t in session.scalars(
                select(Ticket)
                .where(Ticket.fingerprint.in_(wanted), Ticket.status.in_(ACTIVE_STATUSES))
                .options(lazyload("*"))
            )
            if t.fingerprint
        }
    if not problems and not open_tickets:
        return outcome  # all healthy and nothing to settle: touch nothing
    agent = agent or agent_user(session, policy.agent_username)
    notices = known.notices if known is not None else {}
    for finding in problems:
        fp = fingerprint(host_identity, finding)
        ticket = open_tickets.get(fp)
        changes = outcome.count()
        _problem(
            session,
            finding,
            ticket,
            host,
            host_identity,
            asset_id,
            agent,
            policy,
            zone,
            now,
            outcome,
            notices,
        )
        if known is not None and (ticket is None or outcome.count() != changes):
            known.forget(fp, ticket)
    for finding in recoveries:
        fp = fingerprint(host_identity, finding)
        ticket = open_tickets.get(fp)
        if ticket is not None:
            _recovery(session, finding, ticket, agent, policy, outcome)
            if known is not None:
                known.forget(fp, ticket)
    return outcome


def _problem(
    session: Session,
    finding: Finding,
    ticket: Ticket | None,
    host: str,
    host_identity: str,
    asset_id: int | None,
    agent: User,
    policy: Policy,
    zone: ZoneInfo,
    now: datetime,
    outcome: Outcome,
    notices: dict[int, datetime | None],
) -> None:
    fp = fingerprint(host_identity, finding)
    category, priority = ticket_fields_for(finding)
    if ticket is None:
        data = TicketCreate(
            title=_title(host, finding),
            description=_description(host, finding),
            category=category,
            priority=priority,
            requester_id=agent.id,
            asset_id=asset_id,
            source=Source.DIAGNOSTIC,
            fingerprint=fp,
        )
        try:
            created = creation.create_ticket(
                session, data=data, actor=agent, zone=zone, sla=policy.sla
            )
            outcome.opened.append(created.number)
            return
        except DuplicateFingerprint:
            ticket = active_ticket(session, fp)
            if ticket is None:  # resolved in the meantime: nothing left to update
                return
    wanted = Priority(priority)
    if wanted.rank < Priority(ticket.priority).rank:
        # Keep the agent's "[SEVERITY]" title prefix true; a title a person rewrote stays.
        title = _SEVERITY_PREFIX.sub(f"[{finding.severity.upper()}] ", ticket.title, count=1)
        tickets.update_ticket(
            session, ref=ticket.id, data=TicketUpdate(priority=wanted, title=title), actor=agent
        )
        _comment(
            session, ticket, agent, f"Worsened to {finding.severity.upper()}: {finding.message}"
        )
        outcome.escalated.append(ticket.number)
        return
    if ticket.id in notices:  # loaded for the batch, and not written since
        last = notices[ticket.id]
    else:
        last = session.scalar(
            select(func.max(TicketComment.created_at)).where(
                TicketComment.ticket_id == ticket.id, TicketComment.author_id == agent.id
            )
        )
    last_notice = max(filter(None, [last, ticket.created_at]))
    if now - last_notice >= policy.comment_interval:
        _comment(session, ticket, agent, f"Still {finding.severity.upper()}: {finding.message}")
        outcome.commented.append(ticket.number)


def _recovery(
    session: Session,
    finding: Finding,
    ticket: Ticket,
    agent: User,
    policy: Policy,
    outcome: Outcome,
) -> None:
    if policy.on_recovery is RecoveryAction.COMMENT and _said_recovered(session, ticket, agent):
        return  # the ticket stays open for a technician; say "recovered" once, not every run
    _comment(session, ticket, agent, f"Recovered: {finding.message}")
    if policy.on_recovery is RecoveryAction.RESOLVE:
        tickets.change_status(
            session,
            ref=ticket.id,
            status=Status.RESOLVED,
            actor=agent,
            note=f"Recovered: {finding.message}",
            sla=policy.sla,
        )
        outcome.resolved.append(ticket.number)
    else:
        outcome.commented.append(ticket.number)


def _said_recovered(session: Session, ticket: Ticket, agent: User) -> bool:
    """Whether the agent's latest comment on ``ticket`` already reports a recovery."""
    body = session.scalar(
        select(TicketComment.body)
        .where(TicketComment.ticket_id == ticket.id, TicketComment.author_id == agent.id)
        .order_by(TicketComment.created_at.desc(), TicketComment.id.desc())
        .limit(1)
    )
    return body is not None and body.startswith("Recovered: ")


def _comment(session: Session, ticket: Ticket, agent: User, body: str) -> None:
    tickets.add_comment(session, ref=ticket.id, data=CommentCreate(body=body[:60_000]), actor=agent)


def _title(host: str, finding: Finding) -> str:
    subject = (
        f" {finding.subject}" if finding.subject and finding.subject != finding.check.value else ""
    )
    return f"[{finding.severity.upper()}] {host}: {finding.check.value}{subject}"[:200]


def _description(host: str, finding: Finding) -> str:
    lines = [
        f"The diagnostics agent found a {finding.severity} condition on {host}.",
        "",
        f"- check: {finding.check.value}",
        f"- subject: {finding.subject}",
        f"- finding: {finding.message}",
    ]
    if finding.value is not None:
        lines.append(f"- measured: {finding.value} {finding.unit}".rstrip())
    if finding.threshold is not None:
        lines.append(f"- threshold: {finding.threshold} {finding.unit}".rstrip())
    lines += ["", "This ticket is updated by the agent and resolved when the condition clears."]
    return "\n".join(lines)
