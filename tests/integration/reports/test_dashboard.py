"""The live dashboard's figures, read off the services that own them, on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from itsm.accounts.principal import Principal
from itsm.db.base import utcnow
from itsm.diagnostics import service as diagnostics
from itsm.diagnostics.severity import Severity
from itsm.errors import Forbidden
from itsm.reports.dashboard import TREND_DAYS, dashboard
from itsm.reports.service import service_report
from itsm.sla import service as sla
from itsm.tickets import creation
from itsm.tickets import service as tickets
from itsm.tickets.models import Status
from itsm.tickets.schemas import TicketCreate
from tests.factories import UTC, make_ticket, make_user
from tests.integration.diag_tickets import support
from tests.integration.lifecycle.support import ALWAYS


def _create(
    session: Session, requester_id: int, priority: str, *, now: datetime | None = None
) -> int:
    data = TicketCreate.model_validate(
        {
            "title": "t",
            "description": "d",
            "category": "network",
            "priority": priority,
            "requester_id": requester_id,
        }
    )
    ticket = creation.create_ticket(session, data=data, actor=None, zone=UTC, sla=ALWAYS, now=now)
    return ticket.id


def test_the_dashboard_counts_the_queue_and_reads_the_reports(session: Session) -> None:
    tech = make_user(session, role="technician")
    staff = Principal(user=tech)
    requester = make_user(session)
    now = utcnow()
    _create(session, requester.id, "critical", now=now - timedelta(days=2))  # breached
    fresh = _create(session, requester.id, "high")
    tickets.assign(session, ref=fresh, assignee_ref=tech.id, actor=tech)
    tickets.change_status(session, ref=fresh, status=Status.IN_PROGRESS, actor=tech)
    sla.tick(session, sla=ALWAYS)  # the late ticket's targets are missed: breaches now
    support.process(session, support.host("pc-dash"), support.disk(Severity.CRITICAL, 97.0))
    session.flush()

    figures = dashboard(session, who=staff, now=utcnow(), zone=UTC)

    assert figures.active["open"]["critical"] >= 1
    assert figures.active["in_progress"]["high"] >= 1
    assert set(figures.active) == {"open", "in_progress", "pending"}
    assert figures.unassigned >= 2  # the late one and the disk alert's ticket
    assert figures.breached_today >= 2  # first response and resolution of the late one
    loads = {t.user_id: t.active for t in figures.technicians}
    assert loads[tech.id] == 1
    assert [h.severity for h in figures.hosts if h.host == "pc-dash"] == ["critical"]
    assert len(figures.days) == TREND_DAYS
    assert figures.days[-1].day == figures.at.astimezone(UTC).date()
    assert set(figures.periods) == {"today", "7d", "30d"}
    # each period's figures are its service report's
    week = service_report(session, start=figures.periods["7d"].start, end=figures.periods["7d"].end)
    assert figures.periods["7d"].resolution_sla_percent == week.resolution_sla.percent_met
    assert (
        figures.days[-3].opened
        == service_report(
            session,
            start=figures.periods["today"].start - timedelta(days=2),
            end=figures.periods["today"].start - timedelta(days=1),
        ).opened
    )
    assert figures.days[-3].opened >= 1  # the late ticket

    due = tickets.get_ticket(session, ref=fresh).due_at
    assert due is not None
    soon = dashboard(session, who=staff, now=due - timedelta(minutes=30), zone=UTC)
    assert soon.due_within_hour >= 1


def test_due_within_the_hour_is_the_queues_due_time(session: Session) -> None:
    """Not yet answered: the first response's due time counts, not the resolution's."""
    staff = Principal(user=make_user(session, role="technician"))
    waiting = tickets.get_ticket(session, ref=_create(session, make_user(session).id, "low"))
    first, last = waiting.first_response_due_at, waiting.resolution_due_at
    assert first is not None
    assert last is not None
    assert last - first > timedelta(hours=2)
    assert waiting.due_at == first
    before_first = dashboard(session, who=staff, now=first - timedelta(minutes=30), zone=UTC)
    assert before_first.due_within_hour == 1
    before_last = dashboard(session, who=staff, now=last - timedelta(minutes=30), zone=UTC)
    assert before_last.due_within_hour == 0


def test_end_users_may_not_read_the_dashboard(session: Session) -> None:
    user = make_user(session)
    make_ticket(session, requester=user)
    with pytest.raises(Forbidden):
        dashboard(session, who=Principal(user=user), now=utcnow(), zone=UTC)
    with pytest.raises(Forbidden):
        diagnostics.latest_by_host(session, who=Principal(user=user))
