"""Test data built through the real services, so every rule applies."""

from __future__ import annotations

import itertools
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from itsm.tickets import creation
from itsm.tickets.models import Ticket
from itsm.tickets.schemas import TicketCreate
from itsm.users import service as users
from itsm.users.models import User
from itsm.users.schemas import UserCreate

UTC = ZoneInfo("UTC")
_seq = itertools.count(1)


def make_user(session: Session, *, role: str = "user", **fields: Any) -> User:
    n = next(_seq)
    data: dict[str, Any] = {"username": f"user{n}", "full_name": f"User {n}", "role": role}
    data.update(fields)
    return users.create_user(session, data=UserCreate.model_validate(data))


def make_ticket(
    session: Session, *, requester: User | None = None, actor: User | None = None, **fields: Any
) -> Ticket:
    requester = requester or make_user(session)
    data: dict[str, Any] = {
        "title": f"Ticket {next(_seq)}",
        "description": "Something is broken.",
        "category": "hardware",
        "priority": "medium",
        "requester_id": requester.id,
    }
    data.update(fields)
    return creation.create_ticket(
        session, data=TicketCreate.model_validate(data), actor=actor or requester, zone=UTC
    )
