"""Search by joined words, resolution notes and ticket numbers: ``search_terms``.

``tickets.search_terms`` and ``ticket_comments.search_terms`` hold each word of the
row joined by punctuation, in parts and joined ("Wi-Fi": "wi fi wifi"; a ticket's
number: "tkt 20261206 0005 tkt202612060005"), as
:func:`itsm.db.fulltext.search_terms` makes them. The full-text index of tickets now
covers ``resolution_note`` and ``search_terms`` too, that of comments
``search_terms``: the SQLite FTS5 tables and their triggers, and PostgreSQL's
generated ``search_vector`` columns, are made again over the new columns.

Existing rows get their terms in keyset batches by id, with the index dropped
meanwhile (so no row is indexed twice); the index is then built once, in one pass.
The downgrade restores the previous index and drops the columns.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from alembic import op

from itsm.db.fulltext import search_terms
from itsm.db.migrations.backfill import refill_search_terms, updated_at_kept

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BATCH = 5000
#: (column, PostgreSQL weight) of each searched table, before and after this revision.
BEFORE = {
    "tickets": (("title", "A"), ("description", "B")),
    "ticket_comments": (("body", "B"),),
}
AFTER = {
    "tickets": (
        ("title", "A"),
        ("description", "B"),
        ("resolution_note", "B"),
        ("search_terms", "B"),
    ),
    "ticket_comments": (("body", "B"), ("search_terms", "B")),
}
#: The texts each table's terms are made of, in :func:`search_terms`'s order.
SOURCES = {
    "tickets": ("number", "title", "description", "resolution_note"),
    "ticket_comments": ("body",),
}


def upgrade() -> None:
    _drop_index(AFTER)
    for table in AFTER:
        op.add_column(table, sa.Column("search_terms", sa.Text(), nullable=True))
        with updated_at_kept(table):  # search terms filled in are not an edit
            refill_search_terms(table, SOURCES[table], search_terms, batch=BATCH)
    _create_index(AFTER)


def downgrade() -> None:
    _drop_index(AFTER)
    for table in AFTER:
        # Plain ALTER TABLE ... DROP COLUMN on both databases (SQLite >= 3.35), as 0007 does.
        op.execute(f"ALTER TABLE {table} DROP COLUMN search_terms")
    _create_index(BEFORE)


def _postgresql() -> bool:
    return op.get_context().dialect.name == "postgresql"


def _drop_index(searched: Mapping[str, Sequence[tuple[str, str]]]) -> None:
    for table in searched:
        if _postgresql():
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search")
            op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
            continue
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {table}_fts")


def _create_index(searched: Mapping[str, Sequence[tuple[str, str]]]) -> None:
    for table, weighted in searched.items():
        if _postgresql():
            # As 0001 made it: generated, so every writer (the ORM, COPY, plain SQL) keeps it.
            vector = " || ".join(
                f"setweight(to_tsvector('itsm_search', coalesce({col}, '')), '{weight}')"
                for col, weight in weighted
            )
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
                f"GENERATED ALWAYS AS ({vector}) STORED"
            )
            op.execute(f"CREATE INDEX ix_{table}_search ON {table} USING gin (search_vector)")
            continue
        _sqlite_index(table, [col for col, _ in weighted])


def _sqlite_index(table: str, cols: list[str]) -> None:
    names = ", ".join(cols)
    new = ", ".join(f"new.{c}" for c in cols)
    old = ", ".join(f"old.{c}" for c in cols)
    fts = f"{table}_fts"
    op.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        f"CREATE TRIGGER {table}_fts_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END"
    )
    op.execute(
        f"CREATE TRIGGER {table}_fts_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); END"
    )
    op.execute(
        f"CREATE TRIGGER {table}_fts_au AFTER UPDATE OF {names} ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END"
    )
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
