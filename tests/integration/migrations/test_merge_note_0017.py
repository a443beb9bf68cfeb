"""0017 on both databases: a merged duplicate's "Duplicate of TKT-…" note is cleared and
every ticket's search terms made again without other tickets' numbers, keeping
``updated_at``; the downgrade writes the note back."""

from __future__ import annotations

from sqlalchemy import Engine, text

from itsm.db import fulltext, migrate
from itsm.db.engine import make_session_factory, session_scope
from tests.integration.migrations import seed

AT = "2026-12-01 10:00:00.000000"
TARGET, DUPLICATE, MENTION = "TKT-20261201-0007", "TKT-20261201-0008", "TKT-20261201-0009"


def _seed(engine: Engine) -> None:
    """At 0016, in its own SQL: Ana's ticket merged into Bea's, as a merge wrote it then,
    and Ana's other ticket naming Bea's in its description."""
    with engine.begin() as conn:
        for uid, name in ((1, "ana"), (2, "bea")):
            seed.user(conn, uid, name, at=AT)
        rows = [
            (1, TARGET, "Mail is slow", "", 2, "open", None),
            (2, DUPLICATE, "Exchange down", "", 1, "closed", f"Duplicate of {TARGET}"),
            (3, MENTION, "Printer", f"As in {TARGET}", 1, "open", None),
        ]
        for tid, number, title, description, requester, status, note in rows:
            conn.execute(
                text(
                    "INSERT INTO tickets (id, number, title, description, category, priority,"
                    " status, source, requester_id, created_at, updated_at, resolution_note,"
                    " search_terms) VALUES (:id, :number, :title, :description, 'other', 'low',"
                    " :status, 'cli', :requester, :t, :t, :note, :terms)"
                ),
                {
                    "id": tid,
                    "number": number,
                    "title": title,
                    "description": description,
                    "status": status,
                    "requester": requester,
                    "note": note,
                    "t": AT,
                    "terms": fulltext.search_terms(number, title, description, note),
                },
            )
        conn.execute(
            text(
                "INSERT INTO ticket_links (ticket_id, other_id, kind, created_at)"
                " VALUES (2, 1, 'merged_into', :t)"
            ),
            {"t": AT},
        )


def _found(engine: Engine, query: str) -> set[int]:
    """Ids of the tickets whose own texts match ``query`` (read without today's model)."""
    factory = make_session_factory(engine)
    with session_scope(factory, write=False) as session:
        return set(session.scalars(fulltext.matching(session, "tickets", query)))


def _notes(engine: Engine) -> dict[int, str | None]:
    with engine.connect() as conn:
        return {i: n for i, n in conn.execute(text("SELECT id, resolution_note FROM tickets"))}


def test_0017_takes_other_tickets_numbers_out_of_what_is_searched(engine: Engine) -> None:
    migrate.upgrade(engine, "0016")
    _seed(engine)
    counter = TARGET.rsplit("-", 1)[1]
    parts = (counter, f"20261201 {counter}", f"TKT_20261201_{counter}", "tkt202612010007")
    # Before: Ana's tickets are found by the parts of Bea's number.
    assert [_found(engine, q) for q in parts] == [{1, 2, 3}] * 4

    migrate.upgrade(engine, "0017")
    assert _notes(engine) == {1: None, 2: None, 3: None}
    with engine.connect() as conn:  # neither the note nor the terms are an edit
        stamps = {str(t)[:19] for t in conn.scalars(text("SELECT updated_at FROM tickets"))}
    assert stamps == {AT[:19]}
    # Only Bea's ticket has her number; Ana's description names it in its own words,
    # which both databases' tokenizers split: SQLite keeps the parts, PostgreSQL not.
    assert _found(engine, "tkt202612010007") == {1}
    assert _found(engine, f"TKT_20261201_{counter}") - {3} == {1}
    # Each ticket is still found by its own number, whole and in parts.
    for number, tid in ((TARGET, 1), (DUPLICATE, 2), (MENTION, 3)):
        day, count = number.split("-")[1:]
        for q in (number, f"tkt{day}{count}", f"{day} {count}", count):
            assert tid in _found(engine, q), (q, number)
    assert _found(engine, "exchange") == {2}

    migrate.downgrade(engine, "0016")
    assert _notes(engine) == {1: None, 2: f"Duplicate of {TARGET}", 3: None}
    assert _found(engine, "tkt202612010007") == {1, 2, 3}
    migrate.upgrade(engine)
