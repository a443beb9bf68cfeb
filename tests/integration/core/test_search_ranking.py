"""Search ranks every match once and counts in the same statement: same answers as
ranking all matches by hand; end users' restrictions hold; list filters by text."""

from __future__ import annotations

from sqlalchemy import union_all
from sqlalchemy.orm import Session

from itsm.db.fulltext import ranked_matches
from itsm.tickets import queries
from itsm.tickets import service as tickets
from itsm.tickets.models import Status, Ticket
from itsm.tickets.schemas import CommentCreate, TicketFilters
from itsm.users.models import User
from tests.factories import make_ticket, make_user


def _by_hand(session: Session, query: str, *, public_only: bool = False) -> list[tuple[int, float]]:
    """Every matching ticket with its best score, best first, ties newest first."""
    where = {"is_internal": False} if public_only else None
    rows = session.execute(
        union_all(
            ranked_matches(session, "tickets", query),
            ranked_matches(session, "ticket_comments", query, key="ticket_id", where=where),
        )
    ).all()
    best: dict[int, float] = {}
    for match_id, score in rows:
        best[int(match_id)] = max(best.get(int(match_id), float("-inf")), float(score))
    return sorted(best.items(), key=lambda item: (-item[1], -item[0]))


def _comment(session: Session, ticket: Ticket, body: str, *, internal: bool = False) -> None:
    tickets.add_comment(
        session, ref=ticket.id, data=CommentCreate(body=body, is_internal=internal), actor=None
    )


def test_best_first_page_and_total_are_those_of_ranking_every_match(session: Session) -> None:
    made = []
    for i in range(12):
        made.append(
            make_ticket(
                session,
                title="Widget roto" if i % 3 == 0 else f"Ticket {i}",
                description=" ".join(["widget"] * (i % 4 + 1)) + " y algo más" * i,
            )
        )
    make_ticket(session, title="Nothing to see", description="gadget")
    _comment(session, made[5], "widget widget widget widget")
    _comment(session, make_ticket(session, title="Only a comment"), "el widgetero llegó")
    want = _by_hand(session, "widget")
    assert len(want) == 13
    for limit in (1, 5, 13, 50):
        found, total = queries.search(session, query="widget", limit=limit)
        assert total == 13
        assert [t.id for t, _ in found] == [i for i, _ in want[:limit]]
        assert [s for _, s in found] == [s for _, s in want[:limit]]


def test_nothing_found_is_an_empty_page_and_zero(session: Session) -> None:
    make_ticket(session, title="Printer jam")
    assert queries.search(session, query="zzzqqq") == ([], 0)


def test_total_counts_the_filtered_matches_beyond_the_page(session: Session) -> None:
    a, b = make_user(session), make_user(session)
    mine = [make_ticket(session, requester=a, title=f"Monitor flicker {i}") for i in range(3)]
    theirs = [make_ticket(session, requester=b, title=f"Monitor dead {i}") for i in range(2)]
    tickets.change_status(session, ref=mine[0].id, status=Status.RESOLVED, actor=None, note="ok")
    found, total = queries.search(session, query="monitor", limit=1)
    assert (len(found), total) == (1, 5)
    found, total = queries.search(session, query="monitor", limit=1, active_only=True)
    assert (len(found), total) == (1, 4)
    found, total = queries.search(session, query="monitor", limit=1, viewer_id=a.id)
    assert (len(found), total) == (1, 3)
    assert found[0][0].requester_id == a.id
    found, total = queries.search(
        session, query="monitor", limit=10, active_only=True, viewer_id=b.id
    )
    assert ({t.id for t, _ in found}, total) == ({t.id for t in theirs}, 2)


def _end_user_search(session: Session, user: User, query: str) -> tuple[set[int], int]:
    found, total = queries.search(session, query=query, viewer_id=user.id, public_only=True)
    return {t.id for t, _ in found}, total


def test_end_users_match_neither_internal_notes_nor_other_peoples_tickets(
    session: Session,
) -> None:
    yara, zoe = make_user(session), make_user(session)
    hers = make_ticket(session, requester=yara, title="Laptop battery")
    other = make_ticket(session, requester=zoe, title="Battery swollen")
    _comment(session, hers, "Her zebracorn was dropped", internal=True)
    _comment(session, hers, "Replaced the charger")
    _comment(session, other, "zebracorn charger", internal=True)
    assert _end_user_search(session, yara, "zebracorn") == (set(), 0)
    assert _end_user_search(session, yara, "battery") == ({hers.id}, 1)
    assert _end_user_search(session, yara, "charger") == ({hers.id}, 1)
    assert _end_user_search(session, zoe, "charger") == (set(), 0)
    staff, total = queries.search(session, query="zebracorn")
    assert ({t.id for t, _ in staff}, total) == ({hers.id, other.id}, 2)


def test_list_filter_by_text_matches_comments_but_not_internal_ones_for_end_users(
    session: Session,
) -> None:
    plain = make_ticket(session, title="Keyboard sticky")
    noted = make_ticket(session, title="Mouse")
    _comment(session, noted, "sticky keyboard too", internal=True)
    said = make_ticket(session, title="Screen")
    _comment(session, said, "and the keyboard")
    filters = TicketFilters(text="keyboard")
    rows, _ = queries.list_page(session, filters=filters)
    assert {t.id for t in rows} == {plain.id, noted.id, said.id}
    rows, _ = queries.list_page(session, filters=filters, public_only=True)
    assert {t.id for t in rows} == {plain.id, said.id}
