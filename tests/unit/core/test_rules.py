"""Pure rules of the ticket core: numbers, numbering days, lifecycle, cursors, search terms."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from itsm.db.fulltext import MAX_TERMS, search_terms, terms
from itsm.errors import InvalidInput
from itsm.tickets.errors import InvalidCursor, InvalidTransition
from itsm.tickets.lifecycle import TRANSITIONS, allowed_next, check_transition
from itsm.tickets.models import Priority, Status, Ticket
from itsm.tickets.numbering import format_number, numbering_day
from itsm.tickets.queries import Sort, decode_cursor, encode_cursor

NEW_YORK = ZoneInfo("America/New_York")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")  # UTC+14


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, "TKT-20250115-0001"),
        (42, "TKT-20250115-0042"),
        (9999, "TKT-20250115-9999"),
        (10000, "TKT-20250115-10000"),
        (123456, "TKT-20250115-123456"),
    ],
)
def test_format_number_pads_to_four_and_grows_past_9999(value: int, expected: str) -> None:
    assert format_number("20250115", value) == expected


def test_numbering_day_early_utc_is_still_yesterday_in_new_york() -> None:
    moment = datetime(2025, 1, 15, 2, 30, tzinfo=UTC)
    assert numbering_day(moment, ZoneInfo("UTC")) == "20250115"
    assert numbering_day(moment, NEW_YORK) == "20250114"


def test_numbering_day_late_utc_is_already_tomorrow_in_kiritimati() -> None:
    moment = datetime(2025, 1, 15, 23, 30, tzinfo=UTC)
    assert numbering_day(moment, ZoneInfo("UTC")) == "20250115"
    assert numbering_day(moment, KIRITIMATI) == "20250116"
    assert numbering_day(moment, NEW_YORK) == "20250115"


def test_numbering_day_follows_daylight_saving_time() -> None:
    # 04:30 UTC is 00:30 in New York in summer (UTC-4) but 23:30 the day before in winter.
    assert numbering_day(datetime(2025, 7, 15, 4, 30, tzinfo=UTC), NEW_YORK) == "20250715"
    assert numbering_day(datetime(2025, 1, 15, 4, 30, tzinfo=UTC), NEW_YORK) == "20250114"


def test_every_status_has_a_way_out_and_none_leads_to_itself() -> None:
    assert set(TRANSITIONS) == set(Status)
    for status, targets in TRANSITIONS.items():
        assert targets, status
        assert status not in targets
    assert allowed_next(Status.CLOSED) == (Status.OPEN,)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Status.OPEN, Status.IN_PROGRESS),
        (Status.OPEN, Status.CLOSED),
        (Status.PENDING, Status.RESOLVED),
        (Status.RESOLVED, Status.OPEN),
        (Status.RESOLVED, Status.CLOSED),
        (Status.CLOSED, Status.OPEN),
    ],
)
def test_allowed_transitions_pass(current: Status, target: Status) -> None:
    check_transition(current, target)
    assert target in allowed_next(current)


def test_invalid_transition_message_lists_the_allowed_statuses() -> None:
    with pytest.raises(InvalidTransition) as info:
        check_transition(Status.CLOSED, Status.RESOLVED)
    assert info.value.message == (
        "cannot change status from closed to resolved; allowed from closed: open"
    )
    with pytest.raises(InvalidTransition) as info:
        check_transition(Status.RESOLVED, Status.PENDING)
    assert info.value.message.endswith("allowed from resolved: closed, open, in_progress")


def test_same_status_is_not_a_transition() -> None:
    with pytest.raises(InvalidTransition, match="from open to open"):
        check_transition(Status.OPEN, Status.OPEN)


def test_priority_ranks_order_critical_first() -> None:
    ranked = sorted(Priority, key=lambda p: p.rank)
    assert ranked == [Priority.CRITICAL, Priority.HIGH, Priority.MEDIUM, Priority.LOW]


def _ticket(rank: int = 2) -> Ticket:
    return Ticket(
        id=41, created_at=datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC), priority_rank=rank
    )


def test_cursor_round_trips_its_sort_key() -> None:
    ticket = _ticket()
    newest = decode_cursor(Sort.NEWEST, encode_cursor(Sort.NEWEST, ticket))
    assert newest == [ticket.created_at, 41]
    assert newest[0].tzinfo is not None
    priority = decode_cursor(Sort.PRIORITY, encode_cursor(Sort.PRIORITY, ticket))
    assert priority == [2, ticket.created_at, 41]


@pytest.mark.parametrize(
    ("made_for", "used_for"),
    [(Sort.NEWEST, Sort.OLDEST), (Sort.PRIORITY, Sort.NEWEST), (Sort.OLDEST, Sort.PRIORITY)],
)
def test_cursor_from_another_sort_is_refused(made_for: Sort, used_for: Sort) -> None:
    cursor = encode_cursor(made_for, _ticket())
    with pytest.raises(InvalidCursor, match="another sort order"):
        decode_cursor(used_for, cursor)


def _raw_cursor(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor!",
        "e30",  # {}
        _raw_cursor([1, 2, 3]),
        _raw_cursor("newest"),
        _raw_cursor({"s": "newest", "k": ["yesterday", 3]}),
        _raw_cursor({"s": "newest", "k": ["2025-03-01T12:00:00+00:00"]}),
        _raw_cursor({"s": "newest", "k": ["2025-03-01T12:00:00+00:00", "x"]}),
        _raw_cursor({"s": "newest", "k": ["2025-03-01T12:00:00", 3]}),  # naive time
        base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
    ],
)
def test_malformed_cursor_is_invalid_input(cursor: str) -> None:
    with pytest.raises(InvalidCursor, match="invalid cursor") as info:
        decode_cursor(Sort.NEWEST, cursor)
    assert isinstance(info.value, InvalidInput)


def test_search_terms_are_lower_case_words_without_punctuation() -> None:
    assert terms("  Búsqueda: ¡Impresora! 'DROP' TABLE; -- ") == [
        ["búsqueda"],
        ["impresora"],
        ["drop"],
        ["table"],
    ]


def test_words_joined_by_punctuation_are_their_parts() -> None:
    assert terms("Wi-Fi TKT_20261206_0005 e.mail") == [
        ["wi", "fi"],
        ["tkt", "20261206", "0005"],
        ["e", "mail"],
    ]


def test_the_index_holds_joined_words_in_parts_and_joined() -> None:
    assert search_terms("TKT-20261206-0005", "Wi-Fi down", None, "plain words") == (
        "tkt 20261206 0005 tkt202612060005 wi fi wifi"
    )
    assert search_terms("plain words", None) is None


def test_search_terms_are_capped() -> None:
    words = terms(" ".join(f"w{i}" for i in range(40)))
    assert len(words) == MAX_TERMS
    assert words[0] == ["w0"]


@pytest.mark.parametrize("query", ["", "   ", "!!! --- ***", "'\";"])
def test_search_without_words_is_refused(query: str) -> None:
    with pytest.raises(InvalidInput, match="has no words to look for"):
        terms(query)
