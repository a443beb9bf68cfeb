"""Full-text matching on both databases, accent- and case-insensitive.

PostgreSQL uses the generated ``search_vector`` columns (GIN-indexed, built with
the ``itsm_search`` configuration that folds accents); SQLite uses the FTS5
tables ``<table>_fts`` with the ``unicode61 remove_diacritics 2`` tokenizer.
Both treat every word of the query as a prefix and require all of them, so the
two databases answer the same query the same way.

Words joined by punctuation ("Wi-Fi", "e-mail", "TKT-20261206-0005") are also
indexed joined ("wifi") and in parts, through the searched rows' ``search_terms``
column (:func:`search_terms`, filled by the models); a query word so joined
matches its parts as a phrase or the joined word, and two short query words
("wi fi") also match their joined form. So "wifi", "Wi-Fi", "wi fi" and "WiFi"
find one another on both databases.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
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

_PART = re.compile(r"[^\W_]+")  # letters and digits: what both tokenizers keep
# Parts joined without a space. A match starts only where a run of letters and digits
# does, and runs are taken whole (possessive): linear time on a 100 KB word.
_JOINED = re.compile(r"(?<![^\W_])[^\W_]++(?:(?:[^\w\s]|_)++[^\W_]++)+")
# A ticket number among a joined word's parts (joined by spaces): "tkt 20261206 0005".
_TICKET_NUMBER = re.compile(r"(?<![^ ])tkt \d{8} \d{4,}(?![^ ])", re.ASCII)
MAX_TERMS = 16
#: Query words this short are also tried joined with the next one ("wi fi": "wifi").
SHORT_WORD = 4
# Title above body on SQLite too, like PostgreSQL's setweight A/B (bm25 column weights).
_BM25_WEIGHTS = {"tickets": "10.0, 1.0", "knowledge_base": "10.0, 1.0"}


def has_terms(query: str) -> bool:
    """Whether ``query`` has a word to look for (else :func:`terms` refuses it)."""
    return _PART.search(query) is not None


def search_terms(*texts: str | None) -> str | None:
    """What the index holds beyond ``texts``' own words: each word joined by punctuation,
    in parts and joined ("Wi-Fi" gives "wi fi wifi"); ``None`` when there is none.

    The tokenizers split such words at the punctuation (PostgreSQL's reads
    "-0005" as a signed number), so neither finds "wifi" or a ticket number's parts.
    """
    return _joined_terms(texts, keep=lambda _spaced: True)


def ticket_search_terms(number: str | None, *texts: str | None) -> str | None:
    """:func:`search_terms` of a ticket's ``number`` and ``texts``, without any joined
    word naming another ticket: its requester must not find another ticket's number
    by its parts ("0005", "tkt 20261206 0005") through their own ticket."""
    own = " ".join(_PART.findall(number.lower())) if number else None
    return _joined_terms(
        (number, *texts), keep=lambda spaced: spaced == own or not _TICKET_NUMBER.search(spaced)
    )


def _joined_terms(texts: Iterable[str | None], *, keep: Callable[[str], bool]) -> str | None:
    found: list[str] = []
    for written in texts:
        for joined in _JOINED.findall(written.lower()) if written else ():
            parts = _PART.findall(joined)
            if keep(" ".join(parts)):
                found.extend((*parts, "".join(parts)))
    return " ".join(found) or None


def terms(query: str) -> list[list[str]]:
    """The query's words, each as its parts ("Wi-Fi": ``["wi", "fi"]``)."""
    words = [_PART.findall(w) for w in query.lower().split()]
    words = [w for w in words if w]
    if not words:
        raise InvalidInput(f"search text {query!r} has no words to look for")
    return words[:MAX_TERMS]


def _alternatives(words: list[list[str]]) -> list[list[list[str]]]:
    """The query as written, then with each pair of short neighbours joined."""
    out = [words]
    for i in range(len(words) - 1):
        a, b = words[i], words[i + 1]
        if len(a) == len(b) == 1 and max(len(a[0]), len(b[0])) <= SHORT_WORD:
            out.append([*words[:i], [a[0] + b[0]], *words[i + 2 :]])
    return out


def _pg_word(parts: list[str]) -> str:
    if len(parts) == 1:
        return f"{parts[0]}:*"
    return f"({' <-> '.join(parts)}:* | {''.join(parts)}:*)"


def _fts5_word(parts: list[str]) -> str:
    if len(parts) == 1:
        return f'"{parts[0]}"*'
    return f'("{" ".join(parts)}"* OR "{"".join(parts)}"*)'


def _pg_tsquery(words: list[list[str]]) -> str:
    ways = [" & ".join(_pg_word(w) for w in way) for way in _alternatives(words)]
    return ways[0] if len(ways) == 1 else " | ".join(f"({way})" for way in ways)


def _fts5_query(words: list[list[str]]) -> str:
    ways = [" AND ".join(_fts5_word(w) for w in way) for way in _alternatives(words)]
    return ways[0] if len(ways) == 1 else " OR ".join(f"({way})" for way in ways)


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
        # The tsquery text is written into the SQL (it holds only letters and digits,
        # '&', '|', '<->', brackets, ':' and '*'), not bound: once psycopg prepares a
        # statement PostgreSQL may go over to a generic plan, which cannot see a bound
        # query and gives up the GIN index.
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
