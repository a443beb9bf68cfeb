"""The core services work on both databases."""

from __future__ import annotations

from sqlalchemy.orm import Session

from itsm.tickets import queries
from tests.factories import make_ticket, make_user


def test_create_and_find(session: Session) -> None:
    tech = make_user(session, role="technician")
    ticket = make_ticket(session, title="Impresora atascada", actor=tech)
    assert ticket.number.startswith("TKT-")
    found, total = queries.search(session, query="impresora")
    assert total == 1
    assert found[0][0].id == ticket.id
