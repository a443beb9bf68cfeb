"""Creating tickets: numbers, validation, exact storage of any text, fingerprints."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from itsm.config import Settings
from itsm.db.base import utcnow
from itsm.db.runtime import open_database
from itsm.errors import InvalidInput
from itsm.inventory.errors import AssetNotFound
from itsm.sla.config import SlaSettings
from itsm.tickets import creation, events
from itsm.tickets import service as tickets
from itsm.tickets.errors import DuplicateFingerprint
from itsm.tickets.models import Source, Status, Ticket, TicketComment
from itsm.tickets.numbering import numbering_day
from itsm.tickets.schemas import CommentCreate, TicketCreate, ticket_read
from itsm.users.errors import InactiveUser, NotStaff, UserNotFound
from itsm.validation import validated
from tests.factories import make_ticket, make_user

from .support import event_rows, ticket_count

UTC_ZONE = ZoneInfo("UTC")
NUMBER = re.compile(r"^TKT-(\d{8})-(\d{4,})$")


def _seq(number: str) -> int:
    match = NUMBER.match(number)
    assert match, number
    return int(match.group(2))


def test_number_has_the_documented_shape_and_todays_utc_day(session: Session) -> None:
    before = utcnow()
    ticket = make_ticket(session)
    after = utcnow()
    match = NUMBER.match(ticket.number)
    assert match is not None, ticket.number
    assert len(match.group(2)) == 4
    assert match.group(1) in {numbering_day(before, UTC_ZONE), numbering_day(after, UTC_ZONE)}


def test_numbers_follow_each_other(session: Session) -> None:
    first = make_ticket(session)
    second = make_ticket(session)
    third = make_ticket(session)
    assert [_seq(t.number) for t in (second, third)] == [
        _seq(first.number) + 1,
        _seq(first.number) + 2,
    ]


def test_number_day_is_the_day_in_the_configured_zone(session: Session) -> None:
    zone = ZoneInfo("Pacific/Kiritimati")  # UTC+14: its day differs from UTC's for 14 hours
    requester = make_user(session)
    data = TicketCreate(title="Zone", category="other", requester_id=requester.id)
    before = utcnow()
    ticket = creation.create_ticket(session, data=data, actor=requester, zone=zone)
    after = utcnow()
    assert ticket.number[4:12] in {numbering_day(before, zone), numbering_day(after, zone)}


# Around midnight in Madrid (UTC+1 in March) and then in UTC.
MIDNIGHTS = [
    datetime(2031, 3, 1, 22, 59, 59, tzinfo=UTC),  # 23:59:59 in Madrid
    datetime(2031, 3, 1, 23, 0, 0, tzinfo=UTC),  # 00:00:00 in Madrid, the next day
    datetime(2031, 3, 1, 23, 59, 59, tzinfo=UTC),
    datetime(2031, 3, 2, 0, 0, 0, tzinfo=UTC),  # 00:00:00 in UTC
]


@pytest.mark.parametrize(
    ("zone", "numbers"),
    [
        (
            "Europe/Madrid",
            ["20310301-0001", "20310302-0001", "20310302-0002", "20310302-0003"],
        ),
        ("UTC", ["20310301-0001", "20310301-0002", "20310301-0003", "20310302-0001"]),
    ],
)
def test_numbering_restarts_at_midnight_in_the_configured_zone(
    session: Session, zone: str, numbers: list[str]
) -> None:
    requester = make_user(session)
    data = TicketCreate(title="Around midnight", category="other", requester_id=requester.id)
    made = [
        creation.create_ticket(session, data=data, actor=requester, zone=ZoneInfo(zone), now=now)
        for now in MIDNIGHTS
    ]
    assert [t.number for t in made] == [f"TKT-{n}" for n in numbers]
    session.expire_all()
    for ticket, now in zip(made, MIDNIGHTS, strict=True):
        stored = tickets.get_ticket(session, ref=ticket.number)
        assert stored.created_at == stored.updated_at == now
        assert [e.created_at for e in events.history(session, ticket_id=stored.id)] == [now]
    counters = session.execute(
        text("SELECT day, last_value FROM ticket_counters WHERE day LIKE '2031%' ORDER BY day")
    )
    assert [tuple(row) for row in counters] == [
        (day, max(int(n[9:]) for n in numbers if n.startswith(day)))
        for day in ("20310301", "20310302")
    ]


def test_numbering_grows_past_9999(session: Session) -> None:
    now = utcnow()
    for day in {numbering_day(now, UTC_ZONE), numbering_day(now + timedelta(minutes=5), UTC_ZONE)}:
        session.execute(
            text(
                "INSERT INTO ticket_counters (day, last_value) VALUES (:day, 9999) "
                "ON CONFLICT (day) DO UPDATE SET last_value = 9999"
            ),
            {"day": day},
        )
    big = make_ticket(session)
    bigger = make_ticket(session)
    assert big.number.endswith("-10000")
    assert bigger.number.endswith("-10001")
    assert NUMBER.match(big.number)
    assert tickets.get_ticket(session, ref=big.number.lower()) is big


def test_audit_trail_starts_with_created_by_the_actor(session: Session) -> None:
    requester = make_user(session, username="ana")
    tech = make_user(session, role="technician", username="tech")
    ticket = make_ticket(session, requester=requester, assignee_id=tech.id)
    assert ticket.assignee_id == tech.id
    assert event_rows(session, ticket) == [
        ("created", None, None, ticket.number, "ana"),
        ("assigned", "assignee", None, "tech", "ana"),
    ]


def test_create_refuses_a_non_staff_assignee_and_writes_nothing(session: Session) -> None:
    requester = make_user(session)
    other = make_user(session, role="user")
    with pytest.raises(NotStaff):
        make_ticket(session, requester=requester, assignee_id=other.id)
    assert ticket_count(session) == 0
    # ...and no number was spent: the next ticket still gets the day's first number.
    assert _seq(make_ticket(session, requester=requester).number) == 1


def test_create_refuses_unknown_or_inactive_people_and_unknown_assets(session: Session) -> None:
    requester = make_user(session)
    with pytest.raises(UserNotFound):
        make_ticket(session, requester_id=999_999)
    with pytest.raises(AssetNotFound):
        make_ticket(session, requester=requester, asset_id=999_999)
    gone = make_user(session)
    gone.is_active = False
    with pytest.raises(InactiveUser):
        make_ticket(session, requester=gone)
    assert ticket_count(session) == 0


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"title": ""}, "title must not be empty"),
        ({"title": "   "}, "invalid title: title must not be empty"),
        ({"title": "t" * 201}, "title is too long (at most 200 characters)"),
        ({"description": "ñ" * 32769}, "invalid description: description is over 64 KiB"),
        ({"description": "😀" * 16385}, "invalid description: description is over 64 KiB"),
        ({"category": "printer"}, "invalid category 'printer'; allowed: hardware, software"),
    ],
)
def test_invalid_tickets_are_refused_with_a_clear_message(
    session: Session, fields: dict[str, Any], expected: str
) -> None:
    requester = make_user(session)
    data = {"title": "ok", "category": "hardware", "requester_id": requester.id, **fields}
    with pytest.raises(InvalidInput) as info:
        validated(TicketCreate, data)
    assert info.value.message.startswith(expected)
    assert "\n" not in info.value.message
    assert ticket_count(session) == 0


def test_largest_allowed_description_and_title_are_stored_whole(session: Session) -> None:
    description = "ñ" * 32768  # exactly 64 KiB in UTF-8
    ticket = make_ticket(session, title="ü" * 200, description=description)
    session.expire_all()
    stored = session.scalars(select(Ticket).where(Ticket.id == ticket.id)).one()
    assert stored.description == description
    assert stored.title == "ü" * 200


NASTY = [
    "Impresora 🖨️ no imprime — ñandú, pingüino, Ærøskøbing, 打印机, مرحبا",
    "'; DROP TABLE tickets; -- \" OR 1=1 /* */ %_ \\ $$ :param",
    "e\u0301 (combining) vs \u00e9, zero\u200bwidth, tab\tand\nnew line\r\n",
]


@pytest.mark.parametrize("value", NASTY)
def test_any_text_is_stored_and_read_back_exactly(session: Session, value: str) -> None:
    requester = make_user(session, full_name=value[:200])
    ticket = make_ticket(session, requester=requester, title=value[:200].strip(), description=value)
    tickets.add_comment(session, ref=ticket.id, data=CommentCreate(body=value), actor=requester)
    session.expire_all()
    stored = tickets.get_ticket(session, ref=ticket.number)
    assert stored.title == value[:200].strip()
    assert stored.description == value
    assert stored.requester.full_name == value[:200].strip()  # names are stripped
    comment = session.scalars(select(TicketComment).where(TicketComment.ticket_id == ticket.id))
    assert [c.body for c in comment] == [value]


def test_source_and_defaults_are_recorded(session: Session) -> None:
    ticket = make_ticket(session, source="diagnostic")
    assert ticket.source == Source.DIAGNOSTIC
    assert ticket.status == Status.OPEN
    assert ticket.priority == "medium"
    assert ticket.priority_rank == 3
    assert ticket.created_at.tzinfo is not None
    assert ticket.first_response_at is None


def test_fingerprint_is_unique_among_active_tickets(session: Session) -> None:
    first = make_ticket(session, fingerprint="host-7:disk:/")
    with pytest.raises(DuplicateFingerprint) as info:
        make_ticket(session, fingerprint="host-7:disk:/")
    assert info.value.message == "an active ticket already has fingerprint 'host-7:disk:/'"
    # The failed insert is undone but the session goes on working.
    other = make_ticket(session, fingerprint="host-7:memory")
    assert _seq(other.number) == _seq(first.number) + 1  # the refused ticket spent no number
    assert ticket_count(session) == 2


def test_fingerprint_is_free_again_once_the_ticket_is_resolved(session: Session) -> None:
    tech = make_user(session, role="technician")
    first = make_ticket(session, fingerprint="host-7:cpu")
    tickets.change_status(session, ref=first.id, status=Status.RESOLVED, actor=tech, note="Fixed.")
    again = make_ticket(session, fingerprint="host-7:cpu")
    assert again.id != first.id
    # Reopening the old one would make two active tickets with one fingerprint.
    with pytest.raises(DuplicateFingerprint) as info:
        tickets.change_status(session, ref=first.id, status=Status.OPEN, actor=tech)
    assert info.value.message == (
        f"cannot reopen {first.number}: active ticket {again.number} already has "
        "fingerprint 'host-7:cpu'"
    )
    session.expire_all()
    assert tickets.get_ticket(session, ref=first.id).status == Status.RESOLVED
    # Once the newer one is closed too, the old one may be reopened.
    tickets.change_status(session, ref=again.id, status=Status.CLOSED, actor=tech)
    reopened = tickets.change_status(session, ref=first.id, status=Status.OPEN, actor=tech)
    assert reopened.status == Status.OPEN


def test_a_refused_requester_spends_no_number(session: Session) -> None:
    requester = make_user(session)
    gone = make_user(session)
    gone.is_active = False  # not flushed yet: creating must still see it
    with pytest.raises(InactiveUser):
        make_ticket(session, requester=gone)
    with pytest.raises(UserNotFound):
        make_ticket(session, requester_id=999_999)
    assert _seq(make_ticket(session, requester=requester).number) == 1


@pytest.mark.parametrize("sla", [None, SlaSettings()], ids=["no-sla", "sla"])
def test_the_ticket_returned_is_in_the_session_clean_and_as_stored(
    session: Session, sla: SlaSettings | None
) -> None:
    requester = make_user(session, username="carla")
    tech = make_user(session, role="technician", username="tech2")
    data = TicketCreate.model_validate(
        {
            "title": "Monitor flickers",
            "category": "hardware",
            "requester_id": requester.id,
            "assignee_id": tech.id,
            "source": "web",
        }
    )
    ticket = creation.create_ticket(session, data=data, actor=requester, zone=UTC_ZONE, sla=sla)
    state = inspect(ticket)
    assert state.persistent
    assert not state.modified
    assert tickets.get_ticket(session, ref=ticket.id) is ticket
    read = ticket_read(ticket)
    assert (read.requester, read.assignee, read.source, read.status) == (
        "carla",
        "tech2",
        Source.WEB,
        Status.OPEN,
    )
    assert ticket.priority_rank == 3
    assert (ticket.resolution_due_at is not None) == (sla is not None)
    # Every column the object holds is what the database holds.
    columns = [c.key for c in inspect(Ticket).column_attrs]
    held = {name: getattr(ticket, name) for name in columns}
    session.expire_all()
    stored = tickets.get_ticket(session, ref=ticket.id)
    assert {name: getattr(stored, name) for name in columns} == held


def test_with_sql_echo_every_statement_of_a_new_ticket_is_logged(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    db = open_database(settings.model_copy(update={"sql_echo": True}))
    try:
        with db.session() as session:
            requester = make_user(session)
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="sqlalchemy.engine"), db.session() as session:
            ticket = make_ticket(session, requester=requester)
        logged = " ".join(record.getMessage() for record in caplog.records)
        assert "INSERT INTO tickets" in logged
        assert "INSERT INTO ticket_events" in logged
        with db.session(write=False) as session:
            assert tickets.get_ticket(session, ref=ticket.number).id == ticket.id
    finally:
        db.dispose()
