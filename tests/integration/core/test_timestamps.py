"""``updated_at`` is kept by a database trigger, whatever writes the row."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from itsm.db.base import Base
from itsm.inventory import service as inventory
from itsm.inventory.models import Asset
from itsm.inventory.schemas import AssetCreate
from itsm.kb import service as kb
from itsm.kb.models import Article
from itsm.kb.schemas import ArticleCreate
from itsm.tickets import service as tickets
from itsm.tickets.models import Ticket
from itsm.tickets.schemas import TicketUpdate
from itsm.users.models import User
from tests.factories import make_ticket, make_user

Maker = Callable[[Session], tuple[type[Base], int]]


def _user(session: Session) -> tuple[type[Base], int]:
    return User, make_user(session).id


def _ticket(session: Session) -> tuple[type[Base], int]:
    return Ticket, make_ticket(session).id


def _asset(session: Session) -> tuple[type[Base], int]:
    asset = inventory.create_asset(
        session, data=AssetCreate(asset_tag="PC-TS-1", asset_type="desktop")
    )
    return Asset, asset.id


def _article(session: Session) -> tuple[type[Base], int]:
    data = ArticleCreate(title="Reset", body="Steps", category="account")
    return Article, kb.create_article(session, data=data).id


# table, a column to change, its new value
CASES: dict[str, tuple[Maker, str, str, str]] = {
    "users": (_user, "users", "full_name", "Renamed Person"),
    "tickets": (_ticket, "tickets", "title", "Renamed ticket"),
    "hardware_inventory": (_asset, "hardware_inventory", "location", "Basement"),
    "knowledge_base": (_article, "knowledge_base", "title", "Renamed article"),
}


def _times(session: Session, model: type[Base], row_id: int) -> tuple[datetime, datetime]:
    table = model.__table__
    row = session.execute(
        select(table.c.created_at, table.c.updated_at).where(table.c.id == row_id)
    ).one()
    return row[0], row[1]


@pytest.mark.parametrize("case", sorted(CASES))
def test_plain_sql_update_advances_updated_at(session: Session, case: str) -> None:
    maker, table, column, value = CASES[case]
    model, row_id = maker(session)
    session.flush()
    created, updated = _times(session, model, row_id)
    assert created.tzinfo is not None
    assert updated.tzinfo is not None
    time.sleep(0.01)  # SQLite's clock has millisecond resolution
    session.execute(
        text(f"UPDATE {table} SET {column} = :value WHERE id = :id"),
        {"value": value, "id": row_id},
    )
    created_after, updated_after = _times(session, model, row_id)
    assert updated_after.tzinfo is not None
    assert updated_after > updated
    assert created_after == created
    changed = session.scalar(text(f"SELECT {column} FROM {table} WHERE id = :id"), {"id": row_id})
    assert changed == value


def test_orm_update_through_the_service_advances_updated_at(session: Session) -> None:
    ticket = make_ticket(session)
    created, updated = _times(session, Ticket, ticket.id)
    time.sleep(0.01)
    tickets.update_ticket(
        session, ref=ticket.id, data=TicketUpdate(priority="critical"), actor=None
    )
    created_after, updated_after = _times(session, Ticket, ticket.id)
    assert updated_after > updated
    assert created_after == created
    session.refresh(ticket)
    assert ticket.updated_at == updated_after
