"""A help desk of N tickets with comments and audit events, bulk-loaded once per run.

The query benchmarks (``ticket_queries``, ``cli_cold``) share it: the first one
to ask for a database kind and size builds it, later ones in the same run reuse
it, and the harness drops it after the last benchmark (``RunConfig.cleanup``).
``bulk_import`` uses the same rows (:func:`generate`) for its import file.

Contents, from a fixed seed, over the year before the run: 1 admin, 20
technicians, 5,000 requesters; ticket ids in creation order, numbers
``TKT-YYYYMMDD-NNNN`` per UTC day (the counters set to match); priorities
critical/high/medium/low 5/20/50/25 %, five categories; SLA due times by
priority on 90 % of tickets (and the running clock's ``due_at`` on the open and in
progress ones); log-normal times to first response and resolution;
statuses from each ticket's age (about 96 % resolved or closed); a resolution
note on every resolved or closed ticket. Titles and descriptions are Spanish
help-desk phrases; every description and half of the comments carry one of
5,000 made-up "reference" words (a fifth of them accented), so that each such
word is in a few hundredths of a percent of the tickets: the selective searches.
Comments: 0-3 per ticket (about 1.05 on average), a fifth internal. Events: what
the service would have written: created, assigned, commented, status changes.

Loading is bulk-load practice, not itsm's import: SQLite ``executemany`` in one
transaction with secondary indexes and full-text triggers dropped and recreated
from their own DDL afterwards, FTS rebuilt; PostgreSQL ``COPY`` with secondary
and GIN indexes dropped and recreated afterwards (foreign-key triggers off for
the load: the rows are consistent by construction), then ``VACUUM ANALYZE``.
"""

from __future__ import annotations

import bisect
import math
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from benchmarks._core import RunConfig
from benchmarks._env import (
    isolated_settings_env,
    migrate_database,
    postgres_database,
    postgres_dsn,
    postgres_reachable,
    postgres_sqlalchemy_url,
    settings_for,
    sqlite_url,
)
from itsm.db.fulltext import search_terms

YEAR = timedelta(days=365)
TECHNICIANS = 20
REQUESTERS = 5000
RARE_WORDS = 5000
CHUNK = 20_000
SEED = 20261127

PRIORITIES = ("critical", "high", "medium", "low")
PRIORITY_CUM = (5, 25, 75, 100)
CATEGORIES = ("hardware", "software", "network", "account", "other")
CATEGORY_CUM = (30, 60, 75, 90, 100)
SLA_HOURS = {"critical": (1, 4), "high": (4, 24), "medium": (8, 72), "low": (24, 120)}
MEDIAN_HOURS = {"critical": (0.25, 4), "high": (1, 16), "medium": (3, 48), "low": (8, 120)}
SOURCES = ("web", "email", "cli", "api")

PROBLEMS = (
    "No funciona",
    "Error al abrir",
    "Lentitud en",
    "No conecta",
    "Fallo de",
    "Bloqueo de",
    "Problema con",
    "Configurar",
    "Instalar",
    "Actualizar",
    "Sin acceso a",
    "Mensaje de error en",
)
SUBJECTS = (
    "la impresora",
    "la VPN",
    "el correo",
    "Outlook",
    "Excel",
    "el portátil",
    "el monitor",
    "el teclado",
    "la red wifi",
    "el servidor de archivos",
    "la contraseña",
    "SAP",
    "Teams",
    "el escáner",
    "el teléfono",
    "la cuenta de usuario",
    "el certificado",
    "la base de datos",
    "el navegador",
    "la aplicación de nóminas",
    "el proyector",
    "la cámara",
    "OneDrive",
    "el antivirus",
    "la unidad compartida",
)
SENTENCES = (
    "El usuario indica que el problema empezó esta mañana.",
    "Ocurre cada vez que se reinicia el equipo.",
    "Se ha probado a cerrar sesión y volver a entrar sin éxito.",
    "El mensaje de error aparece tras unos segundos.",
    "Afecta a todo el departamento de contabilidad.",
    "Solo ocurre conectado desde casa.",
    "Ya se había reportado algo parecido el mes pasado.",
    "Necesita una solución antes de la reunión del viernes.",
    "La pantalla se queda en negro durante la búsqueda.",
    "No hay cambios recientes en la configuración.",
    "El equipo tiene la última actualización instalada.",
    "Se adjunta captura del error en el registro.",
    "La impresión sale cortada por la mitad.",
    "El acceso funciona desde otro ordenador.",
    "Tarda varios minutos en responder.",
    "Pide reinstalar el controlador.",
)
REPLIES = (
    "Revisado el equipo en remoto.",
    "Reinstalado el controlador, queda pendiente de confirmar.",
    "Se ha escalado al proveedor.",
    "El usuario confirma que ya funciona.",
    "Sigue fallando tras el reinicio.",
    "Cambiada la contraseña y desbloqueada la cuenta.",
    "Pendiente de recibir la pieza de repuesto.",
    "Aplicada la actualización de seguridad.",
    "Se programa visita para mañana.",
    "Restaurada la configuración de red.",
)
NOTES = (
    "Reinstalado el controlador.",
    "Cuenta desbloqueada.",
    "Cambiada la pieza averiada.",
    "Configuración restaurada.",
    "Resuelto por el proveedor.",
)
_SYLLABLES = (
    *("ka", "zu", "mo", "ri", "ten", "vol", "qua", "xi", "ber", "lo", "fa", "nu"),
    *("pe", "sho", "dra", "gi", "tor", "mex", "lan", "bri", "cu", "don", "sa", "wen"),
)
_ACCENT = str.maketrans("aeiou", "áéíóú")


def rare_words() -> list[str]:
    """5,000 made-up words of three syllables; every fifth one has an accent."""
    rng = random.Random(SEED + 1)
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < RARE_WORDS:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(3))
        if word in seen:
            continue
        seen.add(word)
        if len(words) % 5 == 0:
            vowel = next(i for i, ch in enumerate(word) if ch in "aeiou")
            word = word[:vowel] + word[vowel].translate(_ACCENT) + word[vowel + 1 :]
        words.append(word)
    return words


# Column orders of the generated rows ---------------------------------------------

TICKET_COLUMNS = (
    "id",
    "number",
    "title",
    "description",
    "category",
    "priority",
    "status",
    "source",
    "requester_id",
    "assignee_id",
    "first_response_due_at",
    "resolution_due_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "resolution_note",
    "created_at",
    "updated_at",
    "search_terms",  # as itsm's models fill it: the index holds the number's parts
    "due_at",
)
COMMENT_COLUMNS = (
    "id",
    "ticket_id",
    "author_id",
    "body",
    "is_internal",
    "time_spent_minutes",
    "created_at",
    "search_terms",
)
EVENT_COLUMNS = (
    "ticket_id",
    "actor_id",
    "kind",
    "field",
    "old_value",
    "new_value",
    "created_at",
)
USER_COLUMNS = ("id", "username", "full_name", "role")

Row = tuple[Any, ...]
ADMIN_ID = 1
ADMIN = "bench-admin"


def users() -> list[Row]:
    rows: list[Row] = [(ADMIN_ID, ADMIN, "Bench Admin", "admin")]
    rows += [(2 + i, f"tech{i:02d}", f"Technician {i}", "technician") for i in range(TECHNICIANS)]
    first = 2 + TECHNICIANS
    rows += [(first + i, f"req{i:05d}", f"Requester {i}", "user") for i in range(REQUESTERS)]
    return rows


def username(user_id: int) -> str:
    if user_id == ADMIN_ID:
        return ADMIN
    if user_id < 2 + TECHNICIANS:
        return f"tech{user_id - 2:02d}"
    return f"req{user_id - 2 - TECHNICIANS:05d}"


@dataclass
class Chunk:
    tickets: list[Row] = field(default_factory=list)
    comments: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)


@dataclass
class Totals:
    tickets: int = 0
    comments: int = 0
    events: int = 0
    counters: dict[str, int] = field(default_factory=dict)  # day -> last number
    show_id: int = 0  # a closed ticket with three comments, half-way through the ids
    show_number: str = ""


def creation_times(count: int, now: datetime, seed: int = SEED) -> list[datetime]:
    """``count`` creation times over the year before ``now``, oldest first."""
    rng = random.Random(seed)
    offsets = sorted((rng.random() for _ in range(count)), reverse=True)
    return [now - YEAR * x for x in offsets]


def generate(count: int, now: datetime, totals: Totals, chunk: int = CHUNK) -> Iterator[Chunk]:
    """Chunks of ticket, comment and event rows; datetimes are aware UTC ``datetime``."""
    rng = random.Random(SEED + 2)
    rand = rng.random
    words = rare_words()
    hour = timedelta(hours=1)
    lognormal = {p: (math.log(r), math.log(s)) for p, (r, s) in MEDIAN_HOURS.items()}
    techs = list(range(2, 2 + TECHNICIANS))
    first_requester = 2 + TECHNICIANS
    comment_id = 0
    day_counts = totals.counters
    out = Chunk()
    for ticket_id, created in enumerate(creation_times(count, now), start=1):
        age = now - created
        pick = rand() * 100
        priority = PRIORITIES[bisect.bisect_right(PRIORITY_CUM, pick)]
        category = CATEGORIES[bisect.bisect_right(CATEGORY_CUM, rand() * 100)]
        mu_response, mu_resolve = lognormal[priority]
        to_respond = rng.lognormvariate(mu_response, 1.0) * hour
        to_resolve = max(to_respond, rng.lognormvariate(mu_resolve, 1.0) * hour)
        responded = created + to_respond if to_respond < age else None
        resolved = created + to_resolve if to_resolve < age and rand() < 0.97 else None
        closed = None
        note = None
        if resolved is not None:
            status = "resolved"
            if resolved + timedelta(days=3, hours=1) < now and rand() < 0.9:
                status, closed = "closed", resolved + timedelta(days=3, minutes=rand() * 60)
            note = NOTES[int(rand() * len(NOTES))]
        else:
            status = ("open", "open", "open", "in_progress", "in_progress", "pending")[
                int(rand() * 6)
            ]
            if status == "open" and rand() < 0.5:
                responded = None
        unassigned = (status == "open" and rand() < 0.5) or rand() < 0.03
        assignee = None if unassigned else techs[int(rand() * TECHNICIANS)]
        requester = first_requester + int(rand() * REQUESTERS)
        day = created.strftime("%Y%m%d")
        seq = day_counts.get(day, 0) + 1
        day_counts[day] = seq
        number = f"TKT-{day}-{seq:04d}"
        subject = SUBJECTS[int(rand() * len(SUBJECTS))]
        title = f"{PROBLEMS[int(rand() * len(PROBLEMS))]} {subject}"
        rare = words[int(rand() * RARE_WORDS)]
        if rand() < 0.1:
            title = f"{title} ({rare})"
        description = (
            f"{SENTENCES[int(rand() * len(SENTENCES))]} "
            f"{SENTENCES[int(rand() * len(SENTENCES))]} Referencia: {rare}. "
            f"Equipo PC-{int(rand() * 90000) + 10000}."
        )
        has_sla = rand() < 0.9
        fr_hours, res_hours = SLA_HOURS[priority]
        end = closed or resolved or responded or created
        # The running clock's due time (itsm.sla.due), as the service would have kept it.
        due = None
        if has_sla and status in ("open", "in_progress"):
            due = created + (fr_hours if responded is None else res_hours) * hour
        out.tickets.append(
            (
                ticket_id,
                number,
                title,
                description,
                category,
                priority,
                status,
                SOURCES[int(rand() * 4)],
                requester,
                assignee,
                created + fr_hours * hour if has_sla else None,
                created + res_hours * hour if has_sla else None,
                responded,
                resolved,
                closed,
                note,
                created,
                end,
                search_terms(number, title, description, note),
                due,
            )
        )
        events = out.events
        events.append((ticket_id, requester, "created", None, None, number, created))
        if assignee is not None:
            events.append(
                (ticket_id, ADMIN_ID, "assigned", "assignee", None, username(assignee), created)
            )
        k = rand()
        n_comments = 0 if k < 0.35 else 1 if k < 0.70 else 2 if k < 0.90 else 3
        last = resolved or now
        for j in range(n_comments):
            comment_id += 1
            at = created + (last - created) * rand()
            internal = rand() < 0.2
            author = assignee if (j % 2 == 0 and assignee) else requester
            body = REPLIES[int(rand() * len(REPLIES))]
            if rand() < 0.5:
                body = f"{body} Ver {words[int(rand() * RARE_WORDS)]}."
            spent = 0 if author == requester else (5, 10, 15, 30, 60)[int(rand() * 5)]
            terms = search_terms(body)
            out.comments.append((comment_id, ticket_id, author, body, internal, spent, at, terms))
            kind = "internal" if internal else "public"
            events.append((ticket_id, author, "commented", kind, None, str(comment_id), at))
        if status in ("in_progress", "pending"):
            events.append((ticket_id, assignee, "status_changed", "status", "open", status, end))
        elif resolved is not None:
            events.append(
                (ticket_id, assignee, "status_changed", "status", "open", "resolved", resolved)
            )
            if closed is not None:
                events.append(
                    (ticket_id, assignee, "status_changed", "status", "resolved", "closed", closed)
                )
        if not totals.show_id and ticket_id >= count // 2 and n_comments == 3 and closed:
            totals.show_id, totals.show_number = ticket_id, number
        totals.tickets += 1
        if len(out.tickets) >= chunk:
            totals.comments += len(out.comments)
            totals.events += len(out.events)
            yield out
            out = Chunk()
    if out.tickets:
        totals.comments += len(out.comments)
        totals.events += len(out.events)
        yield out


# Loading ---------------------------------------------------------------------------


def sqlite_text(row: Row) -> Row:
    """Datetimes (all UTC) in the text shape SQLAlchemy stores on SQLite: naive, microseconds."""
    return tuple(
        v.isoformat(" ", "microseconds")[:26] if isinstance(v, datetime) else v for v in row
    )


def insert_sql(tbl: str, columns: tuple[str, ...], mark: str) -> str:
    return f"INSERT INTO {tbl} ({', '.join(columns)}) VALUES ({', '.join(mark for _ in columns)})"


_TABLES = ("tickets", "ticket_comments", "ticket_events")
DEFERRED_SQLITE = """
SELECT type, name, sql FROM sqlite_master
WHERE tbl_name IN ('tickets', 'ticket_comments', 'ticket_events') AND sql IS NOT NULL
  AND (type = 'index' OR (type = 'trigger' AND instr(name, '_fts_') > 0))
"""


def sqlite_connect(path: Path) -> sqlite3.Connection:
    """A raw connection with the pragmas of itsm's engine, in autocommit mode."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def _counter_rows(totals: Totals) -> list[Row]:
    return sorted(totals.counters.items())


def load_sqlite(
    path: Path, count: int, now: datetime, totals: Totals, log: Callable[[str], None]
) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = OFF")  # set-up only; the runs use itsm's settings
        conn.execute("PRAGMA foreign_keys = OFF")
        deferred = conn.execute(DEFERRED_SQLITE).fetchall()
        for kind, name, _sql in deferred:
            conn.execute(f'DROP {kind.upper()} "{name}"')
        conn.execute("BEGIN")
        conn.executemany(insert_sql("users", USER_COLUMNS, "?"), users())
        sqls = (
            insert_sql("tickets", TICKET_COLUMNS, "?"),
            insert_sql("ticket_comments", COMMENT_COLUMNS, "?"),
            insert_sql("ticket_events", EVENT_COLUMNS, "?"),
        )
        for chunk in generate(count, now, totals):
            for sql, rows in zip(sqls, (chunk.tickets, chunk.comments, chunk.events), strict=True):
                conn.executemany(sql, map(sqlite_text, rows))
            if totals.tickets % 200_000 == 0:
                log(f"dataset/sqlite: {totals.tickets:,} tickets loaded")
        conn.executemany(
            "INSERT INTO ticket_counters (day, last_value) VALUES (?, ?)", _counter_rows(totals)
        )
        conn.execute("COMMIT")
        log(f"dataset/sqlite: recreating {len(deferred)} indexes and triggers, full-text index")
        for _kind, _name, sql in deferred:
            conn.execute(sql)
        for fts in ("tickets_fts", "ticket_comments_fts"):
            conn.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


_PG_DEFERRED = """
SELECT i.indexname, i.indexdef FROM pg_indexes i
WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
"""


def copy_rows(
    cur: psycopg.Cursor[Any], table: str, columns: tuple[str, ...], rows: list[Row]
) -> None:
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def load_postgres(
    dsn: str, count: int, now: datetime, totals: Totals, log: Callable[[str], None]
) -> None:
    with psycopg.connect(dsn) as conn:
        # Set-up only: no foreign-key triggers during the load (rows consistent by
        # construction), secondary and GIN indexes built once at the end.
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET maintenance_work_mem = '512MB'")
        deferred = conn.execute(_PG_DEFERRED, (list(_TABLES),)).fetchall()
        for name, _sql in deferred:
            conn.execute(f'DROP INDEX "{name}"')
        with conn.cursor() as cur:
            copy_rows(cur, "users", USER_COLUMNS, users())
            for chunk in generate(count, now, totals):
                copy_rows(cur, "tickets", TICKET_COLUMNS, chunk.tickets)
                copy_rows(cur, "ticket_comments", COMMENT_COLUMNS, chunk.comments)
                copy_rows(cur, "ticket_events", EVENT_COLUMNS, chunk.events)
                if totals.tickets % 200_000 == 0:
                    log(f"dataset/postgresql: {totals.tickets:,} tickets loaded")
            copy_rows(cur, "ticket_counters", ("day", "last_value"), _counter_rows(totals))
        log(f"dataset/postgresql: recreating {len(deferred)} indexes")
        for _name, sql in deferred:
            conn.execute(sql)
        for tbl in ("users", *_TABLES):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{tbl}', 'id'), max(id)) FROM {tbl}"
            )
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


# The shared data sets ---------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """A loaded throw-away database and what the benchmarks need to know about it."""

    kind: str  # "sqlite" or "postgresql"
    label: str
    url: str  # SQLAlchemy URL
    connect: Callable[[], Any]  # a raw DBAPI connection (sqlite3 autocommit, or psycopg)
    totals: Totals
    load_seconds: float
    now: datetime

    @property
    def detail(self) -> str:
        t = self.totals
        return (
            f"{t.tickets:,} tickets, {t.comments:,} comments, {t.events:,} events, "
            f"loaded in {self.load_seconds:.1f} s"
        )


KINDS = (("sqlite", "SQLite"), ("postgresql", "PostgreSQL"))


def skipped_kinds() -> dict[str, str]:
    """Database kinds that cannot run here, with the reason."""
    reason = postgres_reachable()
    return {} if reason is None else {"postgresql": f"server not reachable ({reason})"}


def provide(cfg: RunConfig, kind: str, count: int) -> Dataset:
    """The run's data set of ``count`` tickets on ``kind``, built on first use."""
    key = f"dataset:{kind}:{count}"
    found = cfg.shared.get(key)
    if isinstance(found, Dataset):
        cfg.log(f"dataset/{kind}: reusing {found.detail}")
        return found
    dataset = cfg.cleanup.enter_context(_build(cfg, kind, count))
    cfg.shared[key] = dataset
    return dataset


@contextmanager
def _build(cfg: RunConfig, kind: str, count: int) -> Iterator[Dataset]:
    label = dict(KINDS)[kind]
    now = datetime.now(UTC).replace(microsecond=0)
    totals = Totals()
    with (
        tempfile.TemporaryDirectory(prefix="itsm-bench-data-") as tmp,
        _target(kind, tmp) as (
            url,
            load,
            connect,
        ),
    ):
        home = Path(tmp)
        with isolated_settings_env():
            migrate_database(settings_for(url, home))
        cfg.log(f"dataset/{kind}: loading {count:,} tickets with comments and events")
        t0 = time.perf_counter()
        load(count, now, totals, cfg.log)
        seconds = time.perf_counter() - t0
        dataset = Dataset(kind, label, url, connect, totals, seconds, now)
        cfg.log(f"dataset/{kind}: {dataset.detail}")
        yield dataset


Loader = Callable[[int, datetime, Totals, Callable[[str], None]], None]


@contextmanager
def _target(kind: str, tmp: str) -> Iterator[tuple[str, Loader, Callable[[], Any]]]:
    if kind == "sqlite":
        path = Path(tmp) / "tickets.db"

        def load_file(n: int, now: datetime, totals: Totals, log: Callable[[str], None]) -> None:
            load_sqlite(path, n, now, totals, log)

        yield sqlite_url(path), load_file, lambda: sqlite_connect(path)
        return
    with postgres_database() as dbname:
        dsn = postgres_dsn(dbname)

        def load_db(n: int, now: datetime, totals: Totals, log: Callable[[str], None]) -> None:
            load_postgres(dsn, n, now, totals, log)

        yield postgres_sqlalchemy_url(dbname), load_db, lambda: psycopg.connect(dsn)
