"""Who is told what: the issue's table, row by row, as the policy decides it."""

from __future__ import annotations

from itsm.notify.models import NotifyKind as K
from itsm.notify.policy import Facts, Recipient, audience, rating_link

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


WATCHER, OTHER_WATCHER = 5, 6
WATCHERS = frozenset({WATCHER, OTHER_WATCHER})


def test_a_staff_reply_goes_to_the_requester_and_every_watcher() -> None:
    assert _told(event="commented", actor_id=TECH, watcher_ids=WATCHERS) == {
        (REQUESTER, K.COMMENT),
        (WATCHER, K.COMMENT),
        (OTHER_WATCHER, K.COMMENT),
    }
    # Never to whoever wrote last: a watcher's reply tells the assignee only.
    assert _told(event="commented", actor_id=WATCHER, watcher_ids=WATCHERS) == {
        (ASSIGNEE, K.COMMENT)
    }
    assert _told(event="commented", actor_id=WATCHER, watcher_ids=WATCHERS, assignee_id=None) == {
        (s, K.COMMENT) for s in STAFF
    }
    # A technician copied on the ticket replies as staff; they are not told of their own.
    assert _told(event="commented", actor_id=TECH, watcher_ids=WATCHERS | {TECH}) == {
        (REQUESTER, K.COMMENT),
        (WATCHER, K.COMMENT),
        (OTHER_WATCHER, K.COMMENT),
    }


def test_watchers_hear_pending_and_resolved_but_no_internal_note_or_other_event() -> None:
    for status in ("pending", "resolved"):
        assert _told(
            event="status_changed", status=status, actor_id=TECH, watcher_ids=WATCHERS
        ) == {(REQUESTER, K.STATUS), (WATCHER, K.STATUS), (OTHER_WATCHER, K.STATUS)}
    assert _told(event="commented", actor_id=TECH, internal=True, watcher_ids=WATCHERS) == set()
    assert _told(
        event="created", actor_id=REQUESTER, assignee_id=ASSIGNEE, watcher_ids=WATCHERS
    ) == {(REQUESTER, K.TICKET_CREATED)}
    assert _told(event="assigned", actor_id=TECH, watcher_ids=WATCHERS) == {(ASSIGNEE, K.ASSIGNED)}


def test_only_the_requester_is_asked_for_a_rating() -> None:
    facts = Facts(
        event="status_changed",
        requester_id=REQUESTER,
        assignee_id=ASSIGNEE,
        source="web",
        status="resolved",
        watcher_ids=WATCHERS,
    )
    assert rating_link(facts, REQUESTER)
    assert not rating_link(facts, WATCHER)
    pending = Facts(**{**facts.__dict__, "status": "pending"})
    assert not rating_link(pending, REQUESTER)


HARDWARE_TECH, NETWORK_TECH = 7, 8
BY_CATEGORY = {
    "staff_ids": frozenset({TECH, ADMIN, HARDWARE_TECH, NETWORK_TECH}),
    "admin_ids": frozenset({ADMIN}),
    "categories": {HARDWARE_TECH: frozenset({"hardware"}), NETWORK_TECH: frozenset({"network"})},
}


def test_new_alert_and_breached_tickets_go_to_the_technicians_of_their_category() -> None:
    # TECH has no categories set: every category; admins: every category, as before.
    hardware = {TECH, ADMIN, HARDWARE_TECH}
    told = _told(
        event="created", assignee_id=None, actor_id=REQUESTER, category="hardware", **BY_CATEGORY
    )
    assert {u for u, k in told if k == K.NEW_TICKET} == hardware
    told = _told(
        event="created", source="alert", assignee_id=None, category="network", **BY_CATEGORY
    )
    assert told == {(u, K.ALERT_TICKET) for u in (TECH, ADMIN, NETWORK_TECH)}
    told = _told(event="sla_breach", assignee_id=None, category="hardware", **BY_CATEGORY)
    assert told == {(u, K.SLA_BREACH) for u in hardware}
    # The assignee is told of a breach whatever their categories.
    told = _told(event="sla_breach", assignee_id=NETWORK_TECH, category="hardware", **BY_CATEGORY)
    assert (NETWORK_TECH, K.SLA_BREACH) in told


def test_without_categories_set_nothing_changes() -> None:
    staff = frozenset({TECH, ADMIN, HARDWARE_TECH})
    told = _told(
        event="created", source="diagnostic", assignee_id=None, category="other", staff_ids=staff
    )
    assert told == {(u, K.ALERT_TICKET) for u in staff}
