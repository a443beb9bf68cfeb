"""System accounts (the diagnostics agent's) are told nothing: neither as the requester
of the tickets the agent opens nor as staff, even with a staff role given by mistake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from itsm.config import Settings
from itsm.db.runtime import Database, open_database
from itsm.diagnostics.autoticket import agent_user
from itsm.notify import fanout
from itsm.notify.models import OutboxMessage
from itsm.tickets import service as tickets
from itsm.tickets.models import Status
from itsm.users import service as users
from itsm.users.models import Role
from tests.factories import make_ticket, make_user


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = open_database(settings)
    yield database
    database.dispose()


def _recipients(db: Database) -> set[int]:
    fanout.expand(db)  # the worker's first step: the told events' messages
    with db.session(write=False) as session:
        return set(session.scalars(select(OutboxMessage.recipient_id)))


def test_the_agent_s_account_gets_no_notification(db: Database) -> None:
    with db.session() as session:
        tech = make_user(session, role="technician", email="tech@example.org")
        agent = agent_user(session, "itsm-agent")
        assert agent.system
        agent.email = "agent@example.org"  # nothing to send it to would prove nothing
        ticket = make_ticket(session, requester=agent, actor=agent, source="diagnostic")
        tickets.change_status(
            session, ref=ticket.id, status=Status.RESOLVED, actor=tech, note="Disk cleaned."
        )
        tickets.change_status(session, ref=ticket.id, status=Status.OPEN, actor=tech)
        tickets.change_status(session, ref=ticket.id, status=Status.PENDING, actor=tech)
    assert _recipients(db) == {tech.id}  # the staff were told; the requester, a system, not
    with db.session() as session:
        # Promoted by mistake: still no one's to tell of new tickets.
        users.set_role(session, who=None, ref=agent.id, role=Role.TECHNICIAN)
        make_ticket(session, requester=make_user(session, email="ana@example.org"))
    assert agent.id not in _recipients(db)
