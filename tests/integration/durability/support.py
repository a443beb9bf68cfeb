"""Workers in other processes, their logs of acknowledged writes, and what must hold after."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from itsm.config import Settings
from itsm.db.runtime import open_database
from itsm.tickets import creation, queries
from itsm.tickets.schemas import TicketCreate
from itsm.users import service as users
from tests.factories import UTC, make_user
from tests.integration.transfer.support import consistency

ROOT = Path(__file__).resolve().parents[3]

Entry = dict[str, Any]


def add_staff(url: str, technicians: int) -> tuple[int, list[int]]:
    """A requester and ``technicians`` technicians ``w0``, ``w1``...: (requester id, their ids)."""
    db = open_database(Settings(database_url=url))
    try:
        with db.session() as session:
            requester = make_user(session, username="requester", full_name="Re Quester")
            staff = [
                make_user(session, username=f"w{n}", full_name=f"Worker {n}", role="technician")
                for n in range(technicians)
            ]
            return requester.id, [u.id for u in staff]
    finally:
        db.dispose()


def add_ticket(url: str, *, title: str, requester: int) -> int:
    """One ticket through the service, as its requester; its id."""
    db = open_database(Settings(database_url=url))
    try:
        with db.session() as session:
            data = TicketCreate(title=title, category="hardware", requester_id=requester)
            user = users.get_user(session, ref=requester)
            return creation.create_ticket(session, data=data, actor=user, zone=UTC).id
    finally:
        db.dispose()


def spawn_worker(
    mode: str,
    url: str,
    log: Path,
    *,
    seed: int,
    actor: int,
    requester: int,
    extra: Sequence[str] = (),
) -> subprocess.Popen[str]:
    """``python -m tests.integration.durability.worker`` with its stderr kept in a file."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    stderr = log.with_suffix(".stderr").open("w", encoding="utf-8")
    try:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.durability.worker",
                mode,
                url,
                str(log),
                *("--seed", str(seed), "--actor", str(actor), "--requester", str(requester)),
                *extra,
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
        )
    finally:
        stderr.close()  # the child holds its own copy


def stderr_of(log: Path) -> str:
    return log.with_suffix(".stderr").read_text(encoding="utf-8")


def read_log(path: Path, *, killed: bool = False) -> list[Entry]:
    """The acknowledged writes; a killed writer's last line may be cut short (not acknowledged)."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    entries: list[Entry] = []
    for i, line in enumerate(lines):
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            if killed and i == len(lines) - 1:
                break
            raise
    return entries


def acknowledged_lines(path: Path) -> int:
    if not path.exists():
        return 0
    return path.read_bytes().count(b"\n")


def db_tickets(engine: Engine) -> dict[int, tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, number, title FROM tickets")).all()
    return {int(i): (str(number), str(title)) for i, number, title in rows}


def check_consistent(engine: Engine) -> dict[str, int]:
    """Every ticket has its 'created' event; numbers unique and gap-free per day; FTS intact."""
    with engine.connect() as conn:
        state = consistency(conn)
        duplicates = conn.scalar(
            text(
                "SELECT count(*) FROM (SELECT number FROM tickets "
                "GROUP BY number HAVING count(*) > 1) AS repeated"
            )
        )
        assert duplicates == 0
        conn.rollback()
    return state


def check_searchable(engine: Engine, tickets: Mapping[int, str]) -> None:
    """Each ticket (id: title) is found by the word only its title has, and all by a shared one.

    Titles are the workers' ``Cafetera <unique word> averiada``.
    """
    with Session(engine) as session:
        for ticket_id, title in tickets.items():
            unique = title.split()[1]
            found, total = queries.search(session, query=unique, limit=5)
            assert total == 1, (ticket_id, title, total)
            assert found[0][0].id == ticket_id, (ticket_id, title)
        _, total = queries.search(session, query="cafetera", limit=1)
        stored = session.scalar(
            text("SELECT count(*) FROM tickets WHERE lower(title) LIKE '%cafetera%'")
        )
        assert total == stored, f"search finds {total} of {stored} tickets"
