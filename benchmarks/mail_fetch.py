"""Email in: ``itsm mail fetch --once`` over 1,000 queued mails in a real Dovecot.

Per database: a throw-away database migrated to head with 50 people, a Dovecot
(``tests/imap_server.py``: Debian's, on a loopback port, a throw-away maildir) and
1,000 mails delivered by IMAP APPEND before the clock starts: 800 new requests from
those people and 200 replies to their own first mails (threaded by In-Reply-To, so
they become comments). The figure is the wall time of the command, a subprocess, as
cron runs it; every mail must end as a ticket or a comment and leave the inbox.

Target: 1,000 mails <= 30 s on each database (issue 15). Baseline (less work, so a
figure only): the same mails read and moved by plain imaplib, no database.
"""

from __future__ import annotations

import imaplib
import json
import os
import resource
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path

from benchmarks._core import Figure, Result, RunConfig, Target
from benchmarks._env import (
    isolated_settings_env,
    itsm_command,
    migrate_database,
    postgres_database,
    postgres_reachable,
    postgres_sqlalchemy_url,
    settings_for,
    sqlite_url,
)

NAME = "mail_fetch"
TITLE = "Email in: itsm mail fetch --once over 1,000 queued mails (Dovecot)"
MAILS = 1000
MAX_S = 30.0
PEOPLE = 50


def _mails(count: int) -> list[bytes]:
    """``count`` mails: four new requests for each reply to one of them."""
    out: list[bytes] = []
    firsts: list[tuple[str, str]] = []
    for i in range(count):
        person = f"person{i % PEOPLE}@example.org"
        message = EmailMessage()
        message["From"] = person
        message["To"] = "help@example.org"
        message["Date"] = "Mon, 07 Dec 2026 10:00:00 +0100"
        if i % 5 == 4 and firsts:
            their, first_id = firsts[len(firsts) // 2]
            message.replace_header("From", their)
            message["Subject"] = "Re: la impresora"
            message["In-Reply-To"] = first_id
            message["References"] = first_id
            message.set_content("Sigue sin funcionar después de reiniciarla.\n\n> antes\n")
        else:
            message["Subject"] = f"La impresora {i} no imprime"
            message_id = f"<bench-{i}@mail.example.net>"
            message["Message-ID"] = message_id
            firsts.append((person, message_id))
            message.set_content(
                "Desde esta mañana la impresora de la segunda planta no imprime; "
                "la cola muestra los trabajos en espera.\n"
            )
        if "Message-ID" not in message:
            message["Message-ID"] = f"<bench-{i}@mail.example.net>"
        out.append(message.as_bytes())
    return out


@contextmanager
def _database(kind: str, home: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield sqlite_url(home / "mail.db")
        return
    with postgres_database() as name:
        yield postgres_sqlalchemy_url(name)


def _people(url: str, home: Path) -> None:
    from itsm.db.runtime import open_database
    from itsm.users import service as users
    from itsm.users.schemas import UserCreate

    settings = settings_for(url, home)
    migrate_database(settings)
    db = open_database(settings)
    try:
        with db.session() as session:
            for n in range(PEOPLE):
                data = UserCreate(
                    username=f"person{n}", full_name=f"Person {n}", email=f"person{n}@example.org"
                )
                users.create_user(session, data=data)
    finally:
        db.dispose()


def _plain_read(server: object, folder: str, target: str) -> float:
    """The baseline: every mail of ``folder`` fetched and moved by imaplib alone."""
    from tests.imap_server import ImapServer

    assert isinstance(server, ImapServer)
    with server.client() as imap:
        imap.create(f'"{target}"')
        imap.select(f'"{folder}"')
        t0 = time.perf_counter()
        _, found = imap.uid("SEARCH", "ALL")
        for uid in found[0].split():
            imap.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
            imap.uid("MOVE", uid.decode(), f'"{target}"')
        return time.perf_counter() - t0


def _append(imap: imaplib.IMAP4, folder: str, mails: list[bytes]) -> None:
    imap.create(f'"{folder}"')
    for raw in mails:
        typ, data = imap.append(f'"{folder}"', None, None, raw)
        if typ != "OK":
            raise RuntimeError(f"APPEND refused: {data!r}")


def run(cfg: RunConfig) -> Result:
    from tests.imap_server import DOVECOT, PASSWORD, USER, imap_server

    count = cfg.size(full=MAILS, smoke=40)
    limit = MAX_S * count / MAILS
    result = Result(name=NAME, title=TITLE)
    if not DOVECOT.exists():
        result.skipped.append("Dovecot is not installed (apt-get install dovecot-imapd)")
        return result
    mails = _mails(count)
    expected = {"ticket": count - count // 5, "comment": count // 5}
    result.notes.append(
        f"{count:,} mails ({expected['ticket']} new, {expected['comment']} replies to the "
        "sender's first mail) from 50 people; one `itsm mail fetch --once` subprocess, "
        "wall time; Dovecot on loopback, plain IMAP"
    )
    for kind, lab in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        if kind == "postgresql" and (reason := postgres_reachable()) is not None:
            result.skipped.append(f"{lab}: server not reachable ({reason})")
            continue
        with isolated_settings_env() as home, _database(kind, home) as url:
            _people(url, home)
            with imap_server(home) as server:
                with server.client() as imap:
                    _append(imap, "queue", mails)
                    _append(imap, "plain", mails)
                env = dict(os.environ) | {
                    "ITSM_DATABASE_URL": url,
                    "ITSM_DATA_DIR": str(home / "data"),
                    "ITSM_MAIL__HOST": "127.0.0.1",
                    "ITSM_MAIL__PORT": str(server.port),
                    "ITSM_MAIL__SECURITY": "none",
                    "ITSM_MAIL__USERNAME": USER,
                    "ITSM_MAIL__PASSWORD": PASSWORD,
                    "ITSM_MAIL__FOLDER": "queue",
                    "ITSM_MAIL__MAX_PER_SENDER_PER_HOUR": "100000",
                }
                cfg.log(f"{NAME}/{kind}: {count:,} mails")
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.perf_counter()
                done = subprocess.run(
                    [itsm_command(), "mail", "fetch", "--once", "--json"],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                seconds = time.perf_counter() - t0
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                if done.returncode != 0:
                    raise RuntimeError(f"itsm mail fetch: {done.returncode} {done.stderr[-500:]}")
                tally = json.loads(done.stdout)
                made = {k: tally[k] for k in expected}
                if made != expected or server.count("queue") != 0:
                    raise RuntimeError(f"expected {expected}, got {tally}")
                plain = _plain_read(server, "plain", "plain-done")
        result.figures.append(
            Figure(
                f"{lab}: {count:,} mails -> tickets and comments",
                seconds,
                "s",
                baseline="imaplib FETCH + MOVE only",
                baseline_value=plain,
                detail=f"{1000 * seconds / count:.1f} ms per mail; {count / seconds:,.0f} mails/s",
            )
        )
        result.figures.append(
            Figure(
                f"{lab}: CPU of the command",
                cpu,
                "s",
                detail="user + system of `itsm mail fetch`; not Dovecot's nor PostgreSQL's",
            )
        )
        result.targets.append(
            Target(f"{lab}: {count:,} mails <= {limit:g} s", seconds <= limit, f"{seconds:.2f} s")
        )
        result.data[lab] = {
            "seconds": round(seconds, 3),
            "cpu": round(cpu, 3),
            "plain": round(plain, 3),
        } | tally
    return result
