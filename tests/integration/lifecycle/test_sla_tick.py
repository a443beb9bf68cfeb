"""``itsm sla tick`` as a service: warnings and breaches once each, escalation,
paused clocks, the first-response clock and auto-close."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from itsm.diagnostics.autoticket import agent_user
from itsm.sla import service as sla_service
from itsm.sla.config import EscalationSettings, SlaSettings
from itsm.sla.service import TickResult
from itsm.tickets import service as tickets
from itsm.tickets.models import Status, Ticket
from itsm.tickets.schemas import CommentCreate
from itsm.users.models import User

from .support import ALWAYS, T0, Desk, kinds, minutes, ticket_at

CALM = ALWAYS.model_copy(update={"escalation": EscalationSettings(raise_priority=False)})
SLA_KINDS = ("sla_warning", "sla_breach")


def _tick(
    session: Session, at: datetime, sla: SlaSettings = ALWAYS, actor: User | None = None
) -> dict[str, list[str]]:
    result: TickResult = sla_service.tick(session, sla=sla, now=at, actor=actor)
    return result.as_dict()


def _nothing() -> dict[str, list[str]]:
    return {"warned": [], "breached": [], "escalated": [], "closed": [], "problems": []}


def test_a_warning_is_recorded_once(session: Session, desk: Desk) -> None:
    ticket = ticket_at(session, desk, created=T0, sla=ALWAYS, priority="medium")
    assert _tick(session, T0 + minutes(191)) == _nothing()  # warns at 80 % of 240 min
    expected = _nothing() | {"warned": [f"{ticket.number}:first_response"]}
    assert _tick(session, T0 + minutes(192), actor=desk.admin) == expected
    assert _tick(session, T0 + minutes(200), actor=desk.admin) == _nothing()
    assert ticket.first_response_warned
    assert not ticket.first_response_breached
    due = (T0 + minutes(240)).isoformat()
    assert kinds(session, ticket, *SLA_KINDS) == [
        ("sla_warning", "first_response", None, due, "boss")
    ]


def test_a_breach_is_recorded_once_and_escalated(session: Session, desk: Desk) -> None:
    ticket = ticket_at(session, desk, created=T0, sla=ALWAYS, priority="medium")
    clock = (ticket.first_response_due_at, ticket.resolution_due_at)
    result = _tick(session, T0 + minutes(240), actor=desk.admin)  # due: breached at that instant
    assert result == _nothing() | {
        "breached": [f"{ticket.number}:first_response"],
        "escalated": [ticket.number],
    }
    assert _tick(session, T0 + minutes(241), actor=desk.admin) == _nothing()
    session.refresh(ticket)
    assert ticket.first_response_breached
    assert ticket.first_response_warned
    assert not ticket.resolution_breached
    assert ticket.priority == "high"
    # Escalation must not buy time: the clock keeps the targets it had.
    assert (ticket.first_response_due_at, ticket.resolution_due_at) == clock
    assert kinds(session, ticket, *SLA_KINDS, "field_changed") == [
        ("sla_breach", "first_response", None, (T0 + minutes(240)).isoformat(), "boss"),
        ("field_changed", "priority", "medium", "high", "boss"),
    ]


@pytest.mark.parametrize(
    ("before", "after"),
    [("low", "medium"), ("medium", "high"), ("high", "critical"), ("critical", "critical")],
)
def test_escalation_raises_the_priority_one_step(
    session: Session, desk: Desk, before: str, after: str
) -> None:
    ticket = ticket_at(session, desk, created=T0, sla=ALWAYS, priority=before)
    target = ALWAYS.targets[before].first_response_minutes
    result = _tick(session, T0 + minutes(target))
    assert result["breached"] == [f"{ticket.number}:first_response"]
    assert result["escalated"] == ([ticket.number] if before != after else [])
    session.refresh(ticket)
    assert ticket.priority == after
    changes = kinds(session, ticket, "field_changed")
    assert changes == (
        [("field_changed", "priority", before, after, None)] if before != after else []
    )


@pytest.mark.parametrize(("reassign_to", "expected"), [("admin", "boss"), ("tech2", "tech2")])
def test_escalation_reassigns(
    session: Session, desk: Desk, reassign_to: str, expected: str
) -> None:
    sla = ALWAYS.model_copy(
        update={"escalation": EscalationSettings(raise_priority=False, reassign_to=reassign_to)}
    )
    ticket = ticket_at(session, desk, created=T0, sla=sla, priority="medium")
    tickets.assign(session, ref=ticket.id, assignee_ref=desk.tech.id, actor=desk.admin)
    result = _tick(session, T0 + minutes(240), sla=sla, actor=desk.admin2)
    assert result["escalated"] == [ticket.number]
    session.refresh(ticket)
    assert ticket.assignee is not None
    assert ticket.assignee.username == expected
    assert ticket.priority == "medium"
    assert kinds(session, ticket, "assigned")[-1] == (
        "assigned",
        "assignee",
        "tech",
        expected,
        "zoe",
    )


def test_no_reassignment_to_the_current_assignee(session: Session, desk: Desk) -> None:
    sla = ALWAYS.model_copy(
        update={"escalation": EscalationSettings(raise_priority=False, reassign_to="tech")}
    )
    ticket = ticket_at(session, desk, created=T0, sla=sla, priority="medium")
    tickets.assign(session, ref=ticket.id, assignee_ref="tech", actor=desk.admin)
    result = _tick(session, T0 + minutes(240), sla=sla)
    assert result["breached"] == [f"{ticket.number}:first_response"]
    assert result["escalated"] == []
    assert len(kinds(session, ticket, "assigned")) == 1


def test_without_an_escalation_rule_a_breach_is_only_recorded(session: Session, desk: Desk) -> None:
    ticket = ticket_at(session, desk, created=T0, sla=CALM, priority="low")
    result = _tick(session, T0 + minutes(540), sla=CALM)
    assert result == _nothing() | {"breached": [f"{ticket.number}:first_response"]}
    assert ticket.priority == "low"


def test_both_clocks_warn_and_breach_independently(session: Session, desk: Desk) -> None:
    ticket = ticket_at(session, desk, created=T0, sla=CALM, priority="critical")
    n = ticket.number
    timeline = [
        (24, {"warned": [f"{n}:first_response"]}),
        (30, {"breached": [f"{n}:first_response"]}),
        (192, {"warned": [f"{n}:resolution"]}),
        (240, {"breached": [f"{n}:resolution"]}),
        (10_000, {}),
    ]
    for at, changes in timeline:
        assert _tick(session, T0 + minutes(at), sla=CALM) == _nothing() | changes, at
    assert [(k, f) for k, f, *_ in kinds(session, ticket, *SLA_KINDS)] == [
        ("sla_warning", "first_response"),
        ("sla_breach", "first_response"),
        ("sla_warning", "resolution"),
        ("sla_breach", "resolution"),
    ]


def test_a_late_tick_breaches_without_a_warning(session: Session, desk: Desk) -> None:
    ticket = ticket_at(session, desk, created=T0, sla=CALM, priority="critical")
    result = _tick(session, T0 + minutes(500), sla=CALM)
    assert result["warned"] == []
    assert result["breached"] == [f"{ticket.number}:first_response", f"{ticket.number}:resolution"]
    assert _tick(session, T0 + minutes(501), sla=CALM) == _nothing()


def test_a_pending_ticket_is_not_warned_or_breached_while_paused(
    session: Session, desk: Desk
) -> None:
    ticket = ticket_at(session, desk, created=T0, sla=CALM, priority="medium")
    tickets.change_status(
        session, ref=ticket.id, status=Status.PENDING, actor=None, sla=CALM, now=T0 + minutes(10)
    )
    assert _tick(session, T0 + timedelta(days=30), sla=CALM) == _nothing()
    resumed = T0 + timedelta(days=30)
    tickets.change_status(
        session, ref=ticket.id, status=Status.OPEN, actor=None, sla=CALM, now=resumed
    )
    # 182 min to the warning and 230 min to the due time were left at the pause.
    assert _tick(session, resumed + minutes(181), sla=CALM) == _nothing()
    n = ticket.number
    assert _tick(session, resumed + minutes(182), sla=CALM)["warned"] == [f"{n}:first_response"]
    assert _tick(session, resumed + minutes(229), sla=CALM) == _nothing()
    assert _tick(session, resumed + minutes(230), sla=CALM)["breached"] == [f"{n}:first_response"]


def test_the_first_response_clock_stops_at_a_public_technician_reply(
    session: Session, desk: Desk
) -> None:
    answered = ticket_at(session, desk, created=T0, sla=CALM, priority="medium")
    waiting = ticket_at(session, desk, created=T0, sla=CALM, priority="medium")
    tickets.add_comment(
        session, ref=answered.id, data=CommentCreate(body="On my way"), actor=desk.tech
    )
    # Neither the requester's own reply nor an internal note answers the requester.
    tickets.add_comment(
        session, ref=waiting.id, data=CommentCreate(body="Still broken"), actor=desk.requester
    )
    tickets.add_comment(
        session,
        ref=waiting.id,
        data=CommentCreate(body="Needs a part", is_internal=True),
        actor=desk.tech,
    )
    assert answered.first_response_at is not None
    assert waiting.first_response_at is None
    result = _tick(session, T0 + minutes(240), sla=CALM)
    assert result["warned"] == []
    assert result["breached"] == [f"{waiting.number}:first_response"]
    # The resolution clock of the answered ticket keeps running.
    result = _tick(session, T0 + minutes(1620), sla=CALM)
    assert result["breached"] == [f"{answered.number}:resolution", f"{waiting.number}:resolution"]
    assert kinds(session, answered, *SLA_KINDS) == [
        ("sla_breach", "resolution", None, (T0 + minutes(1620)).isoformat(), None)
    ]


def _resolved(session: Session, desk: Desk, at: datetime) -> Ticket:
    ticket = ticket_at(session, desk, created=T0, sla=ALWAYS, priority="medium")
    tickets.change_status(
        session,
        ref=ticket.id,
        status=Status.RESOLVED,
        actor=desk.tech,
        note="Fixed",
        sla=ALWAYS,
        now=at,
    )
    return ticket


def test_resolved_tickets_are_not_warned_or_breached(session: Session, desk: Desk) -> None:
    _resolved(session, desk, T0 + minutes(5))
    keep = CALM.model_copy(update={"auto_close_hours": None})
    assert _tick(session, T0 + timedelta(days=400), sla=keep) == _nothing()


def test_auto_close_closes_resolved_tickets_older_than_the_setting(
    session: Session, desk: Desk
) -> None:
    old = _resolved(session, desk, T0)
    new = _resolved(session, desk, T0 + minutes(1))
    now = T0 + timedelta(hours=72)  # the old one is exactly 72 h old
    assert _tick(session, now, sla=CALM, actor=desk.admin) == _nothing() | {"closed": [old.number]}
    assert _tick(session, now, sla=CALM, actor=desk.admin) == _nothing()
    session.refresh(old)
    session.refresh(new)
    assert (old.status, old.closed_at, old.resolved_at) == ("closed", now, T0)
    assert old.resolution_note == "Fixed"
    assert new.status == "resolved"
    assert new.closed_at is None
    assert kinds(session, old, "status_changed")[-1] == (
        "status_changed",
        "status",
        "resolved",
        "closed",
        "boss",
    )
    later = _tick(session, T0 + timedelta(hours=72, minutes=1), sla=CALM)
    assert later["closed"] == [new.number]


def test_auto_close_follows_the_setting(session: Session, desk: Desk) -> None:
    ticket = _resolved(session, desk, T0)
    never = CALM.model_copy(update={"auto_close_hours": None})
    assert _tick(session, T0 + timedelta(days=3650), sla=never) == _nothing()
    soon = CALM.model_copy(update={"auto_close_hours": 0.5})
    assert _tick(session, T0 + minutes(29), sla=soon) == _nothing()
    assert _tick(session, T0 + minutes(30), sla=soon)["closed"] == [ticket.number]


def test_a_disabled_sla_tick_does_nothing(session: Session, desk: Desk) -> None:
    ticket_at(session, desk, created=T0, sla=ALWAYS, priority="critical")
    _resolved(session, desk, T0)
    off = ALWAYS.model_copy(update={"enabled": False})
    assert _tick(session, T0 + timedelta(days=30), sla=off) == _nothing()


@pytest.mark.parametrize(
    ("reassign_to", "reason"),
    [
        ("ghost", "there is no user 'ghost'"),
        ("bob", "'bob' is not a technician or an admin"),
        ("tech2", "'tech2' is deactivated"),
        ("itsm-agent", "'itsm-agent' is a system account (the diagnostics agent's)"),
    ],
    ids=["unknown", "not-staff", "deactivated", "system"],
)
def test_an_unusable_escalation_target_does_not_stop_the_tick_and_is_reported(
    session: Session,
    desk: Desk,
    reassign_to: str,
    reason: str,
) -> None:
    """A misconfigured rule must not keep every later warning, breach and auto-close
    from happening: the breach is recorded and the priority raised, nobody reassigned;
    and every tick says what is wrong with the rule until it is fixed."""
    if reassign_to == "tech2":
        desk.tech2.is_active = False
        session.flush()
    if reassign_to == "itsm-agent":  # the agent's account, even made a technician
        agent_user(session, reassign_to).role = "technician"
        session.flush()
    sla = ALWAYS.model_copy(update={"escalation": EscalationSettings(reassign_to=reassign_to)})
    ticket = ticket_at(session, desk, created=T0, sla=sla, priority="medium")
    result = _tick(session, T0 + minutes(240), sla=sla)
    assert result["breached"] == [f"{ticket.number}:first_response"]
    assert result["escalated"] == [ticket.number]
    assert (ticket.priority, ticket.assignee_id) == ("high", None)
    problem = (
        f"sla.escalation.reassign_to = {reassign_to!r} cannot be followed: {reason}; "
        "breached tickets are not reassigned"
    )
    assert result["problems"] == [problem]
    assert _tick(session, T0 + minutes(250), sla=sla) == _nothing() | {"problems": [problem]}
