"""Search on SQLite and PostgreSQL: words joined by punctuation, resolution notes and
ticket numbers. "wifi", "Wi-Fi", "wi fi" and "WiFi" find one another; staff find a
ticket by its number or a distinctive part of it, an end user only their own."""

from __future__ import annotations

from sqlalchemy.orm import Session

from itsm.tickets import access, queries
from itsm.tickets import service as tickets
from itsm.tickets.models import Status, Ticket
from itsm.tickets.schemas import CommentCreate
from tests.factories import make_ticket, make_user


def _found(session: Session, query: str) -> set[int]:
    found, total = queries.search(session, query=query, limit=50)
    assert total == len(found), query
    return {t.id for t, _ in found}


def test_words_joined_by_punctuation_find_one_another(session: Session) -> None:
    hyphen = make_ticket(session, title="Wi-Fi drops in room 3")
    joined = make_ticket(session, title="Laptop", description="The WiFi is slow")
    commented = make_ticket(session, title="Meeting room")
    tickets.add_comment(
        session, ref=commented.id, data=CommentCreate(body="wi-fi fixed, e-mail too"), actor=None
    )
    apart = make_ticket(session, title="Wi fi", description="two words")
    make_ticket(session, title="Ethernet cable", description="unplugged")
    spelt = {hyphen.id, joined.id, commented.id}
    for query in ("wifi", "WiFi", "wifí"):
        assert _found(session, query) == spelt, query
    # Parts in a row, or joined; and two short words, both or joined.
    for query in ("Wi-Fi", "wi-fi", "WI_FI", "wi.fi", "wi fi"):
        assert _found(session, query) == spelt | {apart.id}, query
    assert _found(session, "email") == _found(session, "e-mail") == {commented.id}
    assert _found(session, "wi-fi room") == {hyphen.id}  # in one row: not title + comment
    # A part is a word as before ("WiFi" is one word: no part "fi").
    assert _found(session, "fi") == {hyphen.id, commented.id, apart.id}


def test_resolution_notes_are_searched(session: Session) -> None:
    ticket = make_ticket(session, title="Printer", description="Jammed")
    make_ticket(session, title="Rodillo", description="nothing else")
    tickets.change_status(
        session, ref=ticket.id, status=Status.RESOLVED, actor=None, note="Cambiado el rodillo"
    )
    assert _found(session, "cambiado") == {ticket.id}
    assert len(_found(session, "rodillo")) == 2
    tickets.change_status(session, ref=ticket.id, status=Status.OPEN, actor=None)
    assert (ticket.id in _found(session, "cambiado")) == bool(ticket.resolution_note)


def _parts(ticket: Ticket) -> list[str]:
    _, day, counter = ticket.number.split("-")
    return [
        ticket.number,
        ticket.number.lower(),
        f"TKT_{day}_{counter}",
        f"tkt {day} {counter}",
        f"{day}-{counter}",
        counter,
        f"{day}{counter}",
    ]


def test_staff_find_a_ticket_by_its_number_and_end_users_only_their_own(
    session: Session,
) -> None:
    ana, bob = make_user(session, username="ana"), make_user(session, username="bob")
    tech = make_user(session, username="tess", role="technician")
    mine = make_ticket(session, requester=ana, title="Monitor flickers")
    theirs = make_ticket(session, requester=bob, title="Keyboard")
    for query in _parts(theirs):
        if query == f"{theirs.number.split('-')[1]}{theirs.number.split('-')[2]}":
            continue  # the date and counter run together are no part of the number
        found, _ = access.search(session, viewer=tech, query=query)
        assert theirs.id in {t.id for t, _ in found}, query
    found, _ = access.search(session, viewer=tech, query=theirs.number)
    assert [t.id for t, _ in found] == [theirs.id]
    for query in _parts(theirs)[:-1]:
        found, _ = access.search(session, viewer=ana, query=query)
        assert theirs.id not in {t.id for t, _ in found}, query
    found, _ = access.search(session, viewer=ana, query=mine.number)
    assert [t.id for t, _ in found] == [mine.id]
    found, _ = access.search(session, viewer=ana, query=mine.number.split("-")[2])
    assert [t.id for t, _ in found] == [mine.id]
