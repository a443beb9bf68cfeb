"""The SLA clock stored on a ticket: due times at creation, on a priority change,
and exact values when the clock pauses while pending and resumes afterwards."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from itsm.sla import service as sla_service
from itsm.sla.config import PRIORITIES, EscalationSettings, SlaSettings
from itsm.tickets import creation
from itsm.tickets import service as tickets
from itsm.tickets.models import Status
from itsm.tickets.schemas import CommentCreate, TicketCreate, TicketUpdate

from .support import (
    ALWAYS,
    OFFICE,
    T0,
    ZONE,
    Desk,
    calendar,
    clock_of,
    kinds,
    madrid,
    minutes,
    stored_clock,
    ticket_at,
)

MON, TUE = date(2026, 1, 12), date(2026, 1, 13)
FRI_BEFORE_HOLIDAY, MON_BEFORE_HOLIDAY, WED_AFTER_HOLIDAY = (
    date(2026, 1, 2),
    date(2026, 1, 5),
    date(2026, 1, 7),
)
FRI = date(2026, 1, 9)


@pytest.mark.parametrize("sla", [ALWAYS, OFFICE], ids=["24x7", "madrid-office"])
@pytest.mark.parametrize("priority", PRIORITIES)
def test_create_sets_due_and_warning_times_from_the_priority_target(
    session: Session, desk: Desk, priority: str, sla: SlaSettings
) -> None:
    data = TicketCreate(
        title="Laptop will not boot",
        category="hardware",
        priority=priority,
        requester_id=desk.requester.id,
    )
    ticket = creation.create_ticket(session, data=data, actor=desk.requester, zone=ZONE, sla=sla)
    target = sla.targets[priority]
    fr, res = minutes(target.first_response_minutes), minutes(target.resolution_minutes)
    cal, start = calendar(sla), ticket.created_at
    expected = (
        cal.add(start, fr * 0.8),
        cal.add(start, fr),
        cal.add(start, res * 0.8),
        cal.add(start, res),
    )
    assert clock_of(ticket) == expected
    assert stored_clock(session, ticket) == expected
    if sla.calendar.always:
        assert expected == (start + fr * 0.8, start + fr, start + res * 0.8, start + res)
    assert ticket.sla_paused_at is None
    assert ticket.first_response_at is None


def test_default_targets_grow_from_critical_to_low(session: Session, desk: Desk) -> None:
    spans = []
    for priority in PRIORITIES:
        data = TicketCreate(
            title="t", category="other", priority=priority, requester_id=desk.requester.id
        )
        t = creation.create_ticket(session, data=data, actor=None, zone=ZONE, sla=ALWAYS)
        assert t.first_response_due_at is not None
        assert t.resolution_due_at is not None
        spans.append((t.first_response_due_at - t.created_at, t.resolution_due_at - t.created_at))
    assert spans == sorted(spans)
    assert spans[0] == (minutes(30), minutes(240))


@pytest.mark.parametrize("sla", [None, SlaSettings(enabled=False)], ids=["none", "disabled"])
def test_no_clock_without_sla(session: Session, desk: Desk, sla: SlaSettings | None) -> None:
    data = TicketCreate(title="t", category="other", requester_id=desk.requester.id)
    ticket = creation.create_ticket(session, data=data, actor=desk.requester, zone=ZONE, sla=sla)
    assert stored_clock(session, ticket) == (None, None, None, None)
    tickets.update_ticket(
        session, ref=ticket.id, data=TicketUpdate(priority="critical"), actor=None, sla=sla
    )
    tickets.change_status(session, ref=ticket.id, status=Status.PENDING, actor=None, sla=sla)
    assert ticket.sla_paused_at is None
    assert stored_clock(session, ticket) == (None, None, None, None)


def test_priority_change_recomputes_from_creation(session: Session, desk: Desk) -> None:
    ticket = ticket_at(session, desk, created=madrid(MON, 10), sla=OFFICE, priority="medium")
    # medium: 4 h / 27 h of business time (9 h days) from Monday 10:00.
    assert clock_of(ticket) == (
        madrid(MON, 13, 12),
        madrid(MON, 14),
        madrid(date(2026, 1, 14), 13, 36),
        madrid(date(2026, 1, 15), 10),
    )
    tickets.update_ticket(
        session, ref=ticket.id, data=TicketUpdate(priority="high"), actor=desk.tech, sla=OFFICE
    )
    # high: 2 h / 4 h, still counted from Monday 10:00.
    assert stored_clock(session, ticket) == (
        madrid(MON, 11, 36),
        madrid(MON, 12),
        madrid(MON, 13, 12),
        madrid(MON, 14),
    )
    assert kinds(session, ticket, "field_changed") == [
        ("field_changed", "priority", "medium", "high", "tech")
    ]


def test_priority_change_without_sla_keeps_the_clock(session: Session, desk: Desk) -> None:
    ticket = ticket_at(session, desk, created=madrid(MON, 10), sla=OFFICE, priority="medium")
    before = clock_of(ticket)
    tickets.update_ticket(
        session, ref=ticket.id, data=TicketUpdate(priority="critical"), actor=desk.tech
    )
    assert stored_clock(session, ticket) == before


def test_priority_change_keeps_a_met_first_response(session: Session, desk: Desk) -> None:
    ticket = ticket_at(session, desk, created=T0, sla=ALWAYS, priority="medium")
    tickets.add_comment(session, ref=ticket.id, data=CommentCreate(body="Looking"), actor=desk.tech)
    fr_warn, fr_due, _, _ = clock_of(ticket)
    tickets.update_ticket(
        session, ref=ticket.id, data=TicketUpdate(priority="critical"), actor=desk.tech, sla=ALWAYS
    )
    assert stored_clock(session, ticket) == (fr_warn, fr_due, T0 + minutes(192), T0 + minutes(240))


def test_priority_change_keeps_the_time_spent_pending(session: Session, desk: Desk) -> None:
    """A pause that ended before the change still counts: the new targets run from
    creation plus the 10 h the ticket spent waiting on the requester."""
    ticket = ticket_at(session, desk, created=T0, sla=ALWAYS, priority="medium")
    for status, at in (
        (Status.PENDING, T0 + timedelta(hours=1)),
        (Status.OPEN, T0 + timedelta(hours=11)),
    ):
        tickets.change_status(
            session, ref=ticket.id, status=status, actor=desk.requester, sla=ALWAYS, now=at
        )
    paused = timedelta(hours=10)
    assert clock_of(ticket) == (
        T0 + minutes(192) + paused,
        T0 + minutes(240) + paused,
        T0 + minutes(1296) + paused,
        T0 + minutes(1620) + paused,
    )
    tickets.update_ticket(
        session, ref=ticket.id, data=TicketUpdate(priority="high"), actor=desk.tech, sla=ALWAYS
    )
    assert stored_clock(session, ticket) == (
        T0 + minutes(48) + paused,
        T0 + minutes(60) + paused,
        T0 + minutes(384) + paused,
        T0 + minutes(480) + paused,
    )


def test_priority_change_while_pending(session: Session, desk: Desk) -> None:
    ticket = ticket_at(session, desk, created=T0, sla=ALWAYS, priority="medium")
    tickets.change_status(
        session,
        ref=ticket.id,
        status=Status.PENDING,
        actor=desk.requester,
        sla=ALWAYS,
        now=T0 + timedelta(hours=1),
    )
    tickets.update_ticket(
        session, ref=ticket.id, data=TicketUpdate(priority="high"), actor=desk.tech, sla=ALWAYS
    )
    tickets.change_status(
        session,
        ref=ticket.id,
        status=Status.IN_PROGRESS,
        actor=desk.requester,
        sla=ALWAYS,
        now=T0 + timedelta(hours=11),
    )
    # high's first response was due exactly when the ticket went pending: it stays due
    # then; the resolution had 7 h left, which run from the resume.
    assert stored_clock(session, ticket) == (
        T0 + minutes(48),
        T0 + minutes(60),
        T0 + timedelta(hours=11) + minutes(384 - 60),
        T0 + timedelta(hours=11) + minutes(480 - 60),
    )


def test_pause_and_resume_exact_values(session: Session, desk: Desk) -> None:
    """Monday 10:00 with 2 h / 4 h targets; pending at 11:00; resumed Tuesday 10:00."""
    ticket = ticket_at(session, desk, created=madrid(MON, 10), sla=OFFICE)
    assert clock_of(ticket) == (
        madrid(MON, 11, 36),
        madrid(MON, 12),
        madrid(MON, 13, 12),
        madrid(MON, 14),
    )
    # The requester's own changes are no first response: both clocks keep running.
    tickets.change_status(
        session,
        ref=ticket.id,
        status=Status.PENDING,
        actor=desk.requester,
        sla=OFFICE,
        now=madrid(MON, 11),
    )
    assert ticket.sla_paused_at == madrid(MON, 11)
    assert stored_clock(session, ticket)[3] == madrid(MON, 14)  # nothing moves while paused
    assert ticket.sla_paused_at == madrid(MON, 11)
    tickets.change_status(
        session,
        ref=ticket.id,
        status=Status.IN_PROGRESS,
        actor=desk.requester,
        sla=OFFICE,
        now=madrid(TUE, 10),
    )
    # 36 min / 1 h / 2 h 12 min / 3 h were left at 11:00 on Monday.
    assert stored_clock(session, ticket) == (
        madrid(TUE, 10, 36),
        madrid(TUE, 11),
        madrid(TUE, 12, 12),
        madrid(TUE, 13),
    )
    assert ticket.sla_paused_at is None
    assert ticket.first_response_at is None


def test_pending_across_a_weekend_and_a_holiday(session: Session, desk: Desk) -> None:
    ticket = ticket_at(session, desk, created=madrid(FRI_BEFORE_HOLIDAY, 16), sla=OFFICE)
    assert clock_of(ticket) == (
        madrid(FRI_BEFORE_HOLIDAY, 17, 36),
        madrid(FRI_BEFORE_HOLIDAY, 18),  # runs out exactly at closing time
        madrid(MON_BEFORE_HOLIDAY, 10, 12),
        madrid(MON_BEFORE_HOLIDAY, 11),
    )
    for status, at in (
        (Status.PENDING, madrid(FRI_BEFORE_HOLIDAY, 17)),
        (Status.OPEN, madrid(WED_AFTER_HOLIDAY, 9, 30)),
    ):
        tickets.change_status(session, ref=ticket.id, status=status, actor=None, sla=OFFICE, now=at)
    # Left at Friday 17:00: 36 min, 1 h, 2 h 12 min, 3 h; counted from Wednesday 09:30.
    assert stored_clock(session, ticket) == (
        madrid(WED_AFTER_HOLIDAY, 10, 6),
        madrid(WED_AFTER_HOLIDAY, 10, 30),
        madrid(WED_AFTER_HOLIDAY, 11, 42),
        madrid(WED_AFTER_HOLIDAY, 12, 30),
    )


def test_resumed_clock_skips_the_holiday(session: Session, desk: Desk) -> None:
    ticket = ticket_at(session, desk, created=madrid(FRI_BEFORE_HOLIDAY, 16), sla=OFFICE)
    for status, at in (
        (Status.PENDING, madrid(FRI_BEFORE_HOLIDAY, 17)),
        (Status.IN_PROGRESS, madrid(MON_BEFORE_HOLIDAY, 17)),
    ):
        tickets.change_status(session, ref=ticket.id, status=status, actor=None, sla=OFFICE, now=at)
    # Monday 17:00-18:00, then Tuesday is a holiday, then Wednesday from 09:00.
    assert stored_clock(session, ticket) == (
        madrid(MON_BEFORE_HOLIDAY, 17, 36),
        madrid(MON_BEFORE_HOLIDAY, 18),
        madrid(WED_AFTER_HOLIDAY, 10, 12),
        madrid(WED_AFTER_HOLIDAY, 11),
    )


def test_pause_moves_due_times_only_by_the_business_time_paused(
    session: Session, desk: Desk
) -> None:
    """Pending from Friday 17:00 to Monday 08:00 stops one business hour: Friday 17-18."""
    ticket = ticket_at(session, desk, created=madrid(FRI, 16), sla=OFFICE)
    assert clock_of(ticket)[1:] == (madrid(FRI, 18), madrid(MON, 10, 12), madrid(MON, 11))
    for status, at in ((Status.PENDING, madrid(FRI, 17)), (Status.OPEN, madrid(MON, 8))):
        tickets.change_status(session, ref=ticket.id, status=status, actor=None, sla=OFFICE, now=at)
    assert stored_clock(session, ticket) == (
        madrid(MON, 9, 36),
        madrid(MON, 10),
        madrid(MON, 11, 12),
        madrid(MON, 12),
    )


def test_a_due_time_passed_before_the_pause_stays_breached(session: Session, desk: Desk) -> None:
    ticket = ticket_at(session, desk, created=madrid(MON, 10), sla=OFFICE)
    for status, at in ((Status.PENDING, madrid(MON, 12, 30)), (Status.OPEN, madrid(TUE, 10))):
        tickets.change_status(session, ref=ticket.id, status=status, actor=None, sla=OFFICE, now=at)
    # The first response was due at 12:00, before the pause: it stays due then.
    assert stored_clock(session, ticket) == (
        madrid(MON, 11, 36),
        madrid(MON, 12),
        madrid(TUE, 10, 42),
        madrid(TUE, 11, 30),
    )
    calm = OFFICE.model_copy(update={"escalation": EscalationSettings(raise_priority=False)})
    result = sla_service.tick(session, sla=calm, now=madrid(TUE, 10))
    assert result.breached == [f"{ticket.number}:first_response"]
    assert ticket.first_response_breached
    assert not ticket.resolution_breached


def test_two_pauses_add_up_to_the_microsecond(session: Session, desk: Desk) -> None:
    ticket = ticket_at(session, desk, created=T0, sla=ALWAYS, priority="medium")
    paused = timedelta(hours=1, microseconds=7) + timedelta(hours=3)
    for status, at in (
        (Status.PENDING, T0 + minutes(10)),
        (Status.IN_PROGRESS, T0 + minutes(70) + timedelta(microseconds=7)),
        (Status.PENDING, T0 + minutes(120)),
        (Status.OPEN, T0 + minutes(300)),
    ):
        tickets.change_status(session, ref=ticket.id, status=status, actor=None, sla=ALWAYS, now=at)
    assert stored_clock(session, ticket) == (
        T0 + minutes(192) + paused,
        T0 + minutes(240) + paused,
        T0 + minutes(1296) + paused,
        T0 + minutes(1620) + paused,
    )


def test_resolving_while_pending_keeps_the_clock_stopped(session: Session, desk: Desk) -> None:
    ticket = ticket_at(session, desk, created=T0, sla=ALWAYS, priority="medium")
    tickets.change_status(
        session, ref=ticket.id, status=Status.PENDING, actor=None, sla=ALWAYS, now=T0 + minutes(5)
    )
    tickets.change_status(
        session,
        ref=ticket.id,
        status=Status.RESOLVED,
        actor=desk.tech,
        note="Done",
        sla=ALWAYS,
        now=T0 + minutes(65),
    )
    session.refresh(ticket)
    # The clock stopped when the ticket went pending and stays stopped once resolved;
    # a reopen resumes it with the business time that was left at the pause.
    assert ticket.sla_paused_at == T0 + minutes(5)
    assert ticket.resolved_at == T0 + minutes(65)
    assert ticket.first_response_at == T0 + minutes(65)
    due = ticket.resolution_due_at
    assert due is not None
    left = due - (T0 + minutes(5))
    tickets.change_status(
        session, ref=ticket.id, status=Status.OPEN, actor=None, sla=ALWAYS, now=T0 + minutes(600)
    )
    session.refresh(ticket)
    assert ticket.sla_paused_at is None
    assert ticket.resolution_due_at == T0 + minutes(600) + left


def test_first_response_is_a_public_staff_reply_or_status_change(
    session: Session, desk: Desk
) -> None:
    ticket = ticket_at(session, desk, created=T0, sla=ALWAYS)
    tickets.add_comment(
        session, ref=ticket.id, data=CommentCreate(body="Any news?"), actor=desk.requester
    )
    tickets.add_comment(
        session, ref=ticket.id, data=CommentCreate(body="check", is_internal=True), actor=desk.tech
    )
    tickets.change_status(
        session, ref=ticket.id, status=Status.PENDING, actor=desk.requester, sla=ALWAYS, now=T0
    )
    tickets.change_status(
        session, ref=ticket.id, status=Status.OPEN, actor=None, sla=ALWAYS, now=T0 + minutes(1)
    )
    assert ticket.first_response_at is None
    tickets.change_status(
        session,
        ref=ticket.id,
        status=Status.IN_PROGRESS,
        actor=desk.tech,
        sla=ALWAYS,
        now=T0 + minutes(2),
    )
    assert ticket.first_response_at == T0 + minutes(2)
    tickets.add_comment(session, ref=ticket.id, data=CommentCreate(body="Hi"), actor=desk.tech2)
    session.refresh(ticket)
    assert ticket.first_response_at == T0 + minutes(2)
