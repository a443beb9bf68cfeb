"""Who is told what: the issue's table, row by row, as the policy decides it."""

from __future__ import annotations

from itsm.notify.models import NotifyKind as K
from itsm.notify.policy import Facts, Recipient, audience

REQUESTER, ASSIGNEE, TECH, ADMIN = 1, 2, 3, 4
STAFF = frozenset({ASSIGNEE, TECH, ADMIN})


def _told(**given: object) -> set[tuple[int, K]]:
    base: dict[str, object] = {
        "requester_id": REQUESTER,
        "assignee_id": ASSIGNEE,
        "source": "web",
        "staff_ids": STAFF,
        "admin_ids": frozenset({ADMIN}),
    }
    base.update(given)
    return {(r.user_id, r.kind) for r in audience(Facts(**base))}  # type: ignore[arg-type]


def test_a_new_ticket_confirms_to_the_requester_and_tells_staff_if_unassigned() -> None:
    assert _told(event="created", assignee_id=None, actor_id=REQUESTER) == {
        (REQUESTER, K.TICKET_CREATED),
        (ASSIGNEE, K.NEW_TICKET),
        (TECH, K.NEW_TICKET),
        (ADMIN, K.NEW_TICKET),
    }
    assert _told(event="created", actor_id=TECH) == {(REQUESTER, K.TICKET_CREATED)}


def test_an_alert_or_diagnostics_ticket_tells_staff_only() -> None:
    for source in ("alert", "diagnostic"):
        assert _told(event="created", source=source, assignee_id=None) == {
            (s, K.ALERT_TICKET) for s in STAFF
        }


def test_assignment_tells_the_assignee_unless_they_took_it_and_escalation_the_admins() -> None:
    assert _told(event="assigned", actor_id=TECH) == {(ASSIGNEE, K.ASSIGNED)}
    assert _told(event="assigned", actor_id=ASSIGNEE) == set()
    assert _told(event="assigned", breached_now=True) == {
        (ASSIGNEE, K.ASSIGNED),
        (ADMIN, K.ESCALATED),
    }


def test_comments_cross_between_requester_and_staff() -> None:
    assert _told(event="commented", actor_id=TECH) == {(REQUESTER, K.COMMENT)}
    assert _told(event="commented", actor_id=REQUESTER) == {(ASSIGNEE, K.COMMENT)}
    assert _told(event="commented", actor_id=REQUESTER, assignee_id=None) == {
        (s, K.COMMENT) for s in STAFF
    }


def test_an_internal_event_never_reaches_an_end_user() -> None:
    assert _told(event="commented", actor_id=TECH, internal=True) == set()
    # Whatever a rule would say, an internal event keeps only staff recipients.
    assert _told(event="created", internal=True, actor_id=TECH) == set()
    assert _told(event="sla_breach", internal=True) == {(s, K.SLA_BREACH) for s in STAFF}


def test_statuses_reopening_and_sla() -> None:
    for status in ("pending", "resolved"):
        told = _told(event="status_changed", status=status, previous_status="open", actor_id=TECH)
        assert told == {(REQUESTER, K.STATUS)}
    assert _told(
        event="status_changed", status="open", previous_status="resolved", actor_id=REQUESTER
    ) == {(ASSIGNEE, K.REOPENED)}
    assert _told(event="status_changed", status="in_progress", previous_status="open") == set()
    assert _told(event="sla_warning") == {(ASSIGNEE, K.SLA_WARNING)}
    assert _told(event="sla_breach") == {(s, K.SLA_BREACH) for s in STAFF}
    assert _told(event="merged", actor_id=TECH) == set()


def test_recipients_come_once_in_a_stable_order() -> None:
    told = audience(
        Facts(
            event="sla_breach",
            requester_id=REQUESTER,
            assignee_id=ASSIGNEE,
            source="web",
            staff_ids=STAFF,
        )
    )
    assert told == sorted(told)
    assert told.count(Recipient(ASSIGNEE, K.SLA_BREACH)) == 1
