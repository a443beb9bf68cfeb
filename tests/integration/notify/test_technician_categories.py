"""Technicians' categories on both databases: who may set them, what is refused, and
the outbox telling new, alert and breached tickets to the technicians of the ticket's
category (those with none set, and admins, hear of every category)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from itsm.accounts.principal import acting
from itsm.config import Settings
from itsm.db.runtime import Database, open_database
from itsm.errors import Forbidden, InvalidInput
from itsm.notify import fanout
from itsm.notify.models import NotifyKind, OutboxMessage
from itsm.tickets import technician_categories as cats
from itsm.tickets.models import Category
from tests.factories import make_ticket, make_user


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = open_database(settings)
    yield database
    database.dispose()


def _told(db: Database, kind: NotifyKind, ticket_id: int) -> set[int]:
    fanout.expand(db)  # the worker's first step: the told events' messages
    with db.session(write=False) as session:
        rows = session.scalars(
            select(OutboxMessage.recipient_id).where(
                OutboxMessage.kind == kind, OutboxMessage.ticket_id == ticket_id
            )
        )
        return {r for r in rows if r is not None}  # people's rows, not a webhook's


def test_set_show_and_refuse(db: Database) -> None:
    with db.session() as session:
        boss = make_user(session, role="admin", username="boss")
        tere = make_user(session, role="technician", username="tere")
        ana = make_user(session, username="ana")
        assert cats.show(session, who=acting(boss), ref="tere")[1] == []
        _, got = cats.set_categories(
            session, who=acting(boss), ref="tere", categories=["Network", "hardware", "network"]
        )
        assert got == [Category.HARDWARE, Category.NETWORK]
        assert cats.show(session, who=acting(tere), ref="tere")[1] == got
        with pytest.raises(Forbidden):
            cats.set_categories(session, who=acting(tere), ref="tere", categories=[])
        with pytest.raises(Forbidden):
            cats.show(session, who=acting(ana), ref="tere")
        with pytest.raises(InvalidInput) as info:
            cats.set_categories(session, who=acting(boss), ref="tere", categories=["printers"])
        assert "choose from hardware, software, network, account, other" in info.value.message
        for person in ("boss", "ana"):
            with pytest.raises(cats.NotATechnician):
                cats.set_categories(session, who=acting(boss), ref=person, categories=["other"])
        assert cats.by_technician(session) == {tere.id: frozenset({"hardware", "network"})}
        # None: every category again.
        assert cats.set_categories(session, who=None, ref="tere", categories=[])[1] == []
        assert cats.by_technician(session) == {}


def test_new_tickets_go_to_the_technicians_of_their_category(db: Database) -> None:
    with db.session() as session:
        boss = make_user(session, role="admin", username="boss")
        hw = make_user(session, role="technician", username="hw")
        net = make_user(session, role="technician", username="net")
        anyone = make_user(session, role="technician", username="anyone")
        ana = make_user(session, username="ana")
        cats.set_categories(session, who=None, ref="hw", categories=["hardware"])
        cats.set_categories(session, who=None, ref="net", categories=["network", "software"])
    with db.session() as session:
        printer = make_ticket(session, requester=ana, actor=ana, category="hardware")
        vpn = make_ticket(session, requester=ana, actor=ana, category="network")
    assert _told(db, NotifyKind.NEW_TICKET, printer.id) == {boss.id, hw.id, anyone.id}
    assert _told(db, NotifyKind.NEW_TICKET, vpn.id) == {boss.id, net.id, anyone.id}
