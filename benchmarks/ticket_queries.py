"""Queue pages, a ticket page, statistics and full-text search over 1,000,000 tickets.

On the run's shared data set (:mod:`benchmarks._dataset`, reused by ``cli_cold``),
each figure times the service (``itsm.tickets.queries`` in a read-only
``Database.session()`` of ``open_database``: what every door runs) and, where it
has one, a raw baseline doing the same work: the same SQL by hand on a raw DBAPI
connection in a transaction. The two alternate run by run after a warm-up that
checks they give the same answer.

Targets (``benchmarks._core``): queue pages (20 rows, first and deep pages by keyset
cursor) and the ticket page of ``itsm ticket show`` p95 <= 20 ms; statistics
(``itsm ticket stats``) median <= 1.5x the same GROUP BY queries run raw; selective
searches p95 <= 50 ms. A broad search and a one-GROUP-BY statistics query are
measured for information only.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from benchmarks import _dataset
from benchmarks._core import (
    PAGE_P95_MS,
    REPORT_MAX_RATIO,
    SEARCH_P95_MS,
    Figure,
    Result,
    RunConfig,
    Target,
    median,
    percentile,
)
from benchmarks._dataset import Dataset
from benchmarks._env import isolated_settings_env, settings_for
from itsm.db.runtime import Database, open_database
from itsm.tickets import events, queries, workflow
from itsm.tickets import service as tickets
from itsm.tickets.models import Ticket
from itsm.tickets.schemas import TicketFilters, comment_read, event_read, ticket_read

NAME = "ticket_queries"
TITLE = "Ticket queries at scale: queue pages, a ticket page, statistics, full-text search"
PAGE = 20
ACTIVE = ("open", "in_progress", "pending")
TECHNICIAN = "tech03"
# The columns the service loads: not search_terms, which only the index reads (deferred).
TICKET_COLUMNS = ", ".join(
    f"t.{c.name}" for c in Ticket.__table__.columns if c.name != "search_terms"
)
PEOPLE = (
    "r.username, r.full_name, a.username, a.full_name FROM tickets t "
    "JOIN users r ON r.id = t.requester_id LEFT JOIN users a ON a.id = t.assignee_id"
)


# Raw DBAPI access ---------------------------------------------------------------


class Raw:
    """Statements on a raw connection, each batch in one transaction like a session."""

    def __init__(self, dataset: Dataset) -> None:
        self.kind = dataset.kind
        self.conn = dataset.connect()
        self.mark = "?" if self.kind == "sqlite" else "%s"

    def run(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> list[list[Any]]:
        if self.kind == "sqlite":
            self.conn.execute("BEGIN")
        try:
            return [list(self.conn.execute(sql, params).fetchall()) for sql, params in statements]
        finally:
            if self.kind == "sqlite":
                self.conn.execute("COMMIT")
            else:
                self.conn.rollback()

    def marks(self, n: int) -> str:
        return ", ".join([self.mark] * n)

    def close(self) -> None:
        self.conn.close()


def _literals(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


# Timing ---------------------------------------------------------------------------


@dataclass
class Timed:
    raw_ms: list[float] = field(default_factory=list)
    service_ms: list[float] = field(default_factory=list)
    other_ms: list[float] = field(default_factory=list)  # a second reference, if any

    def p95(self, which: str = "service") -> float:
        return percentile(getattr(self, f"{which}_ms"), 95)

    def med(self, which: str = "service") -> float:
        return median(getattr(self, f"{which}_ms"))

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for which in ("raw", "service", "other"):
            values = getattr(self, f"{which}_ms")
            if values:
                out[which] = {
                    "runs": len(values),
                    "min_ms": round(min(values), 3),
                    "median_ms": round(median(values), 3),
                    "p95_ms": round(percentile(values, 95), 3),
                    "max_ms": round(max(values), 3),
                }
        return out


def interleave(paths: Sequence[Callable[[], Any]], runs: int, warmup: int = 2) -> list[list[float]]:
    """Milliseconds per run of each path, the paths alternated run by run."""
    for _ in range(warmup):
        for fn in paths:
            fn()
    out: list[list[float]] = [[] for _ in paths]
    clock = time.perf_counter
    for _ in range(runs):
        for samples, fn in zip(out, paths, strict=True):
            t0 = clock()
            fn()
            samples.append((clock() - t0) * 1000)
    return out


# Queue pages ----------------------------------------------------------------------


@dataclass(frozen=True)
class PageCase:
    label: str
    sort: queries.Sort
    status: tuple[str, ...] = ()
    priority: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    assignee: str | None = None
    unassigned: bool = False
    breached: bool = False  # --sla breached
    deep: bool = False  # a page half-way through, by cursor

    @property
    def filters(self) -> TicketFilters:
        return TicketFilters.model_validate(
            {
                "status": list(self.status),
                "priority": list(self.priority),
                "category": list(self.category),
                "assignee": self.assignee,
                "unassigned": self.unassigned,
                "sla": "breached" if self.breached else None,
            }
        )


PAGE_CASES = (
    PageCase("all tickets, newest first, first page", queries.Sort.NEWEST),
    PageCase("active queue by priority, first page", queries.Sort.PRIORITY, status=ACTIVE),
    PageCase(
        "active, hardware, critical+high, unassigned, by priority, first page",
        queries.Sort.PRIORITY,
        status=ACTIVE,
        priority=("critical", "high"),
        category=("hardware",),
        unassigned=True,
    ),
    PageCase(
        f"active, assigned to {TECHNICIAN}, newest first, first page",
        queries.Sort.NEWEST,
        status=ACTIVE,
        assignee=TECHNICIAN,
    ),
    PageCase(
        f"active, assigned to {TECHNICIAN}, by priority, first page",
        queries.Sort.PRIORITY,
        status=ACTIVE,
        assignee=TECHNICIAN,
    ),
    PageCase(
        "active queue by priority, deep page", queries.Sort.PRIORITY, status=ACTIVE, deep=True
    ),
    PageCase("all tickets, newest first, deep page", queries.Sort.NEWEST, deep=True),
    PageCase("active queue by due time, first page", queries.Sort.DUE, status=ACTIVE),
    PageCase("active queue by due time, deep page", queries.Sort.DUE, status=ACTIVE, deep=True),
    PageCase("breached, by due time, first page", queries.Sort.DUE, breached=True),
)


def _sort_sql(case: PageCase) -> tuple[list[str], bool]:
    if case.sort is queries.Sort.PRIORITY:
        return ["t.priority_rank", "t.created_at", "t.id"], False
    if case.sort is queries.Sort.DUE:
        return ["t.due_at", "t.id"], False
    return ["t.created_at", "t.id"], case.sort is queries.Sort.NEWEST


def raw_page_sql(raw: Raw, case: PageCase, key: Sequence[Any] | None, *, select: str) -> str:
    """The page's SQL; by due time, the part of the tickets with a due time (``list_page``
    reads the others only past the last of those, which no page measured reaches)."""
    where: list[str] = []
    due = case.sort is queries.Sort.DUE
    # As list_page: a due time means a running clock, which every active status keeps.
    if case.status and not (due and set(case.status) >= {"open", "in_progress"}):
        where.append(f"t.status IN ({_literals(case.status)})")
    if case.priority:
        where.append(f"t.priority IN ({_literals(case.priority)})")
    if case.category:
        where.append(f"t.category IN ({_literals(case.category)})")
    if case.assignee:
        where.append(f"t.assignee_id = (SELECT id FROM users WHERE username = {raw.mark})")
    if case.unassigned:
        where.append("t.assignee_id IS NULL")
    if case.breached:
        where.append(f"t.due_at <= {raw.mark}")
    if due:
        where.append("t.due_at IS NOT NULL")
    cols, descending = _sort_sql(case)
    if key is not None:
        where.append(f"({', '.join(cols)}) {'<' if descending else '>'} ({raw.marks(len(cols))})")
    order = ", ".join(f"{c} DESC" if descending else c for c in cols)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return f"SELECT {select}{clause} ORDER BY {order}"


def _params(raw: Raw, case: PageCase, key: Sequence[Any] | None) -> list[Any]:
    now: list[Any] = []
    if case.breached:  # what list_page compares due times with
        now = list(_dataset.sqlite_text((_NOW,)) if raw.kind == "sqlite" else (_NOW,))
    return [*([case.assignee] if case.assignee else []), *now, *(key or [])]


# "Now" of the raw breached page: the run's start. Its first page, the longest breached,
# is due long before, so the service's own "now" a moment later gives the same rows.
_NOW = datetime.now(UTC)


@dataclass
class PageRun:
    case: PageCase
    timed: Timed
    position: int  # rows before the page (0: first page)


def _measure_pages(
    db: Database, raw: Raw, ds: Dataset, runs: int, log: Callable[[str], None]
) -> list[PageRun]:
    out: list[PageRun] = []
    for case in PAGE_CASES:
        key: list[Any] | None = None
        cursor: str | None = None
        position = 0
        if case.deep:
            total_sql = raw_page_sql(raw, case, None, select="count(*) FROM tickets t")
            total_sql = total_sql.split(" ORDER BY ")[0]
            total = int(raw.run([(total_sql, _params(raw, case, None))])[0][0][0])
            position = total // 2
            cols, _ = _sort_sql(case)
            pick = raw_page_sql(raw, case, None, select=f"{', '.join(cols)} FROM tickets t")
            key = list(
                raw.run([(f"{pick} LIMIT 1 OFFSET {position - 1}", _params(raw, case, None))])[0][0]
            )
            with db.session(write=False) as session:
                ticket = session.get(Ticket, int(key[-1]))
                assert ticket is not None
                cursor = queries.encode_cursor(case.sort, ticket)
        sql = (
            raw_page_sql(raw, case, key, select=f"{TICKET_COLUMNS}, {PEOPLE}")
            + f" LIMIT {PAGE + 1}"
        )
        params = _params(raw, case, key)
        filters = case.filters

        def raw_page(sql: str = sql, params: list[Any] = params) -> list[int]:
            return [int(r[0]) for r in raw.run([(sql, params)])[0][:PAGE]]

        def service_page(
            filters: TicketFilters = filters,
            sort: queries.Sort = case.sort,
            cursor: str | None = cursor,
        ) -> list[int]:
            with db.session(write=False) as session:
                rows, _next = queries.list_page(
                    session, filters=filters, sort=sort, limit=PAGE, cursor=cursor
                )
                return [t.id for t in rows]

        got, want = raw_page(), service_page()
        if got != want:
            raise RuntimeError(f"raw SQL and list_page disagree ({case.label}): {got} != {want}")
        log(f"{NAME}/{ds.kind}: page: {case.label}")
        raw_ms, service_ms = interleave([raw_page, service_page], runs)
        out.append(PageRun(case, Timed(raw_ms, service_ms), position))
        log(f"{NAME}/{ds.kind}:   {_summary(out[-1].timed)}")
    return out


# The ticket page -------------------------------------------------------------------


def _measure_ticket_page(db: Database, number: str, runs: int) -> Timed:
    """What ``itsm ticket show`` reads: the ticket, its comments, history and links."""

    def page() -> int:
        with db.session(write=False) as session:
            ticket = tickets.get_ticket(session, ref=number)
            ticket_read(ticket)
            comments = [comment_read(c) for c in tickets.comments_of(session, ticket=ticket)]
            history = [event_read(ev) for ev in events.history(session, ticket_id=ticket.id)]
            links = list(workflow.links_of(session, ticket=ticket))
        return len(comments) + len(history) + len(links)

    [service_ms] = interleave([page], runs)
    return Timed(service_ms=service_ms)


# Statistics -----------------------------------------------------------------------

STATS_SQL = (
    "SELECT status, count(*) FROM tickets GROUP BY status",
    "SELECT priority, count(*) FROM tickets GROUP BY priority",
    "SELECT category, count(*) FROM tickets GROUP BY category",
    f"SELECT count(*) FROM tickets WHERE status IN ({_literals(ACTIVE)}) AND assignee_id IS NULL",
)
STATS_ONE_SQL = (
    "SELECT status, priority, category, count(*) FROM tickets GROUP BY status, priority, category",
    STATS_SQL[3],
)


def _raw_stats(raw: Raw) -> dict[str, Any]:
    by_status, by_priority, by_category, unassigned = raw.run([(s, ()) for s in STATS_SQL])
    return {
        "by_status": {k: int(n) for k, n in by_status},
        "by_priority": {k: int(n) for k, n in by_priority},
        "by_category": {k: int(n) for k, n in by_category},
        "unassigned_active": int(unassigned[0][0]),
    }


def _raw_stats_one(raw: Raw) -> dict[str, Any]:
    groups, unassigned = raw.run([(s, ()) for s in STATS_ONE_SQL])
    out: dict[str, Any] = {"by_status": {}, "by_priority": {}, "by_category": {}}
    for status, priority, category, n in groups:
        for name, key in (
            ("by_status", status),
            ("by_priority", priority),
            ("by_category", category),
        ):
            out[name][key] = out[name].get(key, 0) + int(n)
    out["unassigned_active"] = int(unassigned[0][0])
    return out


def _measure_stats(db: Database, raw: Raw, runs: int) -> Timed:
    def service() -> dict[str, Any]:
        with db.session(write=False) as session:
            s = queries.stats(session)
        return {
            "by_status": s.by_status,
            "by_priority": s.by_priority,
            "by_category": s.by_category,
            "unassigned_active": s.unassigned_active,
        }

    want = service()
    for name, got in (("raw GROUP BY", _raw_stats(raw)), ("one GROUP BY", _raw_stats_one(raw))):
        if got != want:
            raise RuntimeError(f"{name} and stats disagree: {got} != {want}")
    raw_ms, service_ms, one_ms = interleave(
        [lambda: _raw_stats(raw), service, lambda: _raw_stats_one(raw)], runs, warmup=1
    )
    return Timed(raw_ms, service_ms, one_ms)


# Full-text search -----------------------------------------------------------------


def _unaccented(word: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", word) if not unicodedata.combining(ch))


@dataclass(frozen=True)
class SearchCase:
    label: str
    query: str
    selective: bool = True


def search_cases() -> list[SearchCase]:
    words = _dataset.rare_words()
    return [
        SearchCase("one rare word", words[1]),
        SearchCase("common word + rare word", f"impresora {words[2]}"),
        SearchCase("accented word typed without accent", _unaccented(words[5])),
        SearchCase("prefix of 5 letters", words[3][:5]),
        SearchCase("broad: one common word (information)", "impresora", selective=False),
    ]


def raw_search_sql(raw: Raw) -> tuple[str, str]:
    """The page (best 20, ties by id, newest first) and the count of matching tickets."""
    if raw.kind == "sqlite":
        matches = (
            "SELECT t.id AS match_id, -bm25(tickets_fts, 10.0, 1.0) AS score FROM tickets_fts "
            "JOIN tickets t ON t.id = tickets_fts.rowid WHERE tickets_fts MATCH ? "
            "UNION ALL SELECT c.ticket_id, -bm25(ticket_comments_fts) FROM ticket_comments_fts "
            "JOIN ticket_comments c ON c.id = ticket_comments_fts.rowid "
            "WHERE ticket_comments_fts MATCH ?"
        )
    else:
        matches = (
            "SELECT id AS match_id, ts_rank(search_vector, q) AS score "
            "FROM tickets, to_tsquery('itsm_search', %s) AS q WHERE search_vector @@ q "
            "UNION ALL SELECT ticket_id, ts_rank(search_vector, q) "
            "FROM ticket_comments, to_tsquery('itsm_search', %s) AS q WHERE search_vector @@ q"
        )
    best = f"best AS (SELECT match_id, max(score) AS score FROM ({matches}) AS m GROUP BY match_id)"
    page = (
        f"WITH {best} SELECT {TICKET_COLUMNS}, best.score, {PEOPLE} "
        f"JOIN best ON best.match_id = t.id ORDER BY best.score DESC, t.id DESC LIMIT {PAGE}"
    )
    count = f"WITH {best} SELECT count(*) FROM best JOIN tickets t ON t.id = best.match_id"
    return page, count


def raw_search_terms(kind: str, query: str) -> str:
    words = query.lower().split()
    if kind == "sqlite":
        return " ".join(f'"{w}"*' for w in words)
    return " & ".join(f"{w}:*" for w in words)


@dataclass
class SearchRun:
    case: SearchCase
    timed: Timed
    total: int


def _measure_search(
    db: Database, raw: Raw, ds: Dataset, runs: int, log: Callable[[str], None]
) -> list[SearchRun]:
    page_sql, count_sql = raw_search_sql(raw)
    out: list[SearchRun] = []
    for case in search_cases():
        terms = raw_search_terms(raw.kind, case.query)

        def raw_search(terms: str = terms) -> tuple[list[int], int]:
            page, count = raw.run([(page_sql, (terms, terms)), (count_sql, (terms, terms))])
            return [int(r[0]) for r in page], int(count[0][0])

        def service_search(query: str = case.query) -> tuple[list[int], int]:
            with db.session(write=False) as session:
                found, total = queries.search(session, query=query, limit=PAGE)
                return [t.id for t, _score in found], total

        got, want = raw_search(), service_search()
        if got != want:
            raise RuntimeError(f"raw SQL and search disagree ({case.label}): {got} != {want}")
        log(f"{NAME}/{ds.kind}: search {case.query!r}: {want[1]:,} tickets")
        n = runs if case.selective else max(3, runs // 10)
        raw_ms, service_ms = interleave([raw_search, service_search], n, warmup=1)
        out.append(SearchRun(case, Timed(raw_ms, service_ms), want[1]))
        log(f"{NAME}/{ds.kind}:   {_summary(out[-1].timed)}")
    return out


# The benchmark ---------------------------------------------------------------------


def _summary(t: Timed) -> str:
    """Medians and p95s of each path, for the progress log."""
    return "; ".join(
        f"{which} min {min(v):,.1f} median {median(v):,.1f} p95 {percentile(v, 95):,.1f} ms"
        for which in ("raw", "service", "other")
        if (v := getattr(t, f"{which}_ms"))
    )


def _ms(value: float) -> str:
    return f"{value:,.1f} ms"


def run(cfg: RunConfig) -> Result:
    count = cfg.ticket_count(full=1_000_000, smoke=20_000)
    page_runs = cfg.size(full=100, smoke=20)
    stats_runs = cfg.size(full=5, smoke=5)
    search_runs = cfg.size(full=50, smoke=15)
    result = Result(name=NAME, title=TITLE)
    result.notes.append(
        f"{count:,} tickets with comments and events; pages of {PAGE}: {page_runs} runs per "
        f"path; statistics: {stats_runs}; selective searches: {search_runs} (broad: fewer); "
        "paths interleaved after a warm-up that checks both give the same answer"
    )
    skipped = _dataset.skipped_kinds()
    for kind, label in _dataset.KINDS:
        if kind in skipped:
            result.skipped.append(f"{label}: {skipped[kind]}")
            continue
        ds = _dataset.provide(cfg, kind, count)
        with isolated_settings_env() as home:
            db = open_database(settings_for(ds.url, home))
            raw = Raw(ds)
            try:
                pages = _measure_pages(db, raw, ds, page_runs, cfg.log)
                cfg.log(f"{NAME}/{kind}: ticket page {ds.totals.show_number}")
                ticket_page = _measure_ticket_page(db, ds.totals.show_number, page_runs)
                cfg.log(f"{NAME}/{kind}: statistics, {stats_runs} runs per path")
                stats = _measure_stats(db, raw, stats_runs)
                cfg.log(f"{NAME}/{kind}:   {_summary(stats)}")
                searches = _measure_search(db, raw, ds, search_runs, cfg.log)
            finally:
                raw.close()
                db.dispose()
        _report(result, ds, pages, ticket_page, stats, searches)
    return result


def _report(
    result: Result,
    ds: Dataset,
    pages: list[PageRun],
    ticket_page: Timed,
    stats: Timed,
    searches: list[SearchRun],
) -> None:
    lab = ds.label
    result.notes.append(f"{lab}: {ds.detail}")
    data: dict[str, Any] = {"dataset": ds.detail, "load_seconds": round(ds.load_seconds, 1)}
    for p in pages:
        base = f"{lab} raw SQL: {p.case.label}"
        where = f"after {p.position:,} rows; " if p.position else ""
        result.figures += [
            Figure(
                base,
                p.timed.p95("raw"),
                "ms",
                detail=f"baseline p95; median {_ms(p.timed.med('raw'))}",
            ),
            Figure(
                f"{lab} list_page: {p.case.label}",
                p.timed.p95(),
                "ms",
                baseline=base,
                baseline_value=p.timed.p95("raw"),
                detail=(
                    f"p95; {where}median {_ms(p.timed.med())}, "
                    f"fastest {_ms(min(p.timed.service_ms))}"
                ),
            ),
        ]
        result.targets.append(
            Target(
                f"{lab}: {p.case.label}: p95 <= {PAGE_P95_MS:.0f} ms",
                p.timed.p95() <= PAGE_P95_MS,
                _ms(p.timed.p95()),
            )
        )
        data[f"page: {p.case.label}"] = p.timed.as_json() | {"position": p.position}
    result.figures.append(
        Figure(
            f"{lab} ticket page: {ds.totals.show_number}",
            ticket_page.p95(),
            "ms",
            detail=(
                f"p95; ticket, comments, history, links; median {_ms(ticket_page.med())}; "
                "no baseline (absolute target)"
            ),
        )
    )
    result.targets.append(
        Target(
            f"{lab}: ticket page p95 <= {PAGE_P95_MS:.0f} ms",
            ticket_page.p95() <= PAGE_P95_MS,
            _ms(ticket_page.p95()),
        )
    )
    data["ticket page"] = ticket_page.as_json() | {"number": ds.totals.show_number}
    base = f"{lab} raw SQL: 4 statistics queries"
    ratio = stats.med() / stats.med("raw")
    result.figures += [
        Figure(
            base, stats.med("raw"), "ms", detail="baseline median; 3 GROUP BY + unassigned count"
        ),
        Figure(
            f"{lab} raw SQL: one GROUP BY status, priority, category",
            stats.med("other"),
            "ms",
            baseline=base,
            baseline_value=stats.med("raw"),
            detail="a second reference, median",
        ),
        Figure(
            f"{lab} stats",
            stats.med(),
            "ms",
            baseline=base,
            baseline_value=stats.med("raw"),
            detail="median; runs " + ", ".join(f"{v:.0f}" for v in stats.service_ms) + " ms",
        ),
    ]
    result.targets.append(
        Target(
            f"{lab}: stats <= {REPORT_MAX_RATIO}x the same GROUP BY queries run raw",
            ratio <= REPORT_MAX_RATIO,
            f"{ratio:.2f}x",
        )
    )
    data["stats"] = stats.as_json() | {"ratio": round(ratio, 4)}
    for s in searches:
        base = f"{lab} raw SQL: search {s.case.query!r}"
        result.figures += [
            Figure(
                base,
                s.timed.p95("raw"),
                "ms",
                detail=f"baseline p95; median {_ms(s.timed.med('raw'))}",
            ),
            Figure(
                f"{lab} search: {s.case.label}: {s.case.query!r}",
                s.timed.p95(),
                "ms",
                baseline=base,
                baseline_value=s.timed.p95("raw"),
                detail=(
                    f"p95; {s.total:,} matching tickets; median {_ms(s.timed.med())}, "
                    f"fastest {_ms(min(s.timed.service_ms))}"
                ),
            ),
        ]
        if s.case.selective:
            result.targets.append(
                Target(
                    f"{lab}: search {s.case.query!r} ({s.total:,} tickets): "
                    f"p95 <= {SEARCH_P95_MS:.0f} ms",
                    s.timed.p95() <= SEARCH_P95_MS,
                    _ms(s.timed.p95()),
                )
            )
        data[f"search: {s.case.label}"] = s.timed.as_json() | {
            "query": s.case.query,
            "total": s.total,
        }
    result.data[ds.kind] = data
