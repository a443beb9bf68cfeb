"""Full-text matching on both databases, accent- and case-insensitive.

PostgreSQL uses the generated ``search_vector`` columns (GIN-indexed, built with
the ``itsm_search`` configuration that folds accents); SQLite uses the FTS5
tables ``<table>_fts`` with the ``unicode61 remove_diacritics 2`` tokenizer.
Both treat every word of the query as a prefix and require all of them, so the
two databases answer the same query the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from itsm.errors import InvalidInput

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 16
# Title above body on SQLite too, like PostgreSQL's setweight A/B (bm25 column weights).
_BM25_WEIGHTS = {"tickets": "10.0, 1.0", "knowledge_base": "10.0, 1.0"}


def has_terms(query: str) -> bool:
    """Whether ``query`` has a word to look for (else :func:`terms` refuses it)."""
    return _WORD.search(query) is not None


def terms(query: str) -> list[str]:
    words = _WORD.findall(query.lower())
    if not words:
        raise InvalidInput(f"search text {query!r} has no words to look for")
    return words[:MAX_TERMS]


def _pg_tsquery(words: list[str]) -> str:
    return " & ".join(f"{w}:*" for w in words)


def _fts5_query(words: list[str]) -> str:
    return " ".join(f'"{w}"*' for w in words)


def _bm25(tbl: str) -> str:
    weights = _BM25_WEIGHTS.get(tbl)
    return f"bm25({tbl}_fts, {weights})" if weights else f"bm25({tbl}_fts)"


def ranked_matches(
    session: Session,
    tbl: str,
    query: str,
    *,
    key: str = "id",
    where: Mapping[str, object] | None = None,
) -> Select[int, float]:
    """``SELECT match_id, score`` of rows of ``tbl`` matching ``query``; higher score is better.

    ``key`` names the column to return (``ticket_id`` for comments), so that
    callers can fold matches of child rows into their parent. ``where`` keeps
    only rows whose columns equal the values given (``{"is_internal": False}``).
    """
    return cast("Select[int, float]", _matches(session, tbl, query, key, where, scored=True))


def matching(
    session: Session,
    tbl: str,
    query: str,
    *,
    key: str = "id",
    where: Mapping[str, object] | None = None,
) -> Select[int]:
    """``SELECT match_id`` of rows of ``tbl`` matching ``query``, unranked (a filter)."""
    return cast("Select[int]", _matches(session, tbl, query, key, where, scored=False))


def _matches(
    session: Session,
    tbl: str,
    query: str,
    key: str,
    where: Mapping[str, object] | None,
    *,
    scored: bool,
) -> Select[Any]:
    words = terms(query)
    wanted = dict(where or {})
    src = table(tbl, column("id"), column(key), *(column(name) for name in wanted))
    same = [src.c[name] == value for name, value in wanted.items()]
    if session.get_bind().dialect.name == "postgresql":
        # The tsquery text is written into the SQL (it holds only \w+ words, '&', ':'
        # and '*'), not bound: once psycopg prepares a statement PostgreSQL may go over
        # to a generic plan, which cannot see a bound query and gives up the GIN index.
        text_query = literal(_pg_tsquery(words), literal_execute=True)
        tsq = func.to_tsquery(literal_column("'itsm_search'"), text_query)
        vec: ColumnElement[Any] = literal_column(f"{tbl}.search_vector")
        score = [func.ts_rank(vec, tsq).label("score")] if scored else []
        return select(src.c[key].label("match_id"), *score).where(vec.op("@@")(tsq), *same)
    fts = f"{tbl}_fts"
    found = text(f"{fts} MATCH :q_{tbl}").bindparams(**{f"q_{tbl}": _fts5_query(words)})
    score = [(-literal_column(_bm25(tbl))).label("score")] if scored else []
    if key == "id" and not wanted:
        # The FTS rowid is the row's id: no read of the content table (a ticket row
        # with its description) for each match.
        rowid: ColumnElement[int] = literal_column(f"{fts}.rowid")
        return select(rowid.label("match_id"), *score).select_from(table(fts)).where(found)
    return (
        select(src.c[key].label("match_id"), *score)
        .select_from(table(fts))
        .join(src, src.c.id == literal_column(f"{fts}.rowid"))
        .where(found, *same)
    )
