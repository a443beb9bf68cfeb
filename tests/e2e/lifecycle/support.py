"""Set-up for the lifecycle CLI tests, done in-process so each test runs ``itsm`` only
for what it checks (every run costs a Python start-up).

SLA targets are minutes and the reopen window is days; rather than wait, a test
moves a ticket's stored times into the past, as if the command ran that much later.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from itsm.config import Settings
from itsm.db.engine import build_engine
from itsm.sla.calendar_config import CalendarSettings
from itsm.sla.config import SlaSettings
from itsm.tickets import creation
from itsm.tickets.models import Ticket
from itsm.tickets.schemas import TicketCreate
from tests.e2e.cli import Cli
from tests.factories import make_user

#: 24x7, so that due times are exact whatever the day the tests run; the same for ``itsm``.
ALWAYS = SlaSettings(calendar=CalendarSettings(always=True))
ALWAYS_ENV = {"ITSM_SLA__CALENDAR__ALWAYS": "true"}

#: The whole SLA clock of a ticket: moving all of it back ages the ticket on a 24x7 calendar.
CLOCK = (
    "created_at",
    "first_response_warn_at",
    "first_response_due_at",
    "resolution_warn_at",
    "resolution_due_at",
)
PEOPLE = (("boss", "admin"), ("tech", "technician"), ("ana", "user"), ("bob", "user"))

EventRow = tuple[str, str | None, str | None, str | None, str | None]


@contextmanager
def database(url: str) -> Iterator[Session]:
    """A session on the test's own database, committed at the end of the block."""
    engine = build_engine(Settings(database_url=url))
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session
    finally:
        engine.dispose()


def seed(url: str, *titles: tuple[str, str]) -> list[str]:
    """``boss`` (admin, the fallback actor), ``tech``, ``ana`` and ``bob``, and one
    ticket of ana's per ``(title, priority)`` on the 24x7 SLA; returns their numbers."""
    with database(url) as session:
        users = {name: make_user(session, username=name, role=role) for name, role in PEOPLE}
        made = [
            creation.create_ticket(
                session,
                data=TicketCreate(
                    title=title,
                    category="software",
                    priority=priority,
                    requester_id=users["ana"].id,
                ),
                actor=users["ana"],
                zone=ZoneInfo("UTC"),
                sla=ALWAYS,
            )
            for title, priority in titles
        ]
        return [t.number for t in made]


def move_back(url: str, number: str, by: timedelta, *fields: str) -> None:
    """Move the given timestamps of ticket ``number`` ``by`` into the past, committed."""
    with database(url) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
        for name in fields:
            value = getattr(ticket, name)
            assert value is not None, f"{number}.{name} is not set"
            setattr(ticket, name, value - by)


def history(cli: Cli, number: str) -> list[EventRow]:
    """``itsm ticket history NUMBER --json`` as (kind, field, old, new, actor) rows."""
    return rows(cli.json("ticket", "history", number))


def rows(events: list[dict[str, Any]]) -> list[EventRow]:
    return [(e["kind"], e["field"], e["old_value"], e["new_value"], e["actor"]) for e in events]
