"""Attaching a file is told once after commit as ``ticket.attached``; an internal one
is marked so (end users never hear of it); a refused attach tells nothing, and
queues no notification."""

from __future__ import annotations

import io
from collections.abc import Iterator
from functools import partial

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itsm.accounts.principal import Principal
from itsm.attachments import service
from itsm.attachments.errors import AttachmentTooLarge
from itsm.attachments.storage import Store
from itsm.config import Settings
from itsm.db.runtime import Database, open_database
from itsm.events.domain import DomainEvent
from itsm.events.policy import may_hear
from itsm.notify import fanout
from itsm.notify.models import OutboxMessage
from itsm.tickets.visibility import sees_id
from itsm.users.models import User
from tests.factories import make_ticket, make_user


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = open_database(settings)
    yield database
    database.dispose()


def _sees(session: Session, user_id: int, ticket_id: int) -> bool:
    return sees_id(session, ticket_id=ticket_id, user_id=user_id)


def _attach(db: Database, settings: Settings, ref: int, actor_id: int, **kw: object) -> None:
    with db.session() as session:
        service.attach(
            session,
            ref=ref,
            source=io.BytesIO(kw.pop("data", b"log")),  # type: ignore[arg-type]
            filename="a.log",
            actor=session.get(User, actor_id),
            store=Store(settings.attachments_dir),
            limits=kw.pop("limits", settings.attachments),  # type: ignore[arg-type]
            **kw,  # type: ignore[arg-type]
        )


def test_attaching_is_told_and_internal_files_only_to_staff(
    db: Database, settings: Settings
) -> None:
    heard: list[DomainEvent] = []
    db.bus.after_commit.append(heard.extend)
    with db.session() as session:
        user = make_user(session)
        tech = make_user(session, role="technician")
        ticket = make_ticket(session, requester=user)
        ids = (user.id, tech.id, ticket.id)
    fanout.expand(db)  # the worker's first step: the told events' messages
    with db.session() as session:
        outbox_before = session.scalar(select(func.count()).select_from(OutboxMessage))
    heard.clear()
    _attach(db, settings, ids[2], ids[0])
    _attach(db, settings, ids[2], ids[1], internal=True)
    fanout.expand(db)
    assert [(e.kind, e.ticket_id, e.requester_id, e.internal) for e in heard] == [
        ("ticket.attached", ids[2], ids[0], False),
        ("ticket.attached", ids[2], ids[0], True),
    ]
    with db.session() as session:
        owner = Principal(user=session.get(User, ids[0]))  # type: ignore[arg-type]
        staff = Principal(user=session.get(User, ids[1]))  # type: ignore[arg-type]
        sees = partial(_sees, session, ids[0])
        assert [may_hear(owner, e, sees=sees) for e in heard] == [True, False]
        assert [may_hear(staff, e, sees=sees) for e in heard] == [True, True]
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == outbox_before
    heard.clear()
    small = settings.attachments.model_copy(update={"max_bytes": 2})
    with pytest.raises(AttachmentTooLarge):
        _attach(db, settings, ids[2], ids[0], limits=small)
    assert heard == []
