"""One Alertmanager notification of many new alerts opens them in one go, and a
racing delivery that opened one of them meanwhile still gets every alert answered."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from itsm.config import Settings
from itsm.db.base import utcnow
from itsm.db.runtime import Database, open_database
from itsm.integrations import alertmanager
from itsm.integrations.config import AlertmanagerSettings
from itsm.integrations.schemas import Receipt, WebhookPayload
from itsm.sla.calendar_config import CalendarSettings
from itsm.sla.config import SlaSettings
from itsm.tickets.models import EventKind, Ticket, TicketComment, TicketEvent
from tests.waiting import begins_in, wait_until, waiting_on_locks

UTC = ZoneInfo("UTC")
CONFIG = AlertmanagerSettings()
SEVERITIES = ("critical", "warning", "info", None)


class RolledBack(Exception):
    pass


def _alert(instance: str, *, severity: str | None = "warning", fingerprint: bool = True) -> Any:
    labels = {"alertname": "DiskFull", "instance": instance}
    if severity is not None:
        labels["severity"] = severity
    body: dict[str, Any] = {
        "status": "firing",
        "labels": labels,
        "annotations": {"summary": f"/var on {instance} is full", "runbook_url": "https://rb/x"},
        "startsAt": "2026-03-01T10:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
    }
    if fingerprint:
        body["fingerprint"] = alertmanager.labels_fingerprint(labels)
    return body


def _payload(*alerts: Any) -> WebhookPayload:
    return WebhookPayload.model_validate(
        {
            "version": "4",
            "status": "firing",
            "receiver": "itsm",
            "externalURL": "http://alertmanager:9093",
            "alerts": list(alerts),
        }
    )


def _receive(session: Session, payload: WebhookPayload) -> Receipt:
    return alertmanager.receive(session, payload=payload, settings=CONFIG, zone=UTC)


def _snapshot(session: Session, numbers: list[str]) -> list[dict[str, Any]]:
    """What a user sees of each ticket: its fields and its audit trail."""
    rows = []
    for number in numbers:
        ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
        trail = session.execute(
            select(
                TicketEvent.kind,
                TicketEvent.field,
                TicketEvent.old_value,
                TicketEvent.new_value,
                TicketEvent.actor_id,
            )
            .where(TicketEvent.ticket_id == ticket.id)
            .order_by(TicketEvent.id)
        ).all()
        fields = ("number", "title", "description", "category", "priority", "status", "source")
        more = ("requester_id", "assignee_id", "asset_id", "fingerprint", "resolution_note")
        rows.append({f: getattr(ticket, f) for f in fields + more} | {"trail": trail})
    return rows


def _sequence(number: str) -> int:
    return int(number.rsplit("-", 1)[1])


def test_new_alerts_open_in_a_row_as_they_would_one_by_one(settings: Settings) -> None:
    alerts = [
        _alert(f"web{i}:9100", severity=SEVERITIES[i % 4], fingerprint=i != 2) for i in range(7)
    ]
    db: Database = open_database(settings)
    try:
        with db.session() as setup:  # committed: the rollback below must not take the user
            alertmanager.integration_user(setup, CONFIG.username)
        # One notification per alert, then rolled back: the numbers are given back.
        singles: list[Any] = []
        try:
            with db.session() as session:
                for one in alerts:
                    singles += _receive(session, _payload(one)).alerts
                single_rows = _snapshot(session, [str(o.ticket) for o in singles])
                raise RolledBack
        except RolledBack:
            pass
        with db.session() as session:
            together = _receive(session, _payload(*alerts)).alerts
        assert [o.action for o in together] == ["opened"] * len(alerts)
        assert together == singles  # fingerprints, names, actions, numbers: all the same
        numbers = [str(o.ticket) for o in together]
        first = _sequence(numbers[0])
        assert [_sequence(n) for n in numbers] == list(range(first, first + len(alerts)))
        with db.session(write=False) as session:
            assert _snapshot(session, numbers) == single_rows
    finally:
        db.dispose()


def test_a_racing_delivery_that_opened_one_alert_leaves_the_others_opened(
    settings: Settings, backend: str
) -> None:
    """The other replica of an HA pair opens one alert while this delivery runs.

    On PostgreSQL this delivery reads no ticket for it, waits on the racer's
    locks, and its batch of new tickets is refused by the unique index once the
    racer commits: it falls back to one by one. On SQLite it queues for the write
    lock and then sees the racer's ticket.
    """
    raced, first, last = _alert("db1:9100"), _alert("web1:9100"), _alert("web2:9100")
    db: Database = open_database(settings)
    try:
        with db.session() as setup:
            alertmanager.integration_user(setup, CONFIG.username)
        racer = db.sessions()
        try:
            [won] = _receive(racer, _payload(raced)).alerts
            assert won.action == "opened"
            answers: list[Receipt] = []
            errors: list[BaseException] = []

            def deliver() -> None:
                try:
                    with db.session() as session:
                        answers.append(_receive(session, _payload(first, raced, last)))
                except BaseException as exc:  # reported by the main thread
                    errors.append(exc)

            begins = begins_in(db.engine, "delivery")
            thread = threading.Thread(target=deliver, name="delivery")
            thread.start()
            if backend == "postgresql":
                wait_until(
                    "the delivery waits on the racer's locks",
                    lambda: (
                        not thread.is_alive() or waiting_on_locks(str(settings.database_url)) >= 1
                    ),
                )
                assert thread.is_alive(), errors
            else:
                assert begins.wait(30), errors
            racer.commit()
        finally:
            racer.close()
        thread.join(30)
        assert not thread.is_alive()
        assert errors == []
        opened_first, ignored, opened_last = answers[0].alerts
        assert (opened_first.action, ignored.action, opened_last.action) == (
            "opened",
            "ignored",
            "opened",
        )
        assert ignored.ticket == won.ticket
        assert ignored.reason == (
            f"{won.ticket} is open and was updated less than "
            f"{CONFIG.comment_interval_seconds:g} s ago"
        )
        assert won.ticket is not None
        assert opened_first.ticket is not None
        assert opened_last.ticket is not None
        assert [_sequence(opened_first.ticket), _sequence(opened_last.ticket)] == [
            _sequence(won.ticket) + 1,
            _sequence(won.ticket) + 2,
        ]
        with db.session(write=False) as session:
            fingerprints = session.scalars(select(Ticket.fingerprint).order_by(Ticket.number)).all()
            assert fingerprints == ["am:" + a["fingerprint"] for a in (raced, first, last)]
    finally:
        db.dispose()


def _written(session: Session, numbers: list[str]) -> list[dict[str, Any]]:
    """Every column of each ticket (but the trigger's ``updated_at``), its comments and
    its audit trail, a comment's event naming the comment's body rather than its id."""
    rows = []
    for number in numbers:
        ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
        columns = {
            c.key: getattr(ticket, c.key)
            for c in inspect(Ticket).column_attrs
            if c.key not in {"id", "updated_at"}
        }
        comments = dict(
            session.execute(
                select(TicketComment.id, TicketComment.body).where(
                    TicketComment.ticket_id == ticket.id
                )
            ).all()
        )
        trail = [
            (
                kind,
                field,
                old,
                comments[int(str(new))] if kind == EventKind.COMMENTED else new,
                actor,
            )
            for kind, field, old, new, actor in session.execute(
                select(
                    TicketEvent.kind,
                    TicketEvent.field,
                    TicketEvent.old_value,
                    TicketEvent.new_value,
                    TicketEvent.actor_id,
                )
                .where(TicketEvent.ticket_id == ticket.id)
                .order_by(TicketEvent.id)
            ).all()
        ]
        authors = session.scalars(
            select(TicketComment.author_id).where(TicketComment.ticket_id == ticket.id)
        ).all()
        rows.append(columns | {"comments": sorted(comments.values()), "authors": authors})
        rows[-1]["trail"] = trail
    return rows


def test_comments_and_resolutions_of_one_notification_are_those_of_one_by_one(
    settings: Settings,
) -> None:
    """Resolutions (the note, the SLA clock, the audit trail) and "still firing"
    comments written in one go equal those of one notification per alert."""
    cfg = AlertmanagerSettings(comment_interval_seconds=0)
    sla = SlaSettings(calendar=CalendarSettings(always=True))
    later = utcnow() + timedelta(hours=1)
    alerts = [_alert(f"app{i}:9100", severity=SEVERITIES[i % 4]) for i in range(6)]
    # the even ones resolve, the odd ones fire again
    again = [a | {"status": "resolved" if i % 2 == 0 else "firing"} for i, a in enumerate(alerts)]
    for a in again:
        if a["status"] == "resolved":
            a["endsAt"] = "2026-03-01T11:00:00Z"

    def receive(session: Session, *some: Any) -> list[Any]:
        payload = _payload(*some)
        return alertmanager.receive(
            session, payload=payload, settings=cfg, zone=UTC, sla=sla, now=later
        ).alerts

    db: Database = open_database(settings)
    try:
        with db.session() as session:
            numbers = [str(o.ticket) for o in receive(session, *alerts)]
        singles: list[Any] = []
        try:
            with db.session() as session:
                for one in again:
                    singles += receive(session, one)
                single_rows = _written(session, numbers)
                raise RolledBack
        except RolledBack:
            pass
        with db.session() as session:
            together = receive(session, *again)
        assert [o.action for o in together] == ["resolved", "commented"] * 3
        assert together == singles
        with db.session(write=False) as session:
            rows = _written(session, numbers)
        assert rows == single_rows
        assert rows[0]["status"] == "resolved"
        assert rows[0]["resolution_note"].startswith(alertmanager.RESOLVED_PREFIX)
        assert rows[0]["sla_paused_at"] is not None
        assert rows[1]["comments"][0].startswith("Still firing")
    finally:
        db.dispose()
