"""What an end user's tickets tell of other tickets, and of other people, on SQLite and PostgreSQL.

An end user may open only the tickets they requested. Their own tickets must not
give the others away: a link to a ticket they may not open is left out (a
``merged_into`` is kept, without the number), and its number reads "another
ticket" wherever a text names it. The list's ``assignee`` filter must not tell
them who has an account. Staff see everything as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from pydantic_core import to_json
from sqlalchemy.orm import Session

from itsm.tickets import access, visibility, workflow
from itsm.tickets.errors import InvalidCursor
from itsm.tickets.models import Ticket
from itsm.tickets.queries import Sort
from itsm.tickets.schemas import CommentCreate, TicketFilters
from itsm.tickets.service import add_comment
from itsm.users.errors import UserNotFound
from itsm.users.models import User
from tests.factories import make_ticket, make_user

HIDDEN = visibility.HIDDEN_TICKET


@dataclass
class Merged:
    ana: User
    pedro: User
    tech: User
    duplicate: Ticket  # ana's, merged into pedro's target
    target: Ticket  # pedro's
    related: Ticket  # pedro's, related to ana's duplicate
    sibling: Ticket  # ana's, related to her duplicate too


@pytest.fixture
def merged(session: Session) -> Merged:
    ana = make_user(session, username="ana")
    pedro = make_user(session, username="pedro")
    tech = make_user(session, role="technician", username="tech")
    duplicate = make_ticket(session, requester=ana, title="Mail is slow")
    target = make_ticket(session, requester=pedro, title="Exchange is down")
    related = make_ticket(session, requester=pedro, title="Calendar does not sync")
    sibling = make_ticket(session, requester=ana, title="Outlook asks for my password")
    add_comment(session, ref=duplicate.id, data=CommentCreate(body="Since this morning"), actor=ana)
    workflow.link(session, ref=duplicate.id, other_ref=related.id, actor=tech)
    workflow.link(session, ref=duplicate.id, other_ref=sibling.id, actor=tech)
    workflow.merge(session, duplicate_ref=duplicate.id, target_ref=target.id, actor=tech)
    session.flush()
    session.expire_all()
    return Merged(ana, pedro, tech, duplicate, target, related, sibling)


def _text(data: Any) -> str:
    return to_json(data).decode()


def test_staff_see_every_link_and_number(session: Session, merged: Merged) -> None:
    m = merged
    assert access.links(session, ref=m.duplicate.id, viewer=m.tech) == [
        ("related", m.related.number),
        ("related", m.sibling.number),
        ("merged_into", m.target.number),
    ]
    view = access.ticket_view(session, viewer=m.tech, ticket=m.duplicate)
    assert view.resolution_note == f"Duplicate of {m.target.number}"
    assert view.merged_into == m.target.number
    history = access.history(session, ref=m.duplicate.id, viewer=m.tech)
    merged_events = [e for e in history if e.kind == "merged"]
    assert [(e.field, e.new_value) for e in merged_events] == [("merged_into", m.target.number)]
    comments = access.comments(session, ref=m.target.id, viewer=m.tech)
    assert [(c.copied_from, c.body) for c in comments] == [
        (m.duplicate.number, "Since this morning")
    ]


def test_an_end_user_sees_the_merge_but_not_the_other_ticket(
    session: Session, merged: Merged
) -> None:
    m = merged
    # Links: the merge is kept, without the number; pedro's related ticket is left out.
    assert access.links(session, ref=m.duplicate.id, viewer=m.ana) == [
        ("related", m.sibling.number),
        ("merged_into", None),
    ]
    # The ticket itself.
    ticket = access.visible_ticket(session, ref=m.duplicate.number, viewer=m.ana)
    view = access.ticket_view(session, viewer=m.ana, ticket=ticket)
    assert view.status == "closed"
    assert (view.resolution_note, view.merged_into) == (f"Duplicate of {HIDDEN}", HIDDEN)
    # The audit trail: the merge is there, the number is not; the hidden link is gone.
    history = access.history(session, ref=m.duplicate.id, viewer=m.ana)
    rows = [(e.kind, e.field, e.old_value, e.new_value) for e in history]
    assert ("merged", "merged_into", None, None) in rows
    assert [r for r in rows if r[0] == "linked"] == [("linked", "related", None, m.sibling.number)]
    for shown in (access.links(session, ref=m.duplicate.id, viewer=m.ana), view, history):
        text = _text(shown)
        for other in (m.target, m.related):
            assert other.number not in text
            assert other.title not in text
    assert m.sibling.number in _text(history)  # her own ticket stays named


def test_the_target_s_requester_does_not_learn_the_duplicate(
    session: Session, merged: Merged
) -> None:
    m = merged
    assert access.links(session, ref=m.target.id, viewer=m.pedro) == []
    history = access.history(session, ref=m.target.id, viewer=m.pedro)
    assert [e.kind for e in history] == ["created"]
    comments = access.comments(session, ref=m.target.id, viewer=m.pedro)
    assert [(c.copied_from, c.body) for c in comments] == [(HIDDEN, "Since this morning")]
    assert access.links(session, ref=m.related.id, viewer=m.pedro) == []
    for shown in (history, comments):
        assert m.duplicate.number not in _text(shown)


def test_a_merge_between_one_person_s_tickets_stays_named(session: Session) -> None:
    ana = make_user(session, username="ana")
    tech = make_user(session, role="technician", username="tech")
    first = make_ticket(session, requester=ana, title="Printer offline")
    second = make_ticket(session, requester=ana, title="Printer offline again")
    workflow.merge(session, duplicate_ref=second.id, target_ref=first.id, actor=tech)
    assert access.links(session, ref=second.id, viewer=ana) == [("merged_into", first.number)]
    assert access.links(session, ref=first.id, viewer=ana) == [("merged_from", second.number)]
    view = access.ticket_view(session, viewer=ana, ticket=second)
    assert view.resolution_note == f"Duplicate of {first.number}"
    comments = access.comments(session, ref=first.id, viewer=ana)
    assert all(HIDDEN not in c.body for c in comments)


def test_list_pages_and_search_hide_the_number(session: Session, merged: Merged) -> None:
    m = merged
    items, cursor = _page(session, m.ana, filters=TicketFilters())
    assert cursor is None
    notes = {item["number"]: item["resolution_note"] for item in items}
    assert notes == {m.duplicate.number: f"Duplicate of {HIDDEN}", m.sibling.number: None}
    staff, _ = _page(session, m.tech, filters=TicketFilters(status=["closed"]))
    assert [i["resolution_note"] for i in staff] == [f"Duplicate of {m.target.number}"]
    found, _ = access.search(session, viewer=m.ana, query="slow")
    hits = access.ticket_views(session, viewer=m.ana, tickets=[t for t, _ in found])
    assert [h.resolution_note for h in hits] == [f"Duplicate of {HIDDEN}"]


def _page(session: Session, viewer: User, **kwargs: Any) -> tuple[list[Any], str | None]:
    """The first page as ``viewer`` reads it, as JSON, and its next cursor."""
    rows, cursor = access.list_page(session, viewer=viewer, **kwargs)
    views = access.ticket_views(session, viewer=viewer, tickets=rows)
    return [v.model_dump(mode="json") for v in views], cursor


@pytest.mark.parametrize("unknown", ["nobody", "NOBODY", "999999", "9" * 30, "x" * 64])
def test_an_end_user_s_unknown_assignee_is_an_empty_page(
    session: Session, merged: Merged, unknown: str
) -> None:
    m = merged
    other_tech = make_user(session, role="technician", username="idle")
    known = _page(session, m.ana, filters=TicketFilters(assignee=other_tech.username))
    assert known == ([], None)
    assert _page(session, m.ana, filters=TicketFilters(assignee=unknown)) == known
    # With her other filters too, and sorted: still the page a known name gives.
    both = TicketFilters(assignee=unknown, requester="ana", status=["open"], text="password")
    assert _page(session, m.ana, filters=both, sort=Sort.PRIORITY) == known
    # A bad cursor is refused whether the name is someone's or no one's.
    for name in (other_tech.username, unknown):
        with pytest.raises(InvalidCursor):
            access.list_page(
                session, viewer=m.ana, filters=TicketFilters(assignee=name), cursor="x"
            )


def test_an_end_user_s_known_assignee_still_filters(session: Session) -> None:
    ana = make_user(session, username="ana")
    tech = make_user(session, role="technician", username="tech")
    mine = make_ticket(session, requester=ana, assignee_id=tech.id, actor=tech)
    make_ticket(session, requester=ana)
    items, _ = _page(session, ana, filters=TicketFilters(assignee="tech"))
    assert [i["number"] for i in items] == [mine.number]


@pytest.mark.parametrize("unknown", ["nobody", "999999", "9" * 30])
def test_staff_are_told_an_assignee_is_no_one(
    session: Session, merged: Merged, unknown: str
) -> None:
    with pytest.raises(UserNotFound, match="does not exist"):
        access.list_page(session, viewer=merged.tech, filters=TicketFilters(assignee=unknown))
