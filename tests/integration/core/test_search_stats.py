"""Full-text search over tickets and comments, statistics, and the demo data set."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from itsm.demo.service import load_demo
from itsm.errors import Conflict, InvalidInput
from itsm.tickets import queries
from itsm.tickets import service as tickets
from itsm.tickets.models import ACTIVE_STATUSES, Priority, Status, Ticket
from itsm.tickets.schemas import CommentCreate, TicketUpdate
from tests.factories import make_ticket, make_user

UTC = ZoneInfo("UTC")


@dataclass
class Corpus:
    accented: Ticket
    plain: Ticket
    printer: Ticket
    impresora: Ticket
    by_comment: Ticket


@pytest.fixture
def corpus(session: Session) -> Corpus:
    tech = make_user(session, role="technician")
    c = Corpus(
        accented=make_ticket(
            session, title="Error de búsqueda en el portal", description="La página falla."
        ),
        plain=make_ticket(session, title="Busqueda lenta", description="Tarda MINUTOS."),
        printer=make_ticket(
            session, title="Printer jam on floor two", description="Paper stuck in tray"
        ),
        impresora=make_ticket(
            session, title="Impresora atascada", description="Papel atascado en la bandeja"
        ),
        by_comment=make_ticket(session, title="Cannot log in", description="Login fails"),
    )
    tickets.add_comment(
        session,
        ref=c.by_comment.id,
        data=CommentCreate(body="La contraseña había caducado"),
        actor=tech,
    )
    return c


def _found(session: Session, query: str, *, active_only: bool = False) -> tuple[set[int], int]:
    found, total = queries.search(session, query=query, active_only=active_only)
    return {t.id for t, _ in found}, total


def test_accent_insensitive_both_ways(session: Session, corpus: Corpus) -> None:
    both = {corpus.accented.id, corpus.plain.id}
    assert _found(session, "busqueda") == (both, 2)
    assert _found(session, "búsqueda") == (both, 2)
    assert _found(session, "BÚSQUEDA") == (both, 2)
    assert _found(session, "pagina") == ({corpus.accented.id}, 1)


def test_case_insensitive(session: Session, corpus: Corpus) -> None:
    assert _found(session, "minutos") == ({corpus.plain.id}, 1)
    assert _found(session, "PRINTER") == ({corpus.printer.id}, 1)


def test_spanish_and_english_words(session: Session, corpus: Corpus) -> None:
    assert _found(session, "impresora") == ({corpus.impresora.id}, 1)
    assert _found(session, "bandeja") == ({corpus.impresora.id}, 1)
    assert _found(session, "paper") == ({corpus.printer.id}, 1)
    assert _found(session, "floor") == ({corpus.printer.id}, 1)


def test_words_are_prefixes_and_all_must_match(session: Session, corpus: Corpus) -> None:
    assert _found(session, "busq") == ({corpus.accented.id, corpus.plain.id}, 2)
    assert _found(session, "atasc") == ({corpus.impresora.id}, 1)
    assert _found(session, "busqueda portal") == ({corpus.accented.id}, 1)
    assert _found(session, "printer impresora") == (set(), 0)


def test_matches_in_comments_count(session: Session, corpus: Corpus) -> None:
    assert _found(session, "contrasena") == ({corpus.by_comment.id}, 1)
    assert _found(session, "contraseña caducado") == ({corpus.by_comment.id}, 1)
    # All the words must be in one text: the ticket's, or one of its comments.
    assert _found(session, "caducado login") == (set(), 0)


def test_results_are_best_first_and_limit_keeps_the_total(session: Session, corpus: Corpus) -> None:
    extra = make_ticket(session, title="Other thing", description="the printer again")
    found, total = queries.search(session, query="printer")
    assert total == 2
    assert {t.id for t, _ in found} == {corpus.printer.id, extra.id}
    assert found[0][1] >= found[1][1]
    limited, total = queries.search(session, query="printer", limit=1)
    assert total == 2
    assert [t.id for t, _ in limited] == [found[0][0].id]


def test_a_ticket_matching_twice_is_found_once(session: Session, corpus: Corpus) -> None:
    tickets.add_comment(
        session, ref=corpus.printer.id, data=CommentCreate(body="printer fixed"), actor=None
    )
    found, total = queries.search(session, query="printer")
    assert ([t.id for t, _ in found], total) == ([corpus.printer.id], 1)


def test_active_only(session: Session, corpus: Corpus) -> None:
    tickets.change_status(
        session, ref=corpus.plain.id, status=Status.RESOLVED, actor=None, note="Fixed."
    )
    assert _found(session, "busqueda", active_only=True) == ({corpus.accented.id}, 1)
    assert _found(session, "busqueda")[1] == 2


def test_changed_text_is_searched_at_once(session: Session, corpus: Corpus) -> None:
    tickets.update_ticket(
        session, ref=corpus.printer.id, data=TicketUpdate(title="Scanner broken"), actor=None
    )
    assert _found(session, "scanner") == ({corpus.printer.id}, 1)
    assert _found(session, "floor") == (set(), 0)


@pytest.mark.parametrize("query", ["", "   ", "¿¡!?", "-- ;"])
def test_a_query_without_words_is_refused(session: Session, corpus: Corpus, query: str) -> None:
    with pytest.raises(InvalidInput, match="has no words to look for"):
        queries.search(session, query=query)


@pytest.mark.parametrize(
    "query",
    ["printer & | ! ( ) : * \" '", "'printer'--", 'printer"*) (-', "printer:*", "(printer)"],
)
def test_query_syntax_characters_are_plain_text(
    session: Session, corpus: Corpus, query: str
) -> None:
    assert _found(session, query) == ({corpus.printer.id}, 1)


def test_stats_match_the_data(session: Session) -> None:
    tech = make_user(session, role="technician")
    spec = [
        ("critical", "hardware"),
        ("critical", "network"),
        ("low", "network"),
        ("low", "account"),
        ("medium", "other"),
        ("high", "software"),
        ("low", "hardware"),
    ]
    made = [make_ticket(session, priority=p, category=c) for p, c in spec]
    tickets.change_status(
        session, ref=made[0].id, status=Status.RESOLVED, actor=tech, note="Fixed."
    )
    tickets.change_status(session, ref=made[1].id, status=Status.CLOSED, actor=tech)
    tickets.change_status(session, ref=made[2].id, status=Status.PENDING, actor=tech)
    tickets.assign(session, ref=made[3].id, assignee_ref=tech.id, actor=tech)
    session.expire_all()
    rows = session.scalars(select(Ticket)).all()
    stats = queries.stats(session)
    assert stats.by_status == dict(Counter(t.status for t in rows))
    assert stats.by_status == {"open": 4, "pending": 1, "resolved": 1, "closed": 1}
    assert stats.by_priority == {"critical": 2, "high": 1, "medium": 1, "low": 3}
    assert stats.by_category == {
        "hardware": 2,
        "software": 1,
        "network": 2,
        "account": 1,
        "other": 1,
    }
    assert stats.total == 7
    assert sum(stats.by_priority.values()) == sum(stats.by_category.values()) == stats.total
    assert stats.active == 5
    assert stats.unassigned_active == 4
    # the dashboard's active counts: the same tickets, read off the active ones alone
    active = queries.active_counts(session)
    assert active.unassigned == stats.unassigned_active
    assert sum(active.by_status_priority.values()) == stats.active
    assert {k: n for k, n in active.by_status_priority.items() if n} == {
        (Status.OPEN, Priority.LOW): 2,
        (Status.OPEN, Priority.MEDIUM): 1,
        (Status.OPEN, Priority.HIGH): 1,
        (Status.PENDING, Priority.LOW): 1,
    }
    assert len(active.by_status_priority) == len(ACTIVE_STATUSES) * len(Priority)
    expected = Counter(
        (Status(t.status), Priority(t.priority)) for t in rows if t.status in ACTIVE_STATUSES
    )
    assert {k: n for k, n in active.by_status_priority.items() if n} == dict(expected)


def test_stats_of_an_empty_database(session: Session) -> None:
    stats = queries.stats(session)
    assert (stats.total, stats.active, stats.unassigned_active) == (0, 0, 0)
    assert stats.by_status == stats.by_priority == stats.by_category == {}


def test_demo_state_is_the_design_notes(session: Session) -> None:
    result = load_demo(session, zone=UTC)
    assert (result.users, result.tickets, result.articles, result.assets) == (4, 5, 3, 4)
    stats = queries.stats(session)
    assert stats.by_status == {"open": 4, "in_progress": 1}
    assert stats.by_priority == {"critical": 3, "high": 1, "medium": 1}
    assert stats.by_category == {"hardware": 3, "network": 1, "software": 1}
    assert list(stats.by_status) == ["open", "in_progress"]  # in the lifecycle's order
    assert list(stats.by_priority) == ["critical", "high", "medium"]
    assert (stats.total, stats.active, stats.unassigned_active) == (5, 5, 3)
    found, total = queries.search(session, query="busqueda facturas")
    assert total == 1
    assert found[0][0].title == "Disco lleno en el PC de contabilidad"


def test_demo_refuses_a_database_with_data_unless_forced(session: Session) -> None:
    make_user(session, username="someone")
    with pytest.raises(Conflict) as info:
        load_demo(session, zone=UTC)
    assert "already has data (1 user, 0 tickets)" in info.value.message
    assert "--force" in info.value.message
    assert queries.stats(session).total == 0
    load_demo(session, zone=UTC, force=True)
    assert queries.stats(session).total == 5


def test_demo_twice_with_force_reuses_people_and_assets(session: Session) -> None:
    load_demo(session, zone=UTC)
    again = load_demo(session, zone=UTC, force=True)
    assert again.assets == 0
    stats = queries.stats(session)
    assert stats.by_status == {"open": 8, "in_progress": 2}
    assert stats.total == 10
