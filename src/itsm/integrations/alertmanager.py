"""Prometheus Alertmanager notifications become tickets, one per alert, never two.

A firing alert opens a ticket (source ``alert``, fingerprint ``am:`` + the
alert's fingerprint); while that ticket is active, later notifications of the
same alert add at most one "still firing" comment per ``comment_interval``
(Alertmanager repeats every firing alert of a group whenever the group
changes); a resolved alert resolves it with a resolution note.

Alertmanager in HA mode sends the same notification from every replica at
once. One ticket per alert is kept by the database, not by a check-then-insert:
the partial unique index on ``tickets.fingerprint`` over active tickets refuses
a second one, :func:`itsm.tickets.creation.create_tickets` turns that refusal
(inside a savepoint) into :class:`DuplicateFingerprint`, the loser opens its
alerts one by one instead of all at once, and settles for the winner's tickets.
On SQLite, write transactions begin with ``BEGIN IMMEDIATE`` and simply queue.

Lock order, so that racing notifications cannot deadlock on PostgreSQL: first
every new ticket is inserted (each insert holds the day's number counter until
commit), then the existing tickets are locked in one statement, in id order,
to comment on or resolve them. The "still firing" rate limit and the "still
active" check are read after the row locks, so racing deliveries comment once
and resolve once. An alert listed twice in one notification counts once, in
its last state. A notification costs a few flushes, whatever its size: its new
tickets are written in one, and so are its comments and its resolutions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from itsm.accounts import policy
from itsm.accounts.models import TokenScope
from itsm.accounts.service import Principal
from itsm.db.base import utcnow
from itsm.errors import Forbidden
from itsm.integrations.config import AlertmanagerSettings
from itsm.integrations.errors import HostBoundToken
from itsm.integrations.schemas import (
    Alert,
    AlertAction,
    AlertOutcome,
    AlertStatus,
    Receipt,
    WebhookPayload,
)
from itsm.sla.config import SlaSettings
from itsm.tickets import creation
from itsm.tickets import service as tickets
from itsm.tickets.errors import DuplicateFingerprint
from itsm.tickets.models import (
    ACTIVE_STATUSES,
    Category,
    Priority,
    Source,
    Status,
    Ticket,
    TicketComment,
)
from itsm.tickets.schemas import MAX_TITLE, CommentCreate, TicketCreate
from itsm.users import service as users
from itsm.users.errors import UsernameTaken, UserNotFound
from itsm.users.models import Role, User
from itsm.users.schemas import UserCreate

FINGERPRINT_PREFIX = "am:"
RESOLVED_PREFIX = "Resolved in Alertmanager"
_MAX_TEXT_BYTES = 60_000  # under the 64 KiB a ticket description or comment may hold
_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211
_SEPARATOR = 0xFF
_MASK = (1 << 64) - 1


def labels_fingerprint(labels: Mapping[str, str]) -> str:
    """Alertmanager's own fingerprint of a label set (FNV-1a 64 of the sorted labels).

    Prometheus' ``model.LabelSet.Fingerprint``: for each label name in byte order,
    the name, a 0xFF byte, the value and a 0xFF byte; printed as 16 hex digits. So
    an alert sent without a fingerprint gets the one Alertmanager would give it.
    """
    value = _FNV_OFFSET
    for name in sorted(labels, key=lambda n: n.encode("utf-8", "replace")):
        for part in (name, labels[name]):
            for byte in part.encode("utf-8", "replace"):
                value = ((value ^ byte) * _FNV_PRIME) & _MASK
            value = ((value ^ _SEPARATOR) * _FNV_PRIME) & _MASK
    return f"{value:016x}"


def ticket_fingerprint(alert: Alert) -> str:
    """``am:`` + the alert's fingerprint (or, when it has none, its labels')."""
    return FINGERPRINT_PREFIX + (alert.fingerprint or labels_fingerprint(alert.labels))


def priority_of(alert: Alert, settings: AlertmanagerSettings) -> Priority:
    """The ticket priority of the alert's ``severity`` label (see the settings' mapping)."""
    severity = alert.labels.get("severity", "").strip().lower()
    return Priority(settings.severity_priorities.get(severity, settings.default_priority))


def integration_user(session: Session, username: str) -> User:
    """The account alert tickets are requested by; created on first use (race-safe)."""
    try:
        return users.get_user(session, ref=username)
    except UserNotFound:
        data = UserCreate(username=username, full_name="Prometheus Alertmanager", role=Role.USER)
    try:
        with session.begin_nested():
            return users.create_user(session, data=data)
    except (IntegrityError, UsernameTaken):  # a racing request created it first: use theirs
        return users.get_user(session, ref=username)


@dataclass(frozen=True)
class _Item:
    index: int
    alert: Alert
    fingerprint: str

    @property
    def firing(self) -> bool:
        return self.alert.status is AlertStatus.FIRING

    def outcome(
        self, action: AlertAction, ticket: Ticket | None = None, reason: str | None = None
    ) -> AlertOutcome:
        return AlertOutcome(
            fingerprint=self.fingerprint,
            alertname=_clean(name) if (name := self.alert.labels.get("alertname")) else name,
            status=self.alert.status,
            action=action,
            ticket=ticket.number if ticket is not None else None,
            reason=reason,
        )


def require_sender(who: Principal) -> None:
    """Alerts come from an agent token bound to no host with the ``alerts`` scope
    (``itsm token create --agent --scope alerts``) or staff's token.

    A host-bound agent token (``--agent --host``) may send that one machine's
    diagnostic reports only: alerts speak for any machine Prometheus watches, so such
    a token, copied from its host, would otherwise still open tickets about others.
    """
    if not (who.is_agent or who.user.is_staff):
        raise Forbidden("only agent tokens and technicians' or admins' tokens may send alerts")
    if who.is_agent and who.bound_host is not None:
        raise HostBoundToken(
            f"this agent token is bound to host {who.bound_host!r}; "
            "Alertmanager needs an agent token bound to no host"
        )
    policy.check_scope(who, TokenScope.ALERTS)


def receive(
    session: Session,
    *,
    payload: WebhookPayload,
    settings: AlertmanagerSettings,
    zone: ZoneInfo,
    sla: SlaSettings | None = None,
    now: datetime | None = None,
) -> Receipt:
    """Open, comment on or resolve one ticket per alert of the notification."""
    now = now or utcnow()
    items = [_Item(i, a, ticket_fingerprint(a)) for i, a in enumerate(payload.alerts)]
    outcomes: dict[int, AlertOutcome] = {}
    latest = {item.fingerprint: item for item in items}  # an alert sent twice: its last state
    for item in items:
        if latest[item.fingerprint] is not item:
            outcomes[item.index] = item.outcome(
                AlertAction.IGNORED, reason="sent again later in this notification"
            )
    work = list(latest.values())
    active = _active_tickets(session, latest.keys())
    if not active and not any(item.firing for item in work):
        # Only resolved alerts, none with a ticket: touch nothing (not even the user).
        for item in work:
            outcomes[item.index] = item.outcome(AlertAction.IGNORED, reason=_NO_TICKET)
        return _receipt(payload, outcomes)
    user = integration_user(session, settings.username)
    fresh = [item for item in work if item.firing and item.fingerprint not in active]
    opened = _open(session, fresh, payload, user, settings, zone, sla)  # first every insert
    later: list[_Item] = []
    for item in work:
        created = opened.get(item.fingerprint)
        if created is not None:
            outcomes[item.index] = item.outcome(AlertAction.OPENED, created)
            continue
        if item.fingerprint in opened:  # a racing delivery opened it first
            winner = _active_tickets(session, [item.fingerprint]).get(item.fingerprint)
            if winner is None:  # opened and already resolved by racing notifications
                outcomes[item.index] = item.outcome(
                    AlertAction.IGNORED, reason="its ticket was opened and resolved meanwhile"
                )
                continue
            active[item.fingerprint] = winner
        later.append(item)
    # then every existing ticket, locked in id order, and read again under the lock
    locked = tickets.get_tickets_for_update(
        session, ids=[active[i.fingerprint].id for i in later if i.fingerprint in active]
    )
    notices = _last_notices(session, locked.values(), user)
    writes = _Writes()
    for item in later:
        found = active.get(item.fingerprint)
        ticket = locked.get(found.id) if found is not None else None
        if ticket is None:
            outcomes[item.index] = item.outcome(AlertAction.IGNORED, reason=_NO_TICKET)
        elif Status(ticket.status) not in ACTIVE_STATUSES:
            outcomes[item.index] = item.outcome(
                AlertAction.IGNORED, ticket, f"{ticket.number} is {ticket.status} already"
            )
        elif item.firing:
            outcomes[item.index] = _remind(item, ticket, notices[ticket.id], settings, now, writes)
        else:
            outcomes[item.index] = _settle(item, ticket, notices[ticket.id], settings, writes)
    # each ticket gets one write at most: the comments, then the resolutions, each in one go
    if writes.comments:
        tickets.add_comments(session, comments=writes.comments, actor=user)
    if writes.resolutions:
        tickets.change_statuses(
            session,
            notes=writes.resolutions,
            status=Status.RESOLVED,
            actor=user,
            sla=sla,
            now=now,
        )
    return _receipt(payload, outcomes)


_NO_TICKET = "no active ticket for this alert"


def _receipt(payload: WebhookPayload, outcomes: Mapping[int, AlertOutcome]) -> Receipt:
    return Receipt(
        alerts=[outcomes[i] for i in range(len(payload.alerts))],
        truncated_alerts=payload.truncated_alerts,
    )


def _active_tickets(session: Session, fingerprints: Iterable[str]) -> dict[str, Ticket]:
    wanted = set(fingerprints)
    if not wanted:
        return {}
    rows = session.scalars(
        select(Ticket).where(Ticket.fingerprint.in_(wanted), Ticket.status.in_(ACTIVE_STATUSES))
    )
    return {t.fingerprint: t for t in rows.unique() if t.fingerprint is not None}


@dataclass(frozen=True)
class _Notice:
    """When the integration last wrote on a ticket (its creation counts), and what."""

    at: datetime
    body: str | None

    @property
    def said_resolved(self) -> bool:
        return self.body is not None and self.body.startswith(RESOLVED_PREFIX)


def _last_notices(session: Session, found: Iterable[Ticket], user: User) -> dict[int, _Notice]:
    """The integration's latest comment on each ticket, in one query."""
    by_id = {t.id: t for t in found}
    notices = {t.id: _Notice(t.created_at, None) for t in by_id.values()}
    if not by_id:
        return notices
    latest = (
        select(func.max(TicketComment.id))
        .where(TicketComment.ticket_id.in_(by_id), TicketComment.author_id == user.id)
        .group_by(TicketComment.ticket_id)
    )
    rows = session.execute(
        select(TicketComment.ticket_id, TicketComment.created_at, TicketComment.body).where(
            TicketComment.id.in_(latest)
        )
    )
    for ticket_id, at, body in rows:
        if at >= by_id[ticket_id].created_at:
            notices[ticket_id] = _Notice(at, body)
    return notices


def _open(
    session: Session,
    items: list[_Item],
    payload: WebhookPayload,
    user: User,
    settings: AlertmanagerSettings,
    zone: ZoneInfo,
    sla: SlaSettings | None,
) -> dict[str, Ticket | None]:
    """A new ticket per firing alert (by fingerprint), ``None`` where a racing delivery
    opened it first.

    All in one go, numbered in a row; if a racing delivery (the other replica of an
    HA pair) opened one of them meanwhile, the batch is refused whole, and the alerts
    are opened one by one, each settling for the winner's ticket where it lost.
    """
    data = {item.fingerprint: _ticket_data(item, payload, user, settings) for item in items}
    try:
        created = creation.create_tickets(
            session, items=list(data.values()), actor=user, zone=zone, sla=sla
        )
        return dict(zip(data, created, strict=True))
    except DuplicateFingerprint:
        pass
    opened: dict[str, Ticket | None] = {}
    for fingerprint, one in data.items():
        try:
            opened[fingerprint] = creation.create_ticket(
                session, data=one, actor=user, zone=zone, sla=sla
            )
        except DuplicateFingerprint:
            opened[fingerprint] = None
    return opened


def _ticket_data(
    item: _Item, payload: WebhookPayload, user: User, settings: AlertmanagerSettings
) -> TicketCreate:
    return TicketCreate(
        title=_title(item),
        description=_description(item, payload, settings),
        category=Category(settings.category),
        priority=priority_of(item.alert, settings),
        requester_id=user.id,
        source=Source.ALERT,
        fingerprint=item.fingerprint,
    )


@dataclass
class _Writes:
    """What a notification writes on existing tickets, gathered to write in one go."""

    comments: list[tuple[int, CommentCreate]] = field(default_factory=list)
    resolutions: dict[int, str] = field(default_factory=dict)  # ticket id -> resolution note

    def comment(self, ticket: Ticket, body: str) -> None:
        self.comments.append((ticket.id, CommentCreate(body=_clip(body))))


def _remind(
    item: _Item,
    ticket: Ticket,
    notice: _Notice,
    settings: AlertmanagerSettings,
    now: datetime,
    writes: _Writes,
) -> AlertOutcome:
    what = _summary(item)
    if notice.said_resolved:
        writes.comment(ticket, f"Firing again{_since(item.alert.starts_at)}: {what}")
        return item.outcome(AlertAction.COMMENTED, ticket)
    interval = timedelta(seconds=settings.comment_interval_seconds)
    # ``at`` may follow ``now``: the ticket a racing delivery opened while this one waited.
    if interval and now - notice.at < interval:
        return item.outcome(
            AlertAction.IGNORED,
            ticket,
            f"{ticket.number} is open and was updated less than "
            f"{settings.comment_interval_seconds:g} s ago",
        )
    writes.comment(ticket, f"Still firing{_since(item.alert.starts_at)}: {what}")
    return item.outcome(AlertAction.COMMENTED, ticket)


def _settle(
    item: _Item,
    ticket: Ticket,
    notice: _Notice,
    settings: AlertmanagerSettings,
    writes: _Writes,
) -> AlertOutcome:
    ended = item.alert.ends_at
    note = f"{RESOLVED_PREFIX}{f' at {_when(ended)}' if ended else ''}: {_summary(item)}"
    if settings.on_resolved == "resolve":
        writes.resolutions[ticket.id] = _clip(note)
        return item.outcome(AlertAction.RESOLVED, ticket)
    if notice.said_resolved:
        return item.outcome(AlertAction.IGNORED, ticket, "the resolution is noted already")
    writes.comment(ticket, note)  # the ticket stays open for a technician
    return item.outcome(AlertAction.COMMENTED, ticket)


# Text of tickets and comments --------------------------------------------------------


def _clean(text: str) -> str:
    """Text every database stores: no NUL (PostgreSQL refuses it), no lone surrogates."""
    return text.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def _clip(text: str, limit: int = _MAX_TEXT_BYTES) -> str:
    raw = _clean(text).encode("utf-8")
    if len(raw) <= limit:
        return raw.decode("utf-8")
    return raw[: limit - 3].decode("utf-8", "ignore") + "..."


def _one_line(text: str) -> str:
    return " ".join(_clean(text).split())


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")  # the schema gives UTC


def _since(moment: datetime | None) -> str:
    return f" (since {_when(moment)})" if moment else ""


def _summary(item: _Item) -> str:
    """The alert in one line: its summary annotation, else its name, else its fingerprint."""
    labels, annotations = item.alert.labels, item.alert.annotations
    return (
        _one_line(annotations.get("summary", ""))
        or _one_line(labels.get("alertname", ""))
        or f"alert {item.fingerprint}"
    )


def _title(item: _Item) -> str:
    name = _one_line(item.alert.labels.get("alertname", ""))
    summary = _summary(item)
    title = f"{name}: {summary}" if name and name.lower() not in summary.lower() else summary
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 3].rstrip() + "..."


def _description(item: _Item, payload: WebhookPayload, settings: AlertmanagerSettings) -> str:
    alert = item.alert
    name = _one_line(alert.labels.get("alertname", ""))
    lines = [f"Prometheus Alertmanager reports a firing alert{f' ({name})' if name else ''}.", ""]
    for key in ("summary", "description"):
        text = _clean(alert.annotations.get(key, "")).strip()
        if text:
            lines += [text, ""]
    lines.append("Labels:")
    lines += [f"- {_one_line(k)}: {_one_line(v)}" for k, v in sorted(alert.labels.items())]
    others = {k: v for k, v in alert.annotations.items() if k not in {"summary", "description"}}
    if others:
        lines += ["", "Annotations:"]
        lines += [f"- {_one_line(k)}: {_one_line(v)}" for k, v in sorted(others.items())]
    details = [
        ("started", _when(alert.starts_at) if alert.starts_at else ""),
        ("source", alert.generator_url),
        ("Alertmanager", payload.external_url),
        ("receiver", payload.receiver),
        ("alert fingerprint", item.fingerprint.removeprefix(FINGERPRINT_PREFIX)),
    ]
    lines.append("")
    lines += [f"- {label}: {_one_line(value)}" for label, value in details if value.strip()]
    ending = (
        "resolved when the alert resolves"
        if settings.on_resolved == "resolve"
        else "told when the alert resolves"
    )
    lines += ["", f"This ticket is updated by Alertmanager notifications and {ending}."]
    return _clip("\n".join(lines))
